// The certificate chain a proxy really serves, parsed: what `check --proxy` and `identity` read
// from each proxy (the TLS handshake itself is admin-client.ts').
import type { X509Certificate } from "node:crypto";
import type { CertificateInfo } from "../certs/types.js";
import type { Cluster, PodInfo } from "../k8s/types.js";
import { probeProxy } from "./admin-client.js";
import type { ProxyIdentityMetrics } from "./types.js";

export type ServedChain =
  | {
      ok: true;
      leaf: CertificateInfo;
      /** What the proxy presented after its leaf (its issuer, usually). */
      intermediates: CertificateInfo[];
      metrics: ProxyIdentityMetrics | undefined;
    }
  /** `forbidden`: RBAC denied the port-forward. */
  | { ok: false; reason: string; forbidden?: true };

/**
 * Asks the pod's proxy for its chain (SNI = `identity`) and parses it; `parseIntermediate` may
 * share the parsing of certificates many proxies present (their issuer).
 */
export async function readServedChain(
  cluster: Cluster,
  pod: PodInfo,
  identity: string,
  timeoutMs: number,
  parse: {
    leaf: (cert: X509Certificate) => CertificateInfo;
    intermediate: (cert: X509Certificate) => CertificateInfo;
  },
): Promise<ServedChain> {
  const probe = await probeProxy(cluster, pod, identity, timeoutMs);
  if (!probe.ok)
    return { ok: false, reason: probe.reason, ...(probe.forbidden ? { forbidden: true } : {}) };
  try {
    const [presented, ...rest] = probe.chain;
    const leaf = presented === undefined ? undefined : parse.leaf(presented);
    const intermediates = rest.map(parse.intermediate);
    if (leaf === undefined) return { ok: false, reason: "no certificate presented" };
    return { ok: true, leaf, intermediates, metrics: probe.metrics };
  } catch (error) {
    return {
      ok: false,
      reason: `could not parse the presented certificate: ${(error as Error).message}`,
    };
  }
}
