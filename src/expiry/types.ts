// What `meshlens expiry` reads and concludes: one timeline of every certificate Linkerd's identity
// rests on. Types only.
import type { ExpiryThreshold } from "../checks/types.js";
import type { LeafSource } from "../rotation/types.js";

/** Where in the identity a certificate sits (rotation-multicluster-expiry-facts.md C). */
export type CertificateLayer = "anchor" | "issuer" | "webhook" | "apiservice";

/** Where a certificate is kept: a ConfigMap's or a Secret's key. */
export interface CertificateSource {
  kind: "configmap" | "secret";
  namespace: string;
  name: string;
  key: string;
}

/** A certificate as the timeline needs it, read from one place. */
export interface KeptCertificate {
  layer: CertificateLayer;
  /** For webhooks and API services, the component: `proxy-injector`, `tap`. */
  component: string | undefined;
  source: CertificateSource;
  subject: string;
  commonName: string;
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
}

/** A proxy's leaf: when it ends and, live, when it began (from Prometheus, estimated). */
export interface LeafSpan {
  namespace: string;
  notBefore: Date;
  notAfter: Date;
}

export interface ExpiryFacts {
  now: Date;
  certificates: KeptCertificate[];
  /**
   * Fingerprints of the anchors that sign something current: the issuer, or a live leaf; undefined
   * when the issuer is not known, so whether an anchor is superseded cannot be told.
   */
  anchorsInUse: Set<string> | undefined;
  leaves: LeafSpan[];
  leafSource: LeafSource;
  /** With leaves from Prometheus, their start is their end less Linkerd's issuance lifetime. */
  leafStartEstimated: boolean;
  /** Permissions RBAC denied (kubectl's words): what they would have read is left out. */
  unread: string[];
}

/** When a certificate is to be warned about, per layer (each a flag). */
export interface ExpiryThresholds {
  anchor: ExpiryThreshold;
  issuer: ExpiryThreshold;
  webhook: ExpiryThreshold;
  leaves: ExpiryThreshold;
}

/** √ in date and clear of the threshold, ‼ within it, × expired or not yet valid. */
export type ExpiryStatus = "ok" | "expiring" | "expired" | "not-yet-valid";

export interface Timing {
  notBefore: Date;
  notAfter: Date;
  secondsLeft: number;
  /** Share of its lifetime gone, 0 to 1 (beyond either end past them). */
  lifetimeUsed: number;
  status: ExpiryStatus;
}

export interface CertificateRow extends Timing {
  certificate: KeptCertificate;
  /** An anchor still kept that signs nothing current (a rotation's old anchor). */
  superseded: boolean;
}

/** The proxies' leaves of one namespace, summarized: never one row per pod. */
export interface LeavesRow extends Timing {
  namespace: string;
  count: number;
  /** The earliest leaf's timing is the row's; the median's and latest's ends as well. */
  medianNotAfter: Date;
  latestNotAfter: Date;
  /** Past 70% of their lifetime, where a healthy proxy has renewed (linkerd2-proxy). */
  pastRenewal: number;
}

export type TimelineRow =
  | ({ kind: "certificate" } & CertificateRow)
  | ({ kind: "leaves" } & LeavesRow);

export interface ExpiryReport {
  now: Date;
  /** Sorted by time left, soonest first. */
  rows: TimelineRow[];
  /** The first row that counts (superseded anchors do not, unless asked). */
  next: TimelineRow | undefined;
  leafSource: LeafSource;
  leafStartEstimated: boolean;
  unread: string[];
}
