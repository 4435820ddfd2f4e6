// Edges without Prometheus: each proxy's own /metrics, read through the API server's pod proxy
// subresource (`GET /api/v1/namespaces/NS/pods/POD:ADMIN/proxy/metrics`, RBAC `get` on
// `pods/proxy`, what `kubectl get --raw` uses), turned into the samples Linkerd's query would give.
// The `linkerd.io/proxy-<kind>` pod labels stand in for the labels linkerd-viz's Prometheus
// relabelling adds (`namespace`, `pod`, `<kind>`, job as `k8s_job`).
import { adminPortOf, podIdentity } from "../k8s/pods.js";
import type { Cluster, PodInfo } from "../k8s/types.js";
import { KubeApiError } from "../k8s/types.js";
import { mapBounded } from "../proxy/admin-client.js";
import { FamilyScanner, type Sample } from "../proxy/metrics.js";
import { computeEdges, type SourcePod } from "./compute.js";
import { l5dLabel, proxyPodLabel } from "./resource-types.js";
import type { Edge, EdgeResourceType, EdgeSample, EdgesResult, UnreadProxy } from "./types.js";

/** How SRC reads for a client without a proxy (seen only by the destination's inbound metrics). */
const UNMESHED_SOURCE = "(unmeshed)";

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

/**
 * What one proxy's metrics say, boiled down as soon as they are read: a scrape's raw series (tens
 * per pod, each with a dozen long labels) are not kept, so memory grows with the edges, not with
 * the series.
 */
interface Scraped {
  pod: PodInfo;
  outbound: EdgeSample[];
  /** Meshed clients of this pod in other namespaces (with -n), by their identity. */
  clientsElsewhere: Array<{ namespace: string; serviceAccount: string }>;
  unmeshed: Edge[];
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

function isScrapable(pod: PodInfo): boolean {
  return pod.phase === "Running" && !pod.terminating && adminPortOf(pod) !== undefined;
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
  options: Pick<DirectOptions, "type" | "namespace" | "timeoutMs" | "unmeshed">,
): Promise<Scraped | UnreadProxy> {
  const port = adminPortOf(pod) as number;
  const scanner = new FamilyScanner([family]);
  try {
    await cluster.streamRaw(
      `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}:${port}/proxy/metrics`,
      { verb: "get", resource: "pods/proxy", namespace: pod.namespace, name: pod.name },
      (bytes) => scanner.push(bytes),
      options.timeoutMs,
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
  const samples = scanner.end();
  if (scanner.malformed !== undefined)
    return {
      namespace: pod.namespace,
      pod: pod.name,
      reason: `its /metrics is not Prometheus text (${JSON.stringify(scanner.malformed)})`,
      forbidden: false,
    };
  return {
    pod,
    outbound: outboundSamples(pod, samples, options.type),
    clientsElsewhere:
      options.namespace === undefined ? [] : clientsFromElsewhere(samples, options.namespace),
    unmeshed: options.unmeshed ? unmeshedEdges(pod, samples, options.type) : [],
  };
}

function unreadReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

/** Outbound series of one scraped pod as Linkerd's query would group them (plus `tls`). */
function outboundSamples(pod: PodInfo, samples: Sample[], type: EdgeResourceType): EdgeSample[] {
  const src = workloadOf(pod, type);
  if (src === "") return [];
  const dstLabel = `dst_${l5dLabel(type)}`;
  const sums = new Map<string, EdgeSample>();
  for (const sample of samples) {
    const labels = sample.labels;
    const dst = labels[dstLabel] ?? "";
    if (labels.direction !== "outbound" || dst === "") continue;
    const row: EdgeSample = {
      src,
      srcNamespace: pod.namespace,
      dst,
      dstNamespace: labels.dst_namespace ?? "",
      pod: pod.name,
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

/** The meshed clients in other namespaces that a pod's inbound series name, by their identity. */
function clientsFromElsewhere(
  samples: Sample[],
  namespace: string,
): Array<{ namespace: string; serviceAccount: string }> {
  const clients = new Map<string, { namespace: string; serviceAccount: string }>();
  for (const sample of samples) {
    const id = sample.labels.client_id;
    if (sample.labels.direction !== "inbound" || !id || sample.value === 0) continue;
    const account = accountOf(id);
    if (account !== undefined && account.namespace !== namespace) clients.set(id, account);
  }
  return [...clients.values()];
}

/** The admin port's own inbound connections are scrapes and probes, not workload traffic. */
function isAdminTraffic(pod: PodInfo, sample: Sample): boolean {
  return sample.labels.target_port === String(adminPortOf(pod));
}

/** Clients without a proxy: the pod's inbound series without mTLS, one row per reason. */
function unmeshedEdges(pod: PodInfo, samples: Sample[], type: EdgeResourceType): Edge[] {
  const dst = workloadOf(pod, type);
  const reasons = new Set<string>();
  for (const sample of samples) {
    const labels = sample.labels;
    if (dst === "" || labels.direction !== "inbound" || labels.peer !== "src") continue;
    if (sample.value === 0 || labels.tls === "true" || isAdminTraffic(pod, sample)) continue;
    const reason = labels.tls === "disabled" ? "disabled" : labels.no_tls_reason || "disabled";
    if (reason !== "loopback") reasons.add(reason);
  }
  return [...reasons].map((reason) => ({
    src: UNMESHED_SOURCE,
    srcNamespace: "",
    dst,
    dstNamespace: pod.namespace,
    clientId: "",
    serverId: "",
    security: { mtls: false, reason },
  }));
}

/** One row per destination workload and reason, in Linkerd's order, after Linkerd's rows. */
function mergeUnmeshed(rows: Edge[], namespace: string | undefined): Edge[] {
  const seen = new Map<string, Edge>();
  for (const row of rows) {
    if (namespace !== undefined && row.dstNamespace !== namespace) continue;
    const id = JSON.stringify([
      row.dst,
      row.dstNamespace,
      (row.security as { reason: string }).reason,
    ]);
    if (!seen.has(id)) seen.set(id, row);
  }
  const order = (e: Edge) => e.dstNamespace + e.dst;
  return [...seen.values()].sort((a, b) =>
    order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0,
  );
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
      const result = await scrape(cluster, pod, family, options);
      done += 1;
      options.onProgress?.(done, total);
      return result;
    });
  };
  const results = await scrapeAll(listed.filter(isScrapable));
  if (options.namespace !== undefined) {
    // Callers in other namespaces, found by their identity in this namespace's inbound series.
    const elsewhere = new Map<string, Set<string>>();
    for (const result of results)
      for (const client of "outbound" in result ? result.clientsElsewhere : []) {
        const accounts = elsewhere.get(client.namespace) ?? new Set<string>();
        accounts.add(client.serviceAccount);
        elsewhere.set(client.namespace, accounts);
      }
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
  const scraped = results.filter((r): r is Scraped => "outbound" in r);
  const unread = results.filter((r): r is UnreadProxy => !("outbound" in r));
  const edges = computeEdges(
    scraped.flatMap((s) => s.outbound),
    { namespace: options.namespace, pods },
  );
  if (options.unmeshed)
    edges.push(
      ...mergeUnmeshed(
        scraped.flatMap((s) => s.unmeshed),
        options.namespace,
      ),
    );
  return { edges, unread };
}
