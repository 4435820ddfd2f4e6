// The rotation judgement on plain inputs: anchors, an issuer and leaves made here, each phase of
// the manual runbook (rotation-multicluster-expiry-facts.md A2) and each dangerous state.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCertTools } from "../../src/certs/load.js";
import type { CertificateInfo, CertTools } from "../../src/certs/types.js";
import { assessRotation } from "../../src/rotation/assess.js";
import { stepReadiness } from "../../src/rotation/readiness.js";
import type { PodTrust, RotationFacts } from "../../src/rotation/types.js";
import type { Issued } from "../../src/sim/pki.js";
import { issuerFrom, rotationPki } from "../support/rotation-pki.js";

const now = new Date("2026-12-04T12:00:00Z");
const DAY = 86_400_000;
let certs: CertTools;
let oldAnchor: CertificateInfo;
let newAnchor: CertificateInfo;
let oldIssuer: CertificateInfo;
let newIssuer: CertificateInfo;
let rsaIssuer: CertificateInfo;
let notCa: CertificateInfo;

beforeAll(async () => {
  certs = await loadCertTools();
  const info = (issued: Issued) => certs.parseCertificate(new Uint8Array(issued.cert.rawData));
  const pki = await rotationPki(now);
  [oldAnchor, newAnchor, oldIssuer, newIssuer, notCa] = [
    pki.oldAnchor,
    pki.newAnchor,
    pki.oldIssuer,
    pki.newIssuer,
    pki.notCa,
  ].map(info) as [
    CertificateInfo,
    CertificateInfo,
    CertificateInfo,
    CertificateInfo,
    CertificateInfo,
  ];
  rsaIssuer = info(await issuerFrom(pki.newAnchor, now, { algorithm: "RSA-2048" }));
});

const fp = (cert: CertificateInfo) => cert.fingerprintSha256;

function pod(
  name: string,
  trusts: CertificateInfo[],
  leaf?: { anchor: CertificateInfo; issuer: CertificateInfo; hours?: number },
  extra: Partial<PodTrust> = {},
): PodTrust {
  return {
    namespace: extra.controlPlane ? "linkerd" : "emojivoto",
    pod: name,
    controlPlane: false,
    identityController: false,
    trusts: trusts.map(fp),
    startedBeforeBundleChange: false,
    leaf:
      leaf === undefined
        ? undefined
        : {
            source: "live",
            anchor: fp(leaf.anchor),
            issuer: fp(leaf.issuer),
            notBefore: new Date(now.getTime() - 4 * 3_600_000),
            notAfter: new Date(now.getTime() + (leaf.hours ?? 20) * 3_600_000),
          },
    ...extra,
  };
}

function facts(overrides: Partial<RotationFacts>): RotationFacts {
  return {
    now,
    bundle: [oldAnchor],
    bundlePlace: "trust-roots-configmap",
    bundleChangedAt: undefined,
    linkerdConfigAnchors: undefined,
    issuerSecretCa: undefined,
    issuer: oldIssuer,
    issuerAnchor: fp(oldAnchor),
    proxyOnlyAnchors: [],
    pods: [],
    leaves: "live",
    unread: [],
    expiryThresholdMs: 60 * DAY,
    ...overrides,
  };
}

const verify = (...args: Parameters<CertTools["verifyChain"]>) => certs.verifyChain(...args);

