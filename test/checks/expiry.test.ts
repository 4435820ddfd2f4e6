import { describe, expect, it } from "vitest";
import type { CertificateInfo } from "../../src/certs/types.js";
import { isExpiringSoon, parseExpiryThreshold, thresholdPhrase } from "../../src/checks/expiry.js";
import { parseDuration } from "../../src/commands/durations.js";

const DAY = 86_400_000;
const now = new Date("2026-06-01T00:00:00Z");
const cert = (daysLeft: number, lifetimeDays: number) =>
  ({
    notBefore: new Date(now.getTime() - (lifetimeDays - daysLeft) * DAY),
    notAfter: new Date(now.getTime() + daysLeft * DAY),
  }) as CertificateInfo;

describe("expiry thresholds", () => {
  it("parses durations and names them", () => {
    expect(parseExpiryThreshold("60d")).toEqual({
      kind: "duration",
      ms: 60 * DAY,
      text: "60 days",
    });
    expect(parseExpiryThreshold("720h")).toEqual({
      kind: "duration",
      ms: 30 * DAY,
      text: "30 days",
    });
    expect(parseExpiryThreshold("36h")?.text).toBe("36 hours");
    expect(parseExpiryThreshold("1d")?.text).toBe("1 day");
    expect(parseExpiryThreshold("1d12h")?.text).toBe("36 hours");
  });

  it("parses a share of the lifetime", () => {
    expect(parseExpiryThreshold("20%")).toEqual({ kind: "lifetime", percent: 20, text: "20%" });
    expect(thresholdPhrase(parseExpiryThreshold("20%") as never, "plural")).toBe(
      "20% of their lifetime",
    );
  });

  it.each(["", "60", "d", "0d", "100%", "0%", "-5d", "60 days"])("rejects %j", (text) => {
    expect(parseExpiryThreshold(text)).toBeUndefined();
  });

  it("warns inside the window only (Linkerd: now + 60 days > notAfter)", () => {
    const sixtyDays = parseExpiryThreshold("60d");
    if (sixtyDays === undefined) throw new Error("parse");
    expect(isExpiringSoon(cert(59, 365), sixtyDays, now)).toBe(true);
    expect(isExpiringSoon(cert(61, 365), sixtyDays, now)).toBe(false);
  });

  it("judges 24-hour leaves by their lifetime", () => {
    const share = parseExpiryThreshold("20%");
    if (share === undefined) throw new Error("parse");
    expect(isExpiringSoon(cert(0.1, 1), share, now)).toBe(true);
    expect(isExpiringSoon(cert(0.5, 1), share, now)).toBe(false);
  });
});

describe("Go-style --wait durations", () => {
  it.each([
    ["5m0s", 300_000],
    ["30s", 30_000],
    ["1h30m", 5_400_000],
    ["250ms", 250],
    ["0", 0],
    ["0s", 0],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it("rejects junk", () => {
    expect(parseDuration("5 minutes")).toBeUndefined();
  });
});
