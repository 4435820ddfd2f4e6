import { describe, expect, it } from "vitest";
import { decodeCertificateBundle, decodeFirstBlock } from "../../src/shared/pem.js";
import { readFixture } from "../fixtures.js";

const anchor = readFixture("certs/valid-trust-anchors.pem");
const rsaAnchor = readFixture("certs/valid-with-rsa-anchor-trust-anchors.pem");

describe("decodeCertificateBundle (Go encoding/pem quirks, linkerd2 DecodePEMCertificates)", () => {
  it("reads one certificate", () => {
    const result = decodeCertificateBundle(anchor);
    expect(result.ok && result.value.length).toBe(1);
  });

  it("reads every certificate of a two-anchor bundle", () => {
    const result = decodeCertificateBundle(anchor + rsaAnchor);
    expect(result.ok && result.value.length).toBe(2);
  });

  it("ignores text before the first block", () => {
    const result = decodeCertificateBundle(`some comment\n${anchor}`);
    expect(result.ok && result.value.length).toBe(1);
  });

  it("rejects an extra newline after the last block, as linkerd's test 'extra newline in secret'", () => {
    expect(decodeCertificateBundle(`${anchor}\n`)).toEqual({
      ok: false,
      error: "not a PEM certificate",
    });
  });

  it("gives no certificates and no error for an empty text", () => {
    expect(decodeCertificateBundle("")).toEqual({ ok: true, value: [] });
  });

  it("stops at a block of another type", () => {
    const key = readFixture("certs/valid-key.pem");
    const result = decodeCertificateBundle(anchor + key + rsaAnchor);
    expect(result.ok && result.value.length).toBe(1);
  });

  it("rejects text without any block", () => {
    expect(decodeCertificateBundle("hello").ok).toBe(false);
  });

  it("finds the first block of a key file", () => {
    expect(decodeFirstBlock(readFixture("certs/valid-key.pem"))?.type).toBe("EC PRIVATE KEY");
  });
});