describe("the phases of the manual runbook", () => {
  it("steady: one anchor, every proxy on it", () => {
    const report = assessRotation(
      facts({ pods: [pod("web", [oldAnchor], { anchor: oldAnchor, issuer: oldIssuer })] }),
    );
    expect(report.phase).toEqual({ id: "steady" });
    expect(report.dangers).toEqual([]);
    expect(report.anchors).toMatchObject([
      {
        fingerprint: fp(oldAnchor),
        places: ["trust-roots-configmap"],
        signedCurrentIssuer: true,
        trustedBy: { dataPlane: 1, controlPlane: 0 },
        leaves: 1,
      },
    ]);
  });

  it("new anchor bundled: the proxies still on the old bundle are to restart", () => {
    const report = assessRotation(
      facts({
        bundle: [newAnchor, oldAnchor],
        pods: [
          pod("web", [oldAnchor], { anchor: oldAnchor, issuer: oldIssuer }),
          pod("vote", [newAnchor, oldAnchor], { anchor: oldAnchor, issuer: oldIssuer }),
        ],
      }),
    );
    expect(report.phase).toEqual({ id: "new-anchor-bundled", workloadsToRestart: 1 });
  });

  it("bundle on every proxy: ready to rotate the issuer, and the gate agrees", async () => {
    const f = facts({
      bundle: [newAnchor, oldAnchor],
      pods: [pod("web", [newAnchor, oldAnchor], { anchor: oldAnchor, issuer: oldIssuer })],
    });
    expect(assessRotation(f).phase).toEqual({ id: "bundle-everywhere" });
    expect(await stepReadiness({ kind: "issuer", certificate: newIssuer }, f, verify)).toEqual({
      answer: "ready",
      notes: [],
    });
  });

  it("issuer rotated: leaves from the old issuer remain, the last one's expiry said", () => {
    const report = assessRotation(
      facts({
        bundle: [newAnchor, oldAnchor],
        issuer: newIssuer,
        issuerAnchor: fp(newAnchor),
        pods: [
          pod("web", [newAnchor, oldAnchor], { anchor: oldAnchor, issuer: oldIssuer, hours: 5 }),
          pod("vote", [newAnchor, oldAnchor], { anchor: newAnchor, issuer: newIssuer }),
        ],
      }),
    );
    expect(report.phase).toEqual({
      id: "issuer-rotated",
      oldLeaves: 1,
      lastOldLeafExpiresAt: new Date(now.getTime() + 5 * 3_600_000),
    });
  });

  it("ready to remove the old anchor; removed, the pods still holding it are to restart", async () => {
    const ready = facts({
      bundle: [newAnchor, oldAnchor],
      issuer: newIssuer,
      issuerAnchor: fp(newAnchor),
      pods: [pod("web", [newAnchor, oldAnchor], { anchor: newAnchor, issuer: newIssuer })],
    });
    expect(assessRotation(ready).phase).toEqual({ id: "ready-to-remove-old-anchor" });
    expect(
      await stepReadiness(
        { kind: "remove-anchor", fingerprint: fp(oldAnchor).slice(0, 16) },
        ready,
        verify,
      ),
    ).toMatchObject({ answer: "ready" });
    const removed = facts({ ...ready, bundle: [newAnchor] });
    expect(assessRotation(removed).phase).toEqual({
      id: "old-anchor-removed",
      workloadsToRestart: 1,
    });
  });
});

describe("the dangerous states", () => {
  it("an issuer from an anchor some proxies lack: who, and when their first leaf expires", async () => {
    const f = facts({
      bundle: [newAnchor, oldAnchor],
      issuer: newIssuer,
      issuerAnchor: fp(newAnchor),
      pods: [
        pod("web", [oldAnchor], { anchor: oldAnchor, issuer: oldIssuer, hours: 3 }),
        pod("identity", [oldAnchor], undefined, { controlPlane: true, identityController: true }),
      ],
    });
    expect(assessRotation(f).dangers).toContainEqual({
      kind: "issuer-anchor-missing",
      pods: [
        { namespace: "emojivoto", pod: "web" },
        { namespace: "linkerd", pod: "identity" },
      ],
      firstLeafExpiresAt: new Date(now.getTime() + 3 * 3_600_000),
    });
    const gate = await stepReadiness(
      { kind: "issuer", certificate: newIssuer },
      facts({ ...f, issuer: oldIssuer, issuerAnchor: fp(oldAnchor) }),
      verify,
    );
    expect(gate).toMatchObject({
      answer: "not-ready",
      reasons: [{ pods: [{ pod: "web" }, { pod: "identity" }] }],
    });
  });

  it("an anchor dropped while live leaves chain only to it (linkerd2#4287)", async () => {
    const f = facts({
      bundle: [newAnchor],
      issuer: newIssuer,
      issuerAnchor: fp(newAnchor),
      pods: [pod("web", [newAnchor, oldAnchor], { anchor: oldAnchor, issuer: oldIssuer })],
    });
    expect(assessRotation(f).dangers).toContainEqual({
      kind: "leaves-of-removed-anchor",
      anchor: fp(oldAnchor),
      pods: [{ namespace: "emojivoto", pod: "web" }],
    });
    const before = facts({ ...f, bundle: [newAnchor, oldAnchor] });
    expect(
      await stepReadiness({ kind: "bundle", anchors: [newAnchor] }, before, verify),
    ).toMatchObject({
      answer: "not-ready",
      reasons: [{ pods: [{ pod: "web" }] }],
    });
    // Without the leaves, dropping an anchor cannot be judged.
    expect(
      await stepReadiness(
        { kind: "bundle", anchors: [newAnchor] },
        {
          ...before,
          leaves: "none",
          pods: before.pods.map((p) => ({ ...p, leaf: undefined })),
        },
        verify,
      ),
    ).toMatchObject({ answer: "cannot-tell" });
    // A bundle that keeps every current anchor needs no leaves.
    expect(
      await stepReadiness(
        { kind: "bundle", anchors: [newAnchor, oldAnchor] },
        { ...before, leaves: "none" },
        verify,
      ),
    ).toMatchObject({ answer: "ready" });
  });

  it("a control plane started before the bundle changed; linkerd-config disagreeing; anchors expiring", () => {
    const expiring = {
      ...oldAnchor,
      fingerprintSha256: "ab".repeat(32),
      notAfter: new Date(now.getTime() + 10 * DAY),
    };
    const report = assessRotation(
      facts({
        bundle: [newAnchor, oldAnchor],
        linkerdConfigAnchors: [oldAnchor],
        proxyOnlyAnchors: [expiring],
        pods: [
          pod("destination", [oldAnchor], undefined, {
            controlPlane: true,
            startedBeforeBundleChange: true,
          }),
        ],
      }),
    );
    expect(report.dangers).toContainEqual({
      kind: "started-before-bundle-change",
      pods: [{ namespace: "linkerd", pod: "destination" }],
    });
    expect(report.dangers).toContainEqual({
      kind: "linkerd-config-disagrees",
      onlyInConfig: [],
      onlyInBundle: [fp(newAnchor)],
    });
    expect(report.dangers).toContainEqual({
      kind: "anchor-expiring",
      anchor: "ab".repeat(32),
      notAfter: expiring.notAfter,
    });
  });
});

