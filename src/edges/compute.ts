// Edges from samples, as linkerd2 viz/metrics-api/edges.go processes its query's result, except
// that SECURED says whether the connection is mTLS (from the proxy's tls label), where Linkerd says
// √ for any row without a known reason, including tls="disabled" and ingress_without_override.
import type { Edge, EdgeSample, Security } from "./types.js";

/** Linkerd's formatMsg (viz/metrics-api/edges.go): the only reasons its SECURED names. */
const LINKERD_MESSAGES: Record<string, string> = {
  disabled: "Disabled",
  loopback: "Loopback",
  no_authority_in_http_request: "No Authority In HTTP Request",
  not_http: "Not HTTP",
  not_provided_by_remote: "Not Provided By Remote",
  not_provided_by_service_discovery: "Not Provided By Service Discovery",
};

/** meshlens' words for the reasons Linkerd leaves blank (docs/edges.md explains each). */
const MORE_MESSAGES: Record<string, string> = {
  ingress_without_override: "Ingress Without Override",
  no_tls_from_remote: "No TLS From Remote",
  port_skipped: "Port Skipped",
};

/** The SECURED text for a reason, in Linkerd's style. */
export function reasonMessage(reason: string): string {
  return (
    LINKERD_MESSAGES[reason] ??
    MORE_MESSAGES[reason] ??
    reason
      .split("_")
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join(" ")
  );
}

/**
 * mTLS or not, from the labels the source has: the `tls` label when the sample carries it (direct
 * scrape); otherwise from Linkerd's query, where only `tls="true"` series have a `server_id`.
 */
export function securityOf(sample: Pick<EdgeSample, "tls" | "serverId" | "noTlsReason">): Security {
  const mtls = sample.tls === undefined ? sample.serverId !== "" : sample.tls === "true";
  if (mtls) return { mtls: true };
  return { mtls: false, reason: sample.noTlsReason || "disabled" };
}

/** `web.emojivoto.serviceaccount.identity.linkerd.cluster.local` -> `web.emojivoto` (Linkerd's CLI). */
export function shortIdentity(identity: string): string {
  // Linkerd panics on a non-empty identity without a dot; meshlens shows it whole.
  const parts = identity.split(".");
  return parts.length < 2 ? identity : `${parts[0]}.${parts[1]}`;
}

export interface SourcePod {
  /** The identity the pod's proxy asks for, from its spec (Linkerd's k8s.PodIdentity). */
  identity: string;
  running: boolean;
}

export interface ComputeOptions {
  /** `-n`: keep rows whose source or destination is in it; undefined for -A. */
  namespace: string | undefined;
  /** The source pods by `namespace/name`; a sample whose pod is missing or not Running is dropped. */
  pods: ReadonlyMap<string, SourcePod>;
}

const sortKey = (e: Pick<Edge, "srcNamespace" | "dstNamespace" | "src" | "dst">) =>
  e.srcNamespace + e.dstNamespace + e.src + e.dst;

/** Go's string order (bytes), which Linkerd sorts with; localeCompare would differ. */
const byBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Linkerd's rules: samples of value 0 are dropped; a row is kept when its source or destination is
 * in the namespace; the source pod must be known and Running; one row per (src, srcNs, dst, dstNs),
 * sorted by srcNs+dstNs+src+dst. Where Linkerd keeps whichever sample Prometheus returned first,
 * meshlens is deterministic and strict: a row is mTLS only when every sample of it is.
 */
export function computeEdges(samples: readonly EdgeSample[], options: ComputeOptions): Edge[] {
  const ordered = [...samples].sort(
    (a, b) =>
      byBytes(sortKey(a), sortKey(b)) || byBytes(a.pod, b.pod) || byBytes(a.serverId, b.serverId),
  );
  const rows = new Map<string, Edge>();
  for (const sample of ordered) {
    if (sample.value === 0) continue;
    const ns = options.namespace;
    if (ns !== undefined && sample.srcNamespace !== ns && sample.dstNamespace !== ns) continue;
    const pod = options.pods.get(`${sample.srcNamespace}/${sample.pod}`);
    if (pod === undefined || !pod.running) continue;
    const key = JSON.stringify([sample.src, sample.srcNamespace, sample.dst, sample.dstNamespace]);
    const security = securityOf(sample);
    const known = rows.get(key);
    if (known !== undefined && (!known.security.mtls || security.mtls)) continue;
    rows.set(key, {
      src: sample.src,
      srcNamespace: sample.srcNamespace,
      dst: sample.dst,
      dstNamespace: sample.dstNamespace,
      clientId: shortIdentity(pod.identity),
      serverId: shortIdentity(sample.serverId),
      security,
    });
  }
  return [...rows.values()].sort((a, b) => byBytes(sortKey(a), sortKey(b)));
}
