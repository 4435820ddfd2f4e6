import type { X509Certificate } from "node:crypto";

/** What meshlens knows about one X.509 certificate; no library type leaks past src/certs. */
export interface CertificateInfo {
  /** RFC 4514-ish distinguished names, e.g. `CN=identity.linkerd.cluster.local`. */
  subject: string;
  issuer: string;
  commonName: string;
  /** Serial number in decimal, as Linkerd prints it. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: PublicKeyInfo;
  /** Go crypto/x509 names: `ECDSA-SHA256`, `SHA256-RSA`, ... */
  signatureAlgorithm: string;
  isCA: boolean;
  /** Key usage names when the extension is present (`keyCertSign`, `digitalSignature`, ...). */
  keyUsages: string[] | undefined;
  /** Extended key usage OIDs when the extension is present. */
  extKeyUsages: string[] | undefined;
  dnsNames: string[];
  subjectKeyId: string | undefined;
  authorityKeyId: string | undefined;
  fingerprintSha256: string;
  der: Uint8Array;
}

export type PublicKeyInfo =
  | { algorithm: "ECDSA"; curve: string; bits: number }
  | { algorithm: "RSA"; bits: number }
  | { algorithm: "Ed25519" }
  | { algorithm: string };

export type ChainVerification =
  | { ok: true; chain: CertificateInfo[] }
  | { ok: false; error: string };

export interface VerifyOptions {
  now: Date;
  /** When set, the leaf must carry this DNS SAN (Go's VerifyOptions.DNSName). */
  dnsName?: string;
  /** Check signatures and CA constraints only, not whether each certificate is in date. */
  ignoreValidity?: boolean;
}

/** The certificate operations the checks need, loaded behind one lazy boundary (src/certs/load.ts). */
export interface CertTools {
  /** From DER, or from a certificate Node's TLS layer already parsed (TLSSocket.getPeerX509Certificate). */
  parseCertificate(source: Uint8Array | X509Certificate): CertificateInfo;
  /** Go crypto/x509 `Verify` semantics, as Linkerd relies on them (linkerd-facts.md 1.6, check 8). */
  verifyChain(
    leaf: CertificateInfo,
    intermediates: CertificateInfo[],
    roots: CertificateInfo[],
    options: VerifyOptions,
  ): Promise<ChainVerification>;
  /**
   * Lets go of the native certificate behind `info` once it has been verified, to bound memory
   * over thousands of leaves: its fields still answer, but it can no longer be verified.
   */
  release(info: CertificateInfo): void;
  /** Checks a private key PEM against a certificate the way linkerd2 pkg/tls/cred.go does. */
  checkKeyPair(
    keyPem: string,
    certificate: CertificateInfo,
  ): { ok: true } | { ok: false; error: string };
}
