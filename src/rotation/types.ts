// What `meshlens rotation` reads and concludes: types only. The facts are what the cluster (or the
// offline files) say; the report is the judgement (assess.ts) and the gate's answer (readiness.ts).
import type { CertificateInfo } from "../certs/types.js";
import type { PrometheusSource } from "../proxy/types.js";

/** Where an anchor was seen (rotation-multicluster-expiry-facts.md A1 says who reads which). */
export type AnchorPlace =
  | "trust-roots-configmap"
  | "linkerd-config"
  | "issuer-secret-ca"
  | "anchors-file"
  | "proxy";

/** What one meshed pod's proxy trusts and serves. */
export interface PodTrust {
  namespace: string;
  pod: string;
  /** In the control plane's namespace: its proxies read the bundle at container start. */
  controlPlane: boolean;
  /** The identity controller: it loads the anchors (and issuer) only when it starts. */
  identityController: boolean;
  /**
   * SHA-256 fingerprints of the anchors its proxy trusts; undefined when it read the ConfigMap
   * before its last change, so what it loaded then is not known.
   */
  trusts: string[] | undefined;
  /** Its bundle came from the ConfigMap at container start, before the ConfigMap last changed. */
  startedBeforeBundleChange: boolean;
  /** What is known of its leaf; undefined when leaves were not read or this one could not be. */
  leaf: LeafTrust | undefined;
}

/** How to read the proxies' leaves: live over port-forwards, or their expiry from Prometheus. */
export type LeafReading =
  | { kind: "live"; concurrency: number; timeoutMs: number }
  | { kind: "prometheus"; source: PrometheusSource };

/** How the proxies' leaves were read: live (the chain), from Prometheus (expiry only), or not. */
export type LeafSource = "live" | "prometheus" | "none";

/** A proxy's leaf: the live chain, or only its expiry, as Prometheus reports it. */
export type LeafTrust = LiveLeaf | { source: "prometheus"; notAfter: Date };

export interface LiveLeaf {
  source: "live";
  /** The anchor the leaf chains to, among every anchor seen; undefined: none. */
  anchor: string | undefined;
  /** Fingerprint of the certificate that signed the leaf. */
  issuer: string | undefined;
  notBefore: Date;
  notAfter: Date;
}

export interface RotationFacts {
  now: Date;
  /** The bundle proxies get: the trust-roots ConfigMap's ca-bundle.crt, or --anchors. */
  bundle: CertificateInfo[];
  bundlePlace: "trust-roots-configmap" | "anchors-file";
  /** When the ConfigMap last changed (its managedFields' latest time), when known. */
  bundleChangedAt: Date | undefined;
  /** linkerd-config's identityTrustAnchorsPEM; undefined when not read (offline, externalCA). */
  linkerdConfigAnchors: CertificateInfo[] | undefined;
  /** The issuer Secret's ca.crt, when it has one. */
  issuerSecretCa: CertificateInfo[] | undefined;
  /** The current issuer certificate, when known. */
  issuer: CertificateInfo | undefined;
  /** Fingerprint of the anchor that signed the current issuer (verified), when one did. */
  issuerAnchor: string | undefined;
  /** Anchors proxies trust that are in no other source (an old bundle still on a proxy). */
  proxyOnlyAnchors: CertificateInfo[];
  pods: PodTrust[];
  /** How leaves were read: only live ones say which anchor they chain to. */
  leaves: LeafSource;
  /** Anchors expiring within this count as expiring soon (check's 60 days by default). */
  expiryThresholdMs: number;
  /** Permissions RBAC denied (kubectl's words): what they would have read is left out. */
  unread: string[];
}

/** One anchor of the union of every bundle seen, as the table shows it. */
export interface AnchorRow {
  fingerprint: string;
  subject: string;
  notAfter: Date;
  places: AnchorPlace[];
  signedCurrentIssuer: boolean;
  /** Proxies that trust it, the control plane's counted apart. */
  trustedBy: { dataPlane: number; controlPlane: number };
  /** Live leaves that chain to it; undefined when leaves were not fetched. */
  leaves: number | undefined;
}

/** Where a rotation stands, in the runbook's words (docs/rotation.md). */
export type Phase =
  | { id: "steady" }
  | { id: "new-anchor-bundled"; workloadsToRestart: number }
  | { id: "bundle-everywhere" }
  | { id: "issuer-rotated"; oldLeaves: number | undefined; lastOldLeafExpiresAt: Date | undefined }
  | { id: "ready-to-remove-old-anchor" }
  | { id: "old-anchor-removed"; workloadsToRestart: number };

/** The states that break traffic, each with what to do. */
export type Danger =
  | {
      kind: "issuer-anchor-missing";
      pods: PodRef[];
      /** When the first of their live leaves expires: then traffic starts failing. */
      firstLeafExpiresAt: Date | undefined;
    }
  /** anchor undefined: the leaves chain to no anchor seen anywhere. */
  | { kind: "leaves-of-removed-anchor"; anchor: string | undefined; pods: PodRef[] }
  | { kind: "started-before-bundle-change"; pods: PodRef[] }
  | { kind: "linkerd-config-disagrees"; onlyInConfig: string[]; onlyInBundle: string[] }
  | { kind: "anchor-expired"; anchor: string; notAfter: Date }
  | { kind: "anchor-expiring"; anchor: string; notAfter: Date };

export interface PodRef {
  namespace: string;
  pod: string;
}

export interface RotationReport {
  anchors: AnchorRow[];
  phase: Phase;
  dangers: Danger[];
  /** Pods counted, the control plane's apart. */
  proxies: { dataPlane: number; controlPlane: number };
  /** Each pod's trust and live leaf, as read. */
  pods: PodTrust[];
  leaves: LeafSource;
  unread: string[];
}

/** The step `--ready-for` asks about. */
export type RotationStep =
  | { kind: "issuer"; certificate: CertificateInfo }
  | { kind: "bundle"; anchors: CertificateInfo[] }
  | { kind: "remove-anchor"; fingerprint: string };

export type Readiness =
  | { answer: "ready"; notes: string[] }
  | { answer: "not-ready"; reasons: ReadinessReason[] }
  /** What was missing to answer (exit 3). */
  | { answer: "cannot-tell"; missing: string };

export interface ReadinessReason {
  message: string;
  pods: PodRef[];
}
