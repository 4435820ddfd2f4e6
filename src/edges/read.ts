// The edges of a cluster from the source asked for: each proxy's own metrics, or a Prometheus
// that scrapes them. Each source loads only when used.
import type { PodAsListed } from "../explain/types.js";
import type { Cluster, PodInfo } from "../k8s/types.js";
import type { PrometheusSource } from "../proxy/types.js";
import type { EdgeResourceType, EdgesResult } from "./types.js";

export interface EdgesRequest {
  type: EdgeResourceType;
  /** -n; undefined for -A. */
  namespace: string | undefined;
  source: { kind: "proxies"; concurrency: number; timeoutMs: number } | PrometheusSource;
  /** Also edges not open now: since each proxy started, or within this Prometheus window. */
  seen: { window: string | undefined } | undefined;
  /** Also clients without a proxy (direct scrape only). */
  unmeshed: boolean;
  onProgress?: (done: number, total: number) => void;
  /**
   * Also reduce every pod of the cluster-wide pod LIST with this (for --explain), so the pods are
   * listed once; the result's `described` holds them.
   */
  describePod?: (pod: PodInfo) => PodAsListed;
}

export async function readEdges(cluster: Cluster, request: EdgesRequest): Promise<EdgesResult> {
  const source = request.source;
  if (source.kind === "proxies") {
    const { edgesFromProxies } = await import("./direct.js");
    return edgesFromProxies(cluster, {
      type: request.type,
      namespace: request.namespace,
      seen: request.seen !== undefined,
      unmeshed: request.unmeshed,
      concurrency: source.concurrency,
      timeoutMs: source.timeoutMs,
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      ...(request.describePod ? { describePod: request.describePod } : {}),
    });
  }
  const { edgesFromPrometheus } = await import("./prometheus.js");
  return edgesFromPrometheus(cluster, source, {
    type: request.type,
    namespace: request.namespace,
    window: request.seen?.window,
    describePod: request.describePod,
  });
}
