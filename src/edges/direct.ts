// Edges without Prometheus: each proxy's own /metrics, read through the API server's pod proxy
// subresource (`GET /api/v1/namespaces/NS/pods/POD:ADMIN/proxy/metrics`, RBAC `get` on
// `pods/proxy`, what `kubectl get --raw` uses), turned into the samples Linkerd's query would give.
// The `linkerd.io/proxy-<kind>` pod labels stand in for the labels linkerd-viz's Prometheus
// relabelling adds (`namespace`, `pod`, `<kind>`, job as `k8s_job`).
import { adminPortOf, podIdentity, proxyContainerOf } from "../k8s/pods.js";
import type { Cluster, PodInfo } from "../k8s/types.js";
import { KubeApiError } from "../k8s/types.js";
import { mapBounded } from "../proxy/admin-client.js";
import { MetricsCollector, type Sample } from "../proxy/metrics.js";
import { computeEdges, type SourcePod } from "./compute.js";
import { l5dLabel, proxyPodLabel } from "./resource-types.js";
import type { Edge, EdgeResourceType, EdgeSample, EdgesResult, UnreadProxy } from "./types.js";

export interface DirectOptions {
  type: EdgeResourceType;
  /** -n; undefined for -A. */
  namespace: string | undefined;
  /** Also edges with no connection open now: any connection since the proxy started. */
  seen: boolean;
  /** Also clients without a proxy, as the destinations' inbound metrics count them. */
  unmeshed: boolean;
  concurrency: number;
  timeoutMs: number;
  onProgress?: (done: number, total: number) => void;
}

/** The families kept from each body; every other line is skipped before it is parsed. */
const OPEN_NOW = "tcp_open_connections";
const OPENED = "tcp_open_total";

