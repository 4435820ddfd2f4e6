// Edges from a Prometheus that scrapes the proxies (linkerd-viz's, or any with linkerd-viz's
// relabelling): Linkerd's own query (viz/metrics-api/edges.go), byte for byte, as an instant query.

import type { PodAsListed } from "../explain/types.js";
import { podIdentity } from "../k8s/pods.js";
import type { Cluster, PodInfo } from "../k8s/types.js";
import { queryPrometheus } from "../proxy/prometheus.js";
import type { PrometheusSource } from "../proxy/types.js";
import { computeEdges, type SourcePod } from "./compute.js";
import { l5dLabel } from "./resource-types.js";
import type { EdgeResourceType, EdgeSample, EdgesResult } from "./types.js";

/**
 * `sum(tcp_open_connections{<matchers sorted as strings, ", ">}) by (<T>, dst_<T>, pod, server_id,
 * namespace, dst_namespace, no_tls_reason)`, Linkerd's. With a window (--seen), the pairs that had a
 * connection open at some point in it or opened one in it (short-lived ones never show in the gauge):
 * `max_over_time(tcp_open_connections{...}[W]) > 0 or increase(tcp_open_total{...}[W]) > 0`.
 */
export function edgesQuery(type: EdgeResourceType, window: string | undefined): string {
  const label = l5dLabel(type);
  const matchers = [`${label}!=""`, 'direction="outbound"', `dst_${label}!=""`].sort().join(", ");
  const by = `${label}, dst_${label}, pod, server_id, namespace, dst_namespace, no_tls_reason`;
  const series =
    window === undefined
      ? `tcp_open_connections{${matchers}}`
      : `max_over_time(tcp_open_connections{${matchers}}[${window}]) > 0 or increase(tcp_open_total{${matchers}}[${window}]) > 0`;
  return `sum(${series}) by (${by})`;
}

export async function edgesFromPrometheus(
  cluster: Cluster,
  source: PrometheusSource,
  options: {
    type: EdgeResourceType;
    namespace: string | undefined;
    window: string | undefined;
    describePod: ((pod: PodInfo) => PodAsListed) | undefined;
  },
): Promise<EdgesResult> {
  const label = l5dLabel(options.type);
  // The source pods' identities (CLIENT_ID) and phases, by paged LISTs (never a GET per pod): with
  // -A every pod, fetched while the query runs; with -n, the namespaces the answer names.
  const describe = options.describePod;
  const everyPod =
    options.namespace === undefined
      ? cluster.listPods(undefined, {}, (pod) => ({ pod, described: describe?.(pod) }))
      : undefined;
  everyPod?.catch(() => undefined);
  const result = await queryPrometheus(source, cluster, edgesQuery(options.type, options.window));
  const namespaces = [...new Set(result.map((series) => series.metric?.namespace ?? ""))];
  const everyListed = await everyPod;
  const listed =
    everyListed !== undefined
      ? everyListed.map(({ pod }) => pod)
      : (await Promise.all(namespaces.filter(Boolean).map((ns) => cluster.listPods(ns)))).flat();
  const pods = new Map<string, SourcePod>(
    listed.map((pod: PodInfo) => [
      `${pod.namespace}/${pod.name}`,
      { identity: podIdentity(pod) ?? "", running: pod.phase === "Running" },
    ]),
  );
  const samples: EdgeSample[] = result.map((series) => {
    const metric = series.metric ?? {};
    return {
      src: metric[label] ?? "",
      srcNamespace: metric.namespace ?? "",
      dst: metric[`dst_${label}`] ?? "",
      dstNamespace: metric.dst_namespace ?? "",
      pod: metric.pod ?? "",
      serverId: metric.server_id ?? "",
      noTlsReason: metric.no_tls_reason ?? "",
      tls: undefined,
      value: Number(series.value?.[1] ?? 0),
    };
  });
  const described =
    describe === undefined || everyListed === undefined
      ? undefined
      : everyListed.flatMap(({ described: pod }) => (pod ? [pod] : []));
  return {
    edges: computeEdges(samples, { namespace: options.namespace, pods }),
    unread: [],
    ...(described === undefined ? {} : { described }),
  };
}