describe("a control-plane pod whose bundle is not known", () => {
  it("is to restart, counted as trusting nothing, and never taken for a removed anchor", () => {
    const stale = pod("linkerd-identity-1", [], undefined, {
      controlPlane: true,
      identityController: true,
      trusts: undefined,
      startedBeforeBundleChange: true,
    });
    const web = pod("web", [oldAnchor], { anchor: oldAnchor, issuer: oldIssuer });
    // One anchor, written again since the control plane started: still steady, the danger says why.
    const steady = assessRotation(facts({ pods: [web, stale] }));
    expect(steady.phase).toEqual({ id: "steady" });
    expect(steady.dangers.map((d) => d.kind)).toEqual(["started-before-bundle-change"]);
    expect(steady.anchors[0]?.trustedBy).toEqual({ dataPlane: 1, controlPlane: 0 });
    // Two anchors: it must restart to load the new one, but it is not said to lack the issuer's.
    const bundled = assessRotation(
      facts({ bundle: [newAnchor, oldAnchor], pods: [pod("web", [newAnchor, oldAnchor]), stale] }),
    );
    expect(bundled.phase).toEqual({ id: "new-anchor-bundled", workloadsToRestart: 1 });
    expect(bundled.dangers.map((d) => d.kind)).toEqual(["started-before-bundle-change"]);
  });
});

describe("the gate refuses bad steps with every reason", () => {
  it("an issuer that is not a CA, on RSA, or from no anchor of the bundle", async () => {
    const f = facts({ bundle: [newAnchor, oldAnchor] });
    expect(await stepReadiness({ kind: "issuer", certificate: notCa }, f, verify)).toMatchObject({
      answer: "not-ready",
      reasons: [{ message: expect.stringContaining("not a CA") }],
    });
    expect(
      await stepReadiness({ kind: "issuer", certificate: rsaIssuer }, f, verify),
    ).toMatchObject({
      answer: "not-ready",
      reasons: [{ message: expect.stringContaining("must use ECDSA") }],
    });
    expect(
      await stepReadiness(
        { kind: "issuer", certificate: newIssuer },
        facts({ bundle: [oldAnchor] }),
        verify,
      ),
    ).toMatchObject({
      answer: "not-ready",
      reasons: [{ message: expect.stringContaining("does not chain") }],
    });
  });

  it("a bundle without the current issuer's anchor, or with an expired one", async () => {
    const expired = {
      ...newAnchor,
      fingerprintSha256: "cd".repeat(32),
      notAfter: new Date(now.getTime() - DAY),
    };
    const result = await stepReadiness(
      { kind: "bundle", anchors: [newAnchor, expired] },
      facts({}),
      verify,
    );
    expect(result).toMatchObject({ answer: "not-ready" });
    const messages = (result as { reasons: { message: string }[] }).reasons.map((r) => r.message);
    expect(messages.some((m) => m.includes("expired anchor"))).toBe(true);
    expect(messages.some((m) => m.includes("lacks the current issuer's anchor"))).toBe(true);
  });
});
