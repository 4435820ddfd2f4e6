// `check --proxy -o json`: each proxy's certificate and verdict, projected from its assessment.
import type { ProxyAssessment } from "../checks/types.js";
import { rfc3339 } from "../shared/time.js";

export interface ProxyReport {
  pod: string;
  namespace: string;
  identity: string;
  /** Where the certificate was seen: the proxy itself, or Prometheus. */
  source: "live" | "prometheus";
  leafNotAfter?: string;
  secondsLeft?: number;
  issuer?: string;
  serial?: string;
  fingerprintSha256?: string;
  result: "ok" | "warning" | "error" | "unreachable" | "skipped";
  reason?: string;
  problems?: string[];
}

/** Per-pod findings for `-o json`; `source`: where the certificates were looked for. */
export function proxyReports(
  assessments: ProxyAssessment[],
  source: ProxyReport["source"],
  now: Date,
): ProxyReport[] {
  return assessments.map(({ finding, problems }) => ({
    pod: finding.pod,
    namespace: finding.namespace,
    identity: finding.identity,
    source,
    ...(finding.notAfter
      ? {
          leafNotAfter: rfc3339(finding.notAfter),
          secondsLeft: Math.floor((finding.notAfter.getTime() - now.getTime()) / 1000),
        }
      : {}),
    ...(finding.leaf
      ? {
          issuer: finding.leaf.issuer,
          serial: finding.leaf.serial,
          fingerprintSha256: finding.leaf.fingerprintSha256,
        }
      : {}),
    result:
      finding.status === "unreachable" || finding.status === "skipped"
        ? finding.status
        : problems.length === 0
          ? "ok"
          : problems.some((p) => p.kind !== "expiry")
            ? "error"
            : "warning",
    ...(finding.reason ? { reason: finding.reason } : {}),
    ...(problems.length > 0 ? { problems: problems.map((p) => p.text) } : {}),
  }));
}
