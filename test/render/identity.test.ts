import { describe, expect, it } from "vitest";
import type { PodIdentityReport } from "../../src/identity/types.js";
import {
  formatTimeLeft,
  renderIdentityPem,
  renderIdentityText,
} from "../../src/render/identity.js";
import { plainTheme } from "../../src/render/theme.js";

const identity = "web.emojivoto.serviceaccount.identity.linkerd.cluster.local";
const pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
const valid: PodIdentityReport = {
  pod: "web-1",
  namespace: "emojivoto",
  identity,
  result: "valid",
  leaf: {
    subject: `CN=${identity}`,
    sans: [identity],
    issuer: "CN=identity.linkerd.cluster.local",
    issuerSerial: "7",
    serial: "325257483800134301196963670705842",
    fingerprintSha256: "a276f084",
    keyAlgorithm: "ECDSA P-256",
    signatureAlgorithm: "ECDSA-SHA256",
    notBefore: "2026-11-23T23:42:00Z",
    notAfter: "2026-11-24T23:42:00Z",
    secondsLeft: 67_320,
    chainsToTrustAnchors: true,
    pem,
  },
};
const failed: PodIdentityReport = {
  pod: "emoji-1",
  namespace: "emojivoto",
  identity: "",
  result: "error",
  error: "pod not running: emoji-1",
};

describe("identity text", () => {
  it("shows the leaf's fields, the serial also in hex as linkerd identity does", () => {
    expect(renderIdentityText([valid, failed], plainTheme)).toBe(
      [
        "",
        "POD web-1 (1 of 2)",
        "",
        `Identity:   ${identity}`,
        `Subject:    CN=${identity}`,
        `SANs:       DNS:${identity}`,
        "Issuer:     CN=identity.linkerd.cluster.local (serial 7)",
        "Serial:     325257483800134301196963670705842 (0x1009539cafefb7fc294b285cc6b2)",
        "SHA-256:    A2:76:F0:84",
        "Key:        ECDSA P-256",
        "Signature:  ECDSA-SHA256",
        "Not before: 2026-11-23T23:42:00Z",
        "Not after:  2026-11-24T23:42:00Z (18h42m left)",
        "Trust:      √ chains to the current trust anchors",
        "",
        "POD emoji-1 (2 of 2)",
        "",
        "× pod not running: emoji-1",
        "",
      ].join("\n"),
    );
  });

  it("-o pem carries only the leaves", () => {
    expect(renderIdentityPem([failed, valid, failed])).toBe(pem);
  });

  it.each([
    [67_320, "18h42m left"],
    [2 * 86_400 + 4 * 3600, "2d4h left"],
    [59, "0m59s left"],
    [-3720, "expired 1h2m ago"],
  ])("time left %i s → %s", (seconds, text) => {
    expect(formatTimeLeft(seconds)).toBe(text);
  });
});