interface Scraped {
  pod: PodInfo;
  samples: Sample[];
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

function isScrapable(pod: PodInfo): boolean {
  return (
    pod.phase === "Running" &&
    !pod.terminating &&
    proxyContainerOf(pod) !== undefined &&
    adminPortOf(pod) !== undefined
  );
}

/** The label a series would carry for the workload of `type` the pod belongs to. */
function workloadOf(pod: PodInfo, type: EdgeResourceType): string {
  return type === "pod" ? pod.name : (pod.labels[proxyPodLabel(type)] ?? "");
}

/** `sa.ns.serviceaccount.identity...` -> its namespace and service account. */
function accountOf(identity: string): { namespace: string; serviceAccount: string } | undefined {
  const [serviceAccount, namespace, kind] = identity.split(".");
  return serviceAccount && namespace && kind === "serviceaccount"
    ? { namespace, serviceAccount }
    : undefined;
}

async function scrape(
  cluster: Cluster,
  pod: PodInfo,
  family: string,
  timeoutMs: number,
): Promise<Scraped | UnreadProxy> {
  const port = adminPortOf(pod) as number;
  const collector = new MetricsCollector((name) => name === family);
  try {
    await cluster.streamRaw(
      `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}:${port}/proxy/metrics`,
      { verb: "get", resource: "pods/proxy", namespace: pod.namespace, name: pod.name },
      (text) => collector.push(text),
      timeoutMs,
    );
  } catch (error) {
    const forbidden = error instanceof KubeApiError && error.failure === "forbidden";
    return {
      namespace: pod.namespace,
      pod: pod.name,
      reason: forbidden ? error.message : unreadReason(error),
      forbidden,
    };
  }
  const samples = collector.end();
  if (collector.malformedLines > 0 && samples.length === 0)
    return {
      namespace: pod.namespace,
      pod: pod.name,
      reason: `its /metrics is not Prometheus text (${JSON.stringify(collector.firstMalformed)})`,
      forbidden: false,
    };
  return { pod, samples };
}

function unreadReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

/** Outbound series of one scraped pod as Linkerd's query would group them (plus `tls`). */
function outboundSamples(scraped: Scraped, type: EdgeResourceType): EdgeSample[] {
  const src = workloadOf(scraped.pod, type);
  const dstLabel = `dst_${l5dLabel(type)}`;
  const sums = new Map<string, EdgeSample>();
  for (const sample of scraped.samples) {
    const labels = sample.labels;
    if (labels.direction !== "outbound" || src === "") continue;
    const dst = labels[dstLabel] ?? "";
    if (dst === "") continue;
    const row: EdgeSample = {
      src,
      srcNamespace: scraped.pod.namespace,
      dst,
      dstNamespace: labels.dst_namespace ?? "",
      pod: scraped.pod.name,
      serverId: labels.server_id ?? "",
      noTlsReason: labels.no_tls_reason ?? "",
      tls: labels.tls ?? "",
      value: sample.value,
    };
    // sum(...) by (T, dst_T, pod, server_id, namespace, dst_namespace, no_tls_reason), and tls.
    const group = JSON.stringify([
      row.dst,
      row.dstNamespace,
      row.serverId,
      row.noTlsReason,
      row.tls,
    ]);
    const known = sums.get(group);
    if (known) known.value += row.value;
    else sums.set(group, row);
  }
  return [...sums.values()];
}

/** The identities of meshed clients in other namespaces that the scraped pods' inbound series name. */
function clientsFromElsewhere(scraped: Scraped[], namespace: string): Map<string, Set<string>> {
  const byNamespace = new Map<string, Set<string>>();
  for (const { samples } of scraped) {
    for (const sample of samples) {
      const id = sample.labels.client_id;
      if (sample.labels.direction !== "inbound" || !id || sample.value === 0) continue;
      const account = accountOf(id);
      if (account === undefined || account.namespace === namespace) continue;
      const accounts = byNamespace.get(account.namespace) ?? new Set<string>();
      accounts.add(account.serviceAccount);
      byNamespace.set(account.namespace, accounts);
    }
  }
  return byNamespace;
}

/** The admin port's own inbound connections are scrapes and probes, not workload traffic. */
function isAdminTraffic(pod: PodInfo, sample: Sample): boolean {
  return sample.labels.target_port === String(adminPortOf(pod));
}

/** Clients without a proxy: the destination's inbound series without mTLS, one row per reason. */
function unmeshedEdges(
  scraped: Scraped[],
  type: EdgeResourceType,
  namespace: string | undefined,
): Edge[] {
  const rows = new Map<string, Edge>();
  for (const { pod, samples } of scraped) {
    if (namespace !== undefined && pod.namespace !== namespace) continue;
    const dst = workloadOf(pod, type);
    if (dst === "") continue;
    for (const sample of samples) {
      const labels = sample.labels;
      if (labels.direction !== "inbound" || labels.peer !== "src" || sample.value === 0) continue;
      if (labels.tls === "true" || isAdminTraffic(pod, sample)) continue;
      const reason = labels.tls === "disabled" ? "disabled" : (labels.no_tls_reason ?? "");
      if (reason === "loopback") continue;
      const id = JSON.stringify([dst, pod.namespace, reason]);
      if (rows.has(id)) continue;
      rows.set(id, {
        src: "(unmeshed)",
        srcNamespace: "",
        dst,
        dstNamespace: pod.namespace,
        clientId: "",
        serverId: "",
        security: { mtls: false, reason: reason || "disabled" },
        seenBy: "unmeshed",
      });
    }
  }
  return [...rows.values()];
}

/**
 * Scrapes only the pods that can be the source of a row shown: for -A every meshed pod; for -n NS
 * the meshed pods of NS, then those in other namespaces whose service account NS's proxies name as
 * an inbound client (so one namespace of a 5,000-pod cluster costs its own pods and its callers).
 */
export async function edgesFromProxies(
  cluster: Cluster,
  options: DirectOptions,
): Promise<EdgesResult> {
  const family = options.seen ? OPENED : OPEN_NOW;
  const listed = await cluster.listPods(options.namespace);
  const pods = new Map<string, SourcePod>();
  const remember = (list: PodInfo[]) => {
    for (const pod of list)
      pods.set(key(pod.namespace, pod.name), {
        identity: podIdentity(pod) ?? "",
        running: pod.phase === "Running",
      });
  };
  remember(listed);
  let done = 0;
  let total = 0;
  const scrapeAll = async (list: PodInfo[]) => {
    total += list.length;
    return mapBounded(list, options.concurrency, async (pod) => {
      const result = await scrape(cluster, pod, family, options.timeoutMs);
      done += 1;
      options.onProgress?.(done, total);
      return result;
    });
  };
  const results = await scrapeAll(listed.filter(isScrapable));
  if (options.namespace !== undefined) {
    // Callers in other namespaces, found by their identity in this namespace's inbound series.
    const elsewhere = clientsFromElsewhere(
      results.filter((r): r is Scraped => "samples" in r),
      options.namespace,
    );
    for (const [namespace, accounts] of elsewhere) {
      const there = await cluster.listPods(namespace);
      remember(there);
      results.push(
        ...(await scrapeAll(
          there.filter((pod) => isScrapable(pod) && accounts.has(pod.serviceAccountName)),
        )),
      );
    }
  }
  const scraped = results.filter((r): r is Scraped => "samples" in r);
  const unread = results.filter((r): r is UnreadProxy => !("samples" in r));
  const edges = computeEdges(
    scraped.flatMap((s) => outboundSamples(s, options.type)),
    { namespace: options.namespace, pods },
  );
  if (options.unmeshed) edges.push(...unmeshedEdges(scraped, options.type, options.namespace));
  return { edges, unread };
}
