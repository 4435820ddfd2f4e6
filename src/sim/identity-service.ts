// What Linkerd's identity controller does for the simulator: sign each proxy's 24-hour leaf with the
// issuer it holds. Normally that is the issuer in the linkerd-identity-issuer Secret of the store, so
// replacing the Secret (e.g. with `demo --objects`) changes the leaves.
// @peculiar/x509 needs reflect-metadata loaded first.
import "reflect-metadata";
import { createPrivateKey, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { decodeCertificateBundle, encodePem } from "../shared/pem.js";
import { type Issued, issueCertificate } from "./pki.js";
import type { ObjectStore } from "./store.js";

/** Linkerd's default leaf lifetime (values identity.issuer.issuanceLifetime: 24h0m0s). */
export const LEAF_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** linkerd2-proxy renews its certificate at 70% of its lifetime (linkerd/proxy/identity-client). */
export const REFRESH_AT = 0.7;

/** The issuer in the store's linkerd-identity-issuer Secret, as a signer, or undefined when unusable. */
export async function issuerFromStore(
  store: ObjectStore,
  namespace: string,
): Promise<Issued | undefined> {
  const secret = store.get(
    { apiVersion: "v1", kind: "Secret" },
    namespace,
    "linkerd-identity-issuer",
  );
  const data = (secret?.data ?? {}) as Record<string, string>;
  const decode = (key: string) =>
    data[key] === undefined ? undefined : Buffer.from(data[key], "base64").toString("utf8");
  const certPem = decode("crt.pem") ?? decode("tls.crt");
  const keyPem = decode("key.pem") ?? decode("tls.key");
  if (certPem === undefined || keyPem === undefined) return undefined;
  const blocks = decodeCertificateBundle(certPem);
  if (!blocks.ok || blocks.value[0] === undefined) return undefined;
  try {
    // Any PEM key form (SEC1, PKCS#1, PKCS#8) to the PKCS#8 WebCrypto imports.
    const pkcs8 = createPrivateKey(keyPem).export({ type: "pkcs8", format: "der" });
    const cert = new x509.X509Certificate(blocks.value[0]);
    const algorithm = cert.publicKey.algorithm as { name: string; namedCurve?: string };
    if (algorithm.name !== "ECDSA") return undefined;
    const curve = algorithm.namedCurve === "P-384" ? "P-384" : "P-256";
    const privateKey = await webcrypto.subtle.importKey(
      "pkcs8",
      pkcs8,
      { name: "ECDSA", namedCurve: curve },
      false,
      ["sign"],
    );
    const publicKey = await cert.publicKey.export(
      webcrypto as unknown as Parameters<typeof cert.publicKey.export>[0],
    );
    return {
      cert,
      keys: { privateKey, publicKey } as webcrypto.CryptoKeyPair,
      algorithm: curve,
      certPem: encodePem("CERTIFICATE", blocks.value[0]),
      keyPem: "",
    };
  } catch {
    return undefined;
  }
}

export interface LeafRequest {
  identity: string;
  notBefore: Date;
  notAfter: Date;
}

/** Issues proxy leaves the way the identity controller does: CN and DNS SAN = the identity. */
export async function issueLeaf(issuer: Issued, request: LeafRequest): Promise<Issued> {
  return issueCertificate({
    commonName: request.identity,
    dnsNames: [request.identity],
    notBefore: request.notBefore,
    notAfter: request.notAfter,
    serverAuth: true,
    clientAuth: true,
    signer: issuer,
  });
}
