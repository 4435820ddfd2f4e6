// What `meshlens edges` computes: one row per source/destination pair. Types only.
import type { PodAsListed } from "../explain/types.js";
import type { WorkloadType } from "../k8s/types.js";

/** The resource types edges accepts, by their canonical names (linkerd2 pkg/k8s). */
export type EdgeResourceType = Exclude<WorkloadType, "namespace">;

/**
 * One series of Linkerd's edges query: `sum(tcp_open_connections{...}) by (<T>, dst_<T>, pod,
 * server_id, namespace, dst_namespace, no_tls_reason)`, whichever source produced it.
 */
export interface EdgeSample {
  src: string;
  srcNamespace: string;
  dst: string;
  dstNamespace: string;
  /** The source pod (the `pod` label). */
  pod: string;
  serverId: string;
  noTlsReason: string;
  /** The proxy's `tls` label, when the source has it (a direct scrape; Linkerd's query drops it). */
  tls: string | undefined;
  value: number;
}

/** Whether a connection is mTLS, from the proxy's own labels. */
export type Security =
  | { mtls: true }
  /** `reason`: the proxy's no_tls_reason, or `disabled` for tls="disabled". */
  | { mtls: false; reason: string };

export interface Edge {
  src: string;
  srcNamespace: string;
  dst: string;
  dstNamespace: string;
  /** The source pod's identity from its spec, shortened to `sa.ns` as Linkerd shows it. */
  clientId: string;
  /** The destination's identity from the metric, shortened likewise; "" when not mTLS. */
  serverId: string;
  security: Security;
}

/** A pod that could not be read, and why. */
export interface UnreadProxy {
  namespace: string;
  pod: string;
  reason: string;
  /** The API server forbade it: named once per namespace with the permission. */
  forbidden: boolean;
}

export interface EdgesResult {
  edges: Edge[];
  /** Proxies whose metrics could not be read: the edges are then incomplete. */
  unread: UnreadProxy[];
  /**
   * With -n, why the proxies of other namespaces (the callers into it) could not be read, when
   * they could not: the edges are then incomplete too.
   */
  elsewhereUnread?: string;
  /** Every pod of the cluster as `describePod` reduced it, when the read listed them all. */
  described?: PodAsListed[];
}
