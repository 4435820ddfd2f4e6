// What the check engine works with: checks and categories, their outcomes and results, the
// context a run gives every check, and the data plane's findings. Types (and two constants) only.
import type { CertificateInfo, CertTools } from "../certs/types.js";
import type { Cluster, ConfigMapInfo, PodInfo } from "../k8s/types.js";
import type { PrometheusSource, ProxyIdentityMetrics } from "../proxy/types.js";

/**
 * When a certificate counts as "expiring soon". Linkerd hard-codes 60 days
 * (pkg/issuercerts expirationWarningThresholdInDays); users asked for other durations and for a
 * share of the lifetime for short-lived cert-manager certificates (linkerd/linkerd2#9747,
 * linkerd/website#1502).
 */
export type ExpiryThreshold =
  | { kind: "duration"; ms: number; text: string }
  | { kind: "lifetime"; percent: number; text: string };

/**
 * Linkerd's checker flags (pkg/healthcheck): `fatal` checks are the ones later checks depend on,
 * `warning` checks never fail the run (unless `--fail-on warning`), the rest fail it.
 */
export type Severity = "fatal" | "error" | "warning";

/** A certificate a check looked at, for `-o json` and JUnit. */
export interface CertificateReport {
  role: string;
  subject: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  secondsLeft: number;
}

export type CheckOutcome =
  | {
      status: "pass";
      /** What a passing check left out on purpose, printed under its √ (Linkerd has none). */
      note?: string;
      certificates?: CertificateReport[];
    }
  | {
      status: "fail";
      message: string;
      /** "access" when the check could not read what it needed (RBAC, network), not a finding. */
      cause?: "finding" | "access";
      certificates?: CertificateReport[];
    }
  /** Does not apply here (Linkerd's SkipError): not reported at all. */
  | { status: "not-applicable"; reason: string }
  /** RBAC forbade a read it needs: skipped, the permission named (never retried). */
  | { status: "forbidden"; permission: string };

/** Everything a check may use; built once per run. */
export interface CheckContext {
  cluster: Cluster | undefined;
  /**
   * The certificate tools, loading while the first API requests are in flight (their code would
   * otherwise delay every request; issue 12). Await it after reading the cluster.
   */
  certs(): Promise<CertTools>;
  facts: Facts;
  now(): Date;
  controlPlaneNamespace: string;
  expiryThreshold: ExpiryThreshold;
  /** Present with `check --proxy`. */
  dataPlane?: DataPlaneFacts;
}

/** Data several checks share, loaded once and memoized (see facts.ts). */
export interface Facts {
  identity(): Promise<IdentityMaterial>;
  /** The linkerd-config ConfigMap, read once per run (undefined: not found, or offline). */
  linkerdConfig(): Promise<ConfigMapInfo | undefined>;
  /**
   * linkerd-config's `values`, parsed once per run; a CheckFailure when the ConfigMap is missing
   * or its values are not a YAML map.
   */
  linkerdValues(): Promise<Record<string, unknown>>;
}

/** The identity PKI as Linkerd reads it (linkerd-facts.md 1.6 check 1). */
export interface IdentityMaterial {
  scheme: "linkerd.io/tls" | "kubernetes.io/tls" | string;
  anchors: CertificateInfo[];
  issuer: CertificateInfo;
  /** The blocks of crt.pem / tls.crt after the first, used as intermediates. */
  issuerChain: CertificateInfo[];
}

export interface CheckDefinition {
  /** Stable identifier for JSON consumers: `<category>/<slug>`. */
  id: string;
  description: string;
  hintAnchor: string;
  /** Where the anchor points: Linkerd's check docs by default; meshlens' own checks use docs/checks.md. */
  hintBase?: string;
  severity: Severity;
  /** Retried until `--wait` runs out, as Linkerd retries it. */
  retry?: boolean;
  /** Show the real error while retrying instead of "waiting for check to complete". */
  surfaceErrorOnRetry?: boolean;
  /** Checks whose failure makes this one meaningless: it is skipped, not run. */
  requires?: string[];
  run(context: CheckContext): Promise<CheckOutcome>;
}

