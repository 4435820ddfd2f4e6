// The data-plane judgement on plain inputs: certificates made here, findings written out.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCertTools } from "../../src/certs/load.js";
import type { CertificateInfo, CertTools } from "../../src/certs/types.js";
import {
  type AssessmentBasis,
  assessProxy,
  expectedIdentity,
} from "../../src/checks/data-plane/assess.js";
import type { ProxyFinding } from "../../src/checks/types.js";
import { daysFrom, type Issued, issueCertificate } from "../../src/sim/pki.js";

const now = new Date("2026-12-04T12:00:00Z");
const identity = "web.emojivoto.serviceaccount.identity.linkerd.cluster.local";
let certs: CertTools;
let anchor: Issued;
let issuer: Issued;
let oldIssuer: Issued;
let parsed: { issuer: CertificateInfo; oldIssuer: CertificateInfo; anchor: CertificateInfo };

const info = (issued: Issued) => certs.parseCertificate(new Uint8Array(issued.cert.rawData));

async function leaf(options: { signer?: Issued; name?: string; from?: number; to?: number } = {}) {
  return info(
    await issueCertificate({
      commonName: options.name ?? identity,
      dnsNames: [options.name ?? identity],
      notBefore: new Date(now.getTime() + (options.from ?? -3_600_000)),
      notAfter: new Date(now.getTime() + (options.to ?? 20 * 3_600_000)),
      signer: options.signer ?? issuer,
    }),
  );
}

beforeAll(async () => {
  certs = await loadCertTools();
  anchor = await issueCertificate({
    commonName: "root.linkerd.cluster.local",
    notBefore: daysFrom(now, -1),
    notAfter: daysFrom(now, 3650),
    isCA: true,
    pathLength: 1,
  });
  const issue = (from: number) =>
    issueCertificate({
      commonName: "identity.linkerd.cluster.local",
      notBefore: daysFrom(now, from),
      notAfter: daysFrom(now, 365),
      isCA: true,
      pathLength: 0,
      signer: anchor,
    });
  [issuer, oldIssuer] = await Promise.all([issue(-1), issue(-200)]);
  parsed = { issuer: info(issuer), oldIssuer: info(oldIssuer), anchor: info(anchor) };
});

function basis(overrides: Partial<AssessmentBasis> = {}): AssessmentBasis {
  return {
    now,
    verifyChain: (...args) => certs.verifyChain(...args),
    issuerMaterial: { issuer: parsed.issuer, issuerChain: [], anchors: [parsed.anchor] },
    leafThreshold: { kind: "lifetime", percent: 20, text: "20%" },
    ...overrides,
  };
}

const finding = (overrides: Partial<ProxyFinding>): ProxyFinding => ({
  namespace: "emojivoto",
  pod: "web-1",
  identity,
  status: "verified",
  ...overrides,
});

describe("assessProxy", () => {
  it("a leaf from the current issuer, in date, for the pod's identity: no problem", async () => {
    const served = await leaf();
    const result = await assessProxy(
      finding({ leaf: served, notAfter: served.notAfter, intermediates: [parsed.issuer] }),
      identity,
      basis(),
    );
    expect(result).toMatchObject({ problems: [], issuerJudged: true });
  });

  it("an old issuer under the same anchor is named as such; a stranger's as not chaining", async () => {
    const drifted = await leaf({ signer: oldIssuer });
    const [problem] = (
      await assessProxy(
        finding({ leaf: drifted, notAfter: drifted.notAfter, intermediates: [parsed.oldIssuer] }),
        identity,
        basis(),
      )
    ).problems;
    expect(problem?.kind).toBe("issuer");
    expect(problem?.text).toMatch(/not by the current issuer \(serial .+\); the identity service/);
    const stranger = await issueCertificate({
      commonName: "stranger",
      notBefore: daysFrom(now, -1),
      notAfter: daysFrom(now, 10),
      isCA: true,
    });
    const foreign = await leaf({ signer: stranger });
    const [other] = (
      await assessProxy(finding({ leaf: foreign, notAfter: foreign.notAfter }), identity, basis())
    ).problems;
    expect(other?.text).toMatch(/which does not chain to the trust anchors/);
  });

  it("expired, not yet valid, expiring within the threshold", async () => {
    const expired = await leaf({ from: -25 * 3_600_000, to: -3_600_000 });
    expect(
      (await assessProxy(finding({ leaf: expired, notAfter: expired.notAfter }), identity, basis()))
        .problems,
    ).toEqual([{ kind: "validity", text: "not valid anymore. Expired on 2026-12-04T11:00:00Z" }]);
    const early = await leaf({ from: 3_600_000, to: 24 * 3_600_000 });
    expect(
      (await assessProxy(finding({ leaf: early, notAfter: early.notAfter }), identity, basis()))
        .problems,
    ).toEqual([{ kind: "validity", text: "not valid before: 2026-12-04T13:00:00Z" }]);
    const ending = await leaf({ from: -22 * 3_600_000, to: 2 * 3_600_000 });
    expect(
      (await assessProxy(finding({ leaf: ending, notAfter: ending.notAfter }), identity, basis()))
        .problems,
    ).toEqual([{ kind: "expiry", text: "will expire on 2026-12-04T14:00:00Z" }]);
  });

  it("a reported expiry alone (Prometheus) is judged as a 24-hour leaf", async () => {
    const soon = new Date(now.getTime() + 3 * 3_600_000);
    const reported = finding({ status: "reported", notAfter: soon });
    expect((await assessProxy(reported, identity, basis())).problems).toEqual([
      { kind: "expiry", text: "will expire on 2026-12-04T15:00:00Z" },
    ]);
    const later = finding({
      status: "reported",
      notAfter: new Date(now.getTime() + 10 * 3_600_000),
    });
    expect((await assessProxy(later, identity, basis())).problems).toEqual([]);
  });

  it("another identity, no identity, and no identity material to judge the issuer by", async () => {
    const other = await leaf({
      name: "voting.emojivoto.serviceaccount.identity.linkerd.cluster.local",
    });
    expect(
      (await assessProxy(finding({ leaf: other, notAfter: other.notAfter }), identity, basis()))
        .problems,
    ).toEqual([
      {
        kind: "identity",
        text: `certificate names voting.emojivoto.serviceaccount.identity.linkerd.cluster.local, expected ${identity}`,
      },
    ]);
    expect(
      (
        await assessProxy(
          finding({ status: "no-identity", identity: "", reason: "identity disabled" }),
          identity,
          basis(),
        )
      ).problems,
    ).toEqual([{ kind: "identity", text: "has no identity: identity disabled" }]);
    const served = await leaf({ signer: oldIssuer });
    expect(
      await assessProxy(
        finding({ leaf: served, notAfter: served.notAfter }),
        identity,
        basis({ issuerMaterial: undefined }),
      ),
    ).toMatchObject({ problems: [], issuerJudged: false });
  });

  it("the identity a pod is given", () => {
    expect(
      expectedIdentity(
        { serviceAccountName: "web", namespace: "emojivoto" },
        "linkerd",
        "example.org",
      ),
    ).toBe("web.emojivoto.serviceaccount.identity.linkerd.example.org");
  });
});
