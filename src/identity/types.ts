// What `meshlens identity` finds for each pod: the leaf its proxy serves and whether it chains to
// the current trust anchors, or why it could not be read. Types only.

export interface LeafDetails {
  subject: string;
  sans: string[];
  issuer: string;
  issuerSerial: string | undefined;
  serial: string;
  fingerprintSha256: string;
  keyAlgorithm: string;
  signatureAlgorithm: string;
  notBefore: string;
  notAfter: string;
  secondsLeft: number;
  chainsToTrustAnchors: boolean;
  chainError?: string;
  /** The leaf as the proxy served it, PEM-encoded. */
  pem: string;
}

export type PodIdentityReport =
  | {
      pod: string;
      namespace: string;
      identity: string;
      result: "valid" | "invalid";
      leaf: LeafDetails;
    }
  | { pod: string; namespace: string; identity: string; result: "error"; error: string };
