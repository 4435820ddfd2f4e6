import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CertificateInfo } from "../../src/certs/types.js";
import { certTools } from "../../src/certs/x509.js";
import { decodeCertificateBundle } from "../../src/shared/pem.js";
import { readFixture } from "../fixtures.js";

function cert(path: string): CertificateInfo {
  const decoded = decodeCertificateBundle(readFixture(path));
  if (!decoded.ok || decoded.value[0] === undefined) throw new Error(`no certificate in ${path}`);
  return certTools.parseCertificate(decoded.value[0]);
}

const at2026 = { now: new Date("2026-11-24T00:00:00Z") };

describe("parseCertificate", () => {
  it("reads the fields Linkerd's messages use", () => {
    const issuer = cert("certs/valid-crt.pem");
    expect(issuer.commonName).toBe("identity.linkerd.cluster.local");
    expect(issuer.publicKey).toEqual({ algorithm: "ECDSA", curve: "P-256", bits: 256 });
    expect(issuer.signatureAlgorithm).toBe("ECDSA-SHA256");
    expect(issuer.isCA).toBe(true);
    expect(issuer.notAfter.toISOString()).toBe("2030-08-26T07:13:47.000Z");
    expect(issuer.serial).toBe(BigInt("0x9448819f11b4ef04c20d577a97fc4f8e").toString());
  });

  it("names P-521 and ECDSA-SHA512 as Go does", () => {
    const wrong = cert("certs/wrong-algo-crt.pem");
    expect(wrong.publicKey).toEqual({ algorithm: "ECDSA", curve: "P-521", bits: 521 });
    expect(wrong.signatureAlgorithm).toBe("ECDSA-SHA512");
  });

  it("reads RSA anchors", () => {
    expect(cert("certs/valid-with-rsa-anchor-trust-anchors.pem").publicKey).toEqual({
      algorithm: "RSA",
      bits: 4096,
    });
    expect(cert("certs/rsa-ca-ca.crt").publicKey).toEqual({ algorithm: "RSA", bits: 2048 });
  });

  it("takes a certificate Node already parsed, and still answers every field once released", () => {
    const pem = readFixture("certs/valid-crt.pem");
    const fromDer = cert("certs/valid-crt.pem");
    const released = certTools.parseCertificate(new X509Certificate(pem));
    certTools.release(released);
    for (const field of [
      "subject",
      "issuer",
      "commonName",
      "serial",
      "publicKey",
      "dnsNames",
      "fingerprintSha256",
      "signatureAlgorithm",
      "subjectKeyId",
    ] as const) {
      expect(released[field], field).toEqual(fromDer[field]);
    }
    expect(Buffer.from(released.der).equals(Buffer.from(fromDer.der))).toBe(true);
  });
});

describe("verifyChain (Go x509.Verify semantics)", () => {
  it("verifies the valid issuer against its anchor even though both share a subject", async () => {
    const result = await certTools.verifyChain(
      cert("certs/valid-crt.pem"),
      [],
      [cert("certs/valid-trust-anchors.pem")],
      at2026,
    );
    expect(result.ok).toBe(true);
  });

  it("cannot verify with a released certificate, and says so", async () => {
    const issuer = cert("certs/valid-crt.pem");
    certTools.release(issuer);
    const result = await certTools.verifyChain(
      issuer,
      [],
      [cert("certs/valid-trust-anchors.pem")],
      at2026,
    );
    expect(result).toEqual({
      ok: false,
      error:
        'x509: certificate signed by unknown authority (possibly because of "x509: certificate was not parsed" while trying to verify candidate authority certificate "identity.linkerd.cluster.local")',
    });
  });

  it("verifies an ECDSA issuer under an RSA-4096 anchor", async () => {
    const result = await certTools.verifyChain(
      cert("certs/valid-with-rsa-anchor-crt.pem"),
      [],
      [cert("certs/valid-with-rsa-anchor-trust-anchors.pem")],
      at2026,
    );
    expect(result.ok).toBe(true);
  });

  it("verifies the rsa-ca issuer under its RSA-2048 root", async () => {
    const result = await certTools.verifyChain(
      cert("certs/rsa-ca-issuer.crt"),
      [],
      [cert("certs/rsa-ca-ca.crt")],
      at2026,
    );
    expect(result.ok).toBe(true);
  });

  it("rejects a cross pair as signed by unknown authority", async () => {
    const result = await certTools.verifyChain(
      cert("certs/valid-crt.pem"),
      [],
      [cert("certs/wrong-domain-trust-anchors.pem")],
      at2026,
    );
    expect(result).toEqual({ ok: false, error: "x509: certificate signed by unknown authority" });
  });

  it("rejects an expired certificate with Go's message", async () => {
    const expired = cert("certs/expired-crt.pem");
    const result = await certTools.verifyChain(expired, [], [expired], at2026);
    expect(result).toEqual({
      ok: false,
      error:
        "x509: certificate has expired or is not yet valid: current time 2026-11-24T00:00:00Z is after 1990-01-01T01:01:11Z",
    });
  });

  it("checks the DNS name when asked", async () => {
    const result = await certTools.verifyChain(
      cert("certs/valid-crt.pem"),
      [],
      [cert("certs/valid-trust-anchors.pem")],
      { ...at2026, dnsName: "linkerd-proxy-injector.linkerd.svc" },
    );
    expect(result).toEqual({
      ok: false,
      error:
        "x509: certificate is valid for identity.linkerd.cluster.local, not linkerd-proxy-injector.linkerd.svc",
    });
  });
});

describe("checkKeyPair", () => {
  it("accepts the issuer's own key", () => {
    expect(
      certTools.checkKeyPair(readFixture("certs/valid-key.pem"), cert("certs/valid-crt.pem")),
    ).toEqual({
      ok: true,
    });
  });

  it("rejects another key with Go's message", () => {
    expect(
      certTools.checkKeyPair(
        readFixture("certs/wrong-domain-key.pem"),
        cert("certs/valid-crt.pem"),
      ),
    ).toEqual({ ok: false, error: "tls: Public and private key do not match" });
  });

  it("names an unsupported block type and never the key", () => {
    const result = certTools.checkKeyPair(
      readFixture("certs/valid-crt.pem"),
      cert("certs/valid-crt.pem"),
    );
    expect(result).toEqual({ ok: false, error: "unsupported block type: 'CERTIFICATE'" });
  });

  it("says not PEM-encoded for garbage", () => {
    expect(certTools.checkKeyPair("garbage", cert("certs/valid-crt.pem"))).toEqual({
      ok: false,
      error: "not PEM-encoded",
    });
  });
});
