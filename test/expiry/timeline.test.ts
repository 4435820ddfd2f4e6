// The expiry timeline on plain facts: statuses against each layer's threshold, leaves summarized
// per namespace, the superseded anchor kept out of the headline and the gate unless asked.
import { describe, expect, it } from "vitest";
import { parseExpiryThreshold } from "../../src/checks/expiry.js";
import type { ExpiryThreshold } from "../../src/checks/types.js";
import { buildTimeline, failingRows, timingOf } from "../../src/expiry/timeline.js";
import type { ExpiryFacts, ExpiryThresholds, KeptCertificate } from "../../src/expiry/types.js";

const now = new Date("2026-12-04T12:00:00Z");
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);
const hours = (n: number) => new Date(now.getTime() + n * 3_600_000);
const t = (text: string) => parseExpiryThreshold(text) as ExpiryThreshold;
const thresholds: ExpiryThresholds = {
  anchor: t("60d"),
  issuer: t("60d"),
  webhook: t("60d"),
  leaves: t("20%"),
};

const cert = (
  layer: KeptCertificate["layer"],
  fingerprint: string,
  from: number,
  to: number,
): KeptCertificate => ({
  layer,
  component: undefined,
  source: { kind: "configmap", namespace: "linkerd", name: "x", key: "y" },
  subject: `CN=${fingerprint}`,
  commonName: fingerprint,
  fingerprintSha256: fingerprint,
  notBefore: days(from),
  notAfter: days(to),
});

const facts = (over: Partial<ExpiryFacts>): ExpiryFacts => ({
  now,
  certificates: [],
  anchorsInUse: undefined,
  leaves: [],
  leafSource: "live",
  leafStartEstimated: false,
  unread: [],
  ...over,
});

describe("timingOf", () => {
  it("says expired, not yet valid, within the threshold (duration or share of lifetime), or ok", () => {
    expect(timingOf({ notBefore: days(-10), notAfter: days(-1) }, t("60d"), now).status).toBe(
      "expired",
    );
    expect(timingOf({ notBefore: days(1), notAfter: days(100) }, t("60d"), now).status).toBe(
      "not-yet-valid",
    );
    expect(timingOf({ notBefore: days(-300), notAfter: days(30) }, t("60d"), now)).toMatchObject({
      status: "expiring",
      secondsLeft: 30 * 86_400,
    });
    // 4 h left of a 24 h leaf is 17%: within 20% of its lifetime, and 83% used.
    const leaf = timingOf({ notBefore: hours(-20), notAfter: hours(4) }, t("20%"), now);
    expect(leaf.status).toBe("expiring");
    expect(leaf.lifetimeUsed).toBeCloseTo(20 / 24);
    expect(timingOf({ notBefore: hours(-10), notAfter: hours(14) }, t("20%"), now).status).toBe(
      "ok",
    );
  });
});

describe("buildTimeline", () => {
  it("summarizes leaves per namespace: earliest, median, latest, and those past 70% of their life", () => {
    const leaves = [-20, -2, -10, -18].map((started) => ({
      namespace: "shop",
      notBefore: hours(started),
      notAfter: hours(started + 24),
    }));
    const report = buildTimeline(facts({ leaves }), thresholds, false);
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({
      kind: "leaves",
      namespace: "shop",
      count: 4,
      notAfter: hours(4),
      medianNotAfter: hours(6),
      latestNotAfter: hours(22),
      pastRenewal: 2,
      status: "expiring",
    });
  });

  it("an anchor that signs nothing current is superseded: out of the headline and the gate unless asked", () => {
    const old = cert("anchor", "old", -3000, 5);
    const current = cert("anchor", "new", -10, 3000);
    const issuer = cert("issuer", "issuer", -10, 300);
    const report = buildTimeline(
      facts({ certificates: [current, issuer, old], anchorsInUse: new Set(["new"]) }),
      thresholds,
      false,
    );
    expect(
      report.rows.map((r) =>
        r.kind === "certificate" ? [r.certificate.commonName, r.superseded] : [],
      ),
    ).toEqual([
      ["old", true],
      ["issuer", false],
      ["new", false],
    ]);
    expect(report.next?.kind === "certificate" && report.next.certificate.commonName).toBe(
      "issuer",
    );
    expect(failingRows(report, t("30d"), false)).toEqual([]);
    expect(failingRows(report, t("30d"), true)).toHaveLength(1);
    const asked = buildTimeline(
      facts({ certificates: [current, issuer, old], anchorsInUse: new Set(["new"]) }),
      thresholds,
      true,
    );
    expect(asked.next?.kind === "certificate" && asked.next.certificate.commonName).toBe("old");
    // When the issuer is not known, no anchor is called superseded.
    const unknown = buildTimeline(facts({ certificates: [old, current] }), thresholds, false);
    expect(unknown.rows.some((r) => r.kind === "certificate" && r.superseded)).toBe(false);
  });

  it("fails the gate on an expired row always, on a row within --fail-within only when given", () => {
    const report = buildTimeline(
      facts({ certificates: [cert("webhook", "hook", -300, 20)] }),
      thresholds,
      false,
    );
    expect(report.rows[0]?.status).toBe("expiring");
    expect(failingRows(report, undefined, false)).toEqual([]);
    expect(failingRows(report, t("21d"), false)).toHaveLength(1);
    expect(failingRows(report, t("19d"), false)).toEqual([]);
    expect(failingRows(report, t("10%"), false)).toHaveLength(1);
    const expired = buildTimeline(
      facts({ certificates: [cert("issuer", "i", -300, -1)] }),
      thresholds,
      false,
    );
    expect(failingRows(expired, undefined, false)).toHaveLength(1);
  });
});
