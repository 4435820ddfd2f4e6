import type { CertificateInfo, CertTools } from "../certs/types.js";
import type { Cluster, ConfigMapInfo } from "../k8s/types.js";
import type { DataPlaneFacts } from "./data-plane.js";
import type { ExpiryThreshold } from "./expiry.js";

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
  | { status: "not-applicable"; reason: string };

/** Everything a check may use; built once per run. */
export interface CheckContext {
  cluster: Cluster | undefined;
  /**
   * The certificate tools, loading while the first API requests are in flight (their ~35 ms of
   * code would otherwise delay every request; issue 12). Await it after reading the cluster.
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