export interface CategoryDefinition {
  id: string;
  checks: CheckDefinition[];
}

export type CheckStatus = "success" | "warning" | "error" | "skipped";

export interface CheckResult {
  id: string;
  category: string;
  description: string;
  severity: Severity;
  hint: string;
  status: CheckStatus;
  error?: string;
  cause?: "finding" | "access";
  skipReason?: string;
  /** Skipped because RBAC forbade this permission (kubectl's words). */
  permission?: string;
  /** See CheckOutcome: only on a passed check. */
  note?: string;
  certificates?: CertificateReport[];
}

export interface CheckReport {
  results: CheckResult[];
  /** No check failed (warnings allowed). */
  success: boolean;
  hasWarnings: boolean;
  /** Some failure was about access (unreachable, forbidden), not about the mesh. */
  hasAccessFailures: boolean;
  /** The Kubernetes API itself could not be reached: nothing could run. */
  apiUnreachable: boolean;
}

/** Linkerd edge CLIs link to this base (pkg/healthcheck HintBaseURL, DefaultHintBaseURL). */
export const HINT_BASE_URL = "https://linkerd.io/2/checks/#";
/** meshlens' own checks: explained in docs/checks.md of the meshlens repository. */
export const MESHLENS_HINT_BASE = "docs/checks.md#";

/** A check failure carried as an exception inside data loaders. */
export class CheckFailure extends Error {
  readonly kind: "finding" | "access";
  constructor(message: string, kind: "finding" | "access" = "finding") {
    super(message);
    this.name = "CheckFailure";
    this.kind = kind;
  }
}

export interface DataPlaneOptions {
  /** Undefined: all namespaces, as Linkerd. */
  namespace: string | undefined;
  selector: string | undefined;
  /** How the proxies' certificates are seen: live over port-forward, from Prometheus, or not at all. */
  leaves:
    | { kind: "live"; concurrency: number; timeoutMs: number }
    | { kind: "prometheus"; source: PrometheusSource }
    | { kind: "off" };
  leafThreshold: ExpiryThreshold;
  onProgress?: (done: number, total: number) => void;
}

/** What meshlens found about one proxy; `-o json` lists these. */
export interface ProxyFinding {
  namespace: string;
  pod: string;
  identity: string;
  /**
   * skipped: not probed, the pod is terminating or its proxy not ready (`reason` says which);
   * no-identity: the proxy has none to serve (identity disabled), said in `reason`.
   */
  status: "verified" | "reported" | "unreachable" | "skipped" | "no-identity";
  reason?: string;
  /** Unreachable because RBAC forbids port-forwarding to it. */
  forbidden?: true;
  leaf?: CertificateInfo;
  /** The certificates presented after the leaf. */
  intermediates?: CertificateInfo[];
  /** Expiry of the leaf: from the leaf itself, or as reported to Prometheus. */
  notAfter?: Date;
  metrics?: ProxyIdentityMetrics;
}

export type LeafProblemKind = "issuer" | "validity" | "expiry" | "identity";

export interface LeafProblem {
  kind: LeafProblemKind;
  text: string;
}

/** One proxy and what is wrong with its certificate: the checks and `-o json` both read these. */
export interface ProxyAssessment {
  finding: ProxyFinding;
  problems: LeafProblem[];
  /** False when the issuer could not be judged (no usable identity material). */
  issuerJudged: boolean;
}

/** The data plane as one `check --proxy` run sees it; made per run by data-plane/facts.ts. */
export interface DataPlaneFacts {
  options: DataPlaneOptions;
  /** The meshed pods, listed once for the run. */
  meshedPods(): Promise<PodInfo[]>;
  /** A fresh LIST, for retries. */
  listMeshedPods(): Promise<PodInfo[]>;
  trustDomain(): Promise<string>;
  /**
   * Every proxy's finding and what is wrong with it, computed once for the run (the categories
   * and `-o json` share it). Running meshed pods only; terminating pods and unready proxies are
   * listed as skipped, not asked.
   */
  assessments(): Promise<ProxyAssessment[]>;
  /** Counts the readiness check's attempts: the first shares the run's pod list, retries list anew. */
  nextReadinessAttempt(): number;
}
