// Edges without Prometheus: each proxy's own /metrics, read through the API server's pod proxy
// subresource (`GET /api/v1/namespaces/NS/pods/POD:ADMIN/proxy/metrics`, RBAC `get` on
// `pods/proxy`, what `kubectl get --raw` uses), turned into the samples Linkerd's query would give.
// The `linkerd.io/proxy-<kind>` pod labels stand in for the labels linkerd-viz's Prometheus
// relabelling adds (`namespace`, `pod`, `<kind>`, job as `k8s_job`).

import { mapBounded } from "../concurrency.js";
import { forbiddenNeeds } from "../errors.js";
import type { PodAsListed } from "../explain/types.js";
import { permissionNeeded } from "../k8s/api-errors.js";
import { adminPortOf, podIdentity } from "../k8s/pods.js";
import type { Cluster, PodInfo } from "../k8s/types.js";
import { KubeApiError } from "../k8s/types.js";
import { FamilyScanner, type Sample } from "../proxy/metrics.js";
import { computeEdges, type SourcePod } from "./compute.js";
import { l5dLabel, proxyPodLabel } from "./resource-types.js";
import type { Edge, EdgeResourceType, EdgeSample, EdgesResult, UnreadProxy } from "./types.js";

/** How SRC reads for connections no source proxy reported (seen only by the destination). */
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
  /** Also reduce each pod of the cluster-wide LIST with this (EdgesRequest.describePod). */
  describePod?: (pod: PodInfo) => PodAsListed;
}

/** The families kept from each body; every other line is skipped before it is parsed. */
const OPEN_NOW = "tcp_open_connections";
const OPENED = "tcp_open_total";

/** A destination's plaintext connections from its clients on one port, by its inbound `tls`. */
interface PlaintextReceived {
  targetAddr: string;
  reason: string;
  connections: number;
}

/**
 * What one proxy's metrics say, boiled down as soon as they are read: a scrape's raw series (tens
 * per pod, each with a dozen long labels) are not kept, nor the pod, so memory grows with the
 * edges, not with the proxies.
 */
interface Scraped {
  outbound: EdgeSample[];
  /** Plaintext connections this proxy opened, by the address it sent them to (for --unmeshed). */
  plaintextSent: Array<{ targetAddr: string; connections: number }>;
  /** For --unmeshed, when the pod is a destination shown: its workload and plaintext clients. */
  received: { dst: string; dstNamespace: string; plaintext: PlaintextReceived[] } | undefined;
}

/** The little edges needs of a pod, kept for every pod listed (CLIENT_ID, Running). */
interface ListedPod extends SourcePod {
  scrape: { namespace: string; name: string; port: number; workload: string } | undefined;
}

function listedPod(pod: PodInfo, type: EdgeResourceType): ListedPod {
  const port = adminPortOf(pod);
  const scrapable = pod.phase === "Running" && !pod.terminating && port !== undefined;
  return {
    identity: podIdentity(pod) ?? "",
    running: pod.phase === "Running",
    scrape: scrapable
      ? { namespace: pod.namespace, name: pod.name, port, workload: workloadOf(pod, type) }
      : undefined,
  };
}

/** The label a series would carry for the workload of `type` the pod belongs to. */
function workloadOf(pod: PodInfo, type: EdgeResourceType): string {
  return type === "pod" ? pod.name : (pod.labels[proxyPodLabel(type)] ?? "");
}

type Target = NonNullable<ListedPod["scrape"]>;

async function scrape(
  cluster: Cluster,
  pod: Target,
  family: string,
  options: Pick<DirectOptions, "type" | "namespace" | "timeoutMs" | "unmeshed">,
): Promise<Scraped | UnreadProxy> {
  const scanner = new FamilyScanner([family]);
  try {
    await cluster.streamRaw(
      `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}:${pod.port}/proxy/metrics`,
      { verb: "get", resource: "pods/proxy", namespace: pod.namespace, name: pod.name },
      (bytes) => scanner.push(bytes),
      options.timeoutMs,
    );
  } catch (error) {
    const forbidden = error instanceof KubeApiError && error.failure === "forbidden";
    return {
      namespace: pod.namespace,
      pod: pod.name,
      reason: forbidden ? error.message : unreadReason(error, options.timeoutMs),
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
  const shown = options.namespace === undefined || options.namespace === pod.namespace;
  return {
    outbound: outboundSamples(pod, samples, options.type, options.namespace),
    plaintextSent: options.unmeshed ? plaintextSent(samples) : [],
    received:
      options.unmeshed && shown && pod.workload !== ""
        ? {
            dst: pod.workload,
            dstNamespace: pod.namespace,
            plaintext: plaintextReceived(pod, samples),
          }
        : undefined,
  };
}

/**
 * Why a proxy could not be read. A pod proxy request that times out reached the API server, which
 * waited on the proxy: that is the proxy's silence, as check --proxy words it.
 */
function unreadReason(error: unknown, timeoutMs: number): string {
  if (error instanceof KubeApiError && error.failure === "timeout")
    return `no answer from the proxy admin port within ${timeoutMs / 1000}s`;
  // The proxy itself said no (api-errors.ts tells it from RBAC): its inbound policy.
  if (error instanceof KubeApiError && error.status === 403)
    return "its proxy refused the request (403 Forbidden): its inbound policy does not authorize the admin port, as config.linkerd.io/default-inbound-policy: deny without `linkerd viz allow-scrapes` does (linkerd/linkerd2#9150)";
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

/**
 * Outbound series of one scraped pod as Linkerd's query would group them (plus `tls`). With -n, a
 * pod outside the namespace keeps only what it sent into it: the rows Linkerd's rule keeps.
 */
function outboundSamples(
  pod: Target,
  samples: Sample[],
  type: EdgeResourceType,
  namespace: string | undefined,
): EdgeSample[] {
  const src = pod.workload;
  if (src === "") return [];
  const dstLabel = `dst_${l5dLabel(type)}`;
  const elsewhere = namespace !== undefined && pod.namespace !== namespace;
  const sums = new Map<string, EdgeSample>();
  for (const sample of samples) {
    const labels = sample.labels;
    const dst = labels[dstLabel] ?? "";
    if (labels.direction !== "outbound" || dst === "") continue;
    if (elsewhere && labels.dst_namespace !== namespace) continue;
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

/** The connections a proxy sent without mTLS, by the address it sent them to. */
function plaintextSent(samples: Sample[]): Scraped["plaintextSent"] {
  const sent = new Map<string, number>();
  for (const { labels, value } of samples) {
    if (labels.direction !== "outbound" || labels.tls === "true" || value === 0) continue;
    const address = labels.target_addr ?? "";
    sent.set(address, (sent.get(address) ?? 0) + value);
  }
  return [...sent].map(([targetAddr, connections]) => ({ targetAddr, connections }));
}

/**
 * A destination's inbound connections without mTLS, by port and reason. Inbound series name no
 * client: a plaintext client is only a count per port (edges-tap-notes.md). The admin port's own
 * connections are scrapes and probes, not workload traffic; loopback is the pod itself.
 */
function plaintextReceived(pod: Target, samples: Sample[]): PlaintextReceived[] {
  const received = new Map<string, PlaintextReceived>();
  for (const { labels, value } of samples) {
    if (labels.direction !== "inbound" || labels.peer !== "src") continue;
    if (value === 0 || labels.tls === "true" || labels.target_port === String(pod.port)) continue;
    const reason = labels.tls === "disabled" ? "disabled" : labels.no_tls_reason || "disabled";
    if (reason === "loopback") continue;
    const targetAddr = labels.target_addr ?? "";
    const id = `${targetAddr} ${reason}`;
    const known = received.get(id);
    if (known) known.connections += value;
    else received.set(id, { targetAddr, reason, connections: value });
  }
  return [...received.values()];
}

/**
 * Rows for clients without a proxy: a destination's plaintext connections on an address that no
 * meshed source reported sending (a meshed client in plaintext, e.g. identity disabled or an
 * ingress without l5d-dst-override, has its own row already). What is left came from a client
 * with no proxy, or one whose proxy skips the port. One row per destination workload and reason,
 * sorted as Linkerd sorts, after Linkerd's rows.
 */
function unmeshedRows(scraped: readonly Scraped[]): Edge[] {
  const sent = new Map<string, number>();
  for (const s of scraped)
    for (const { targetAddr, connections } of s.plaintextSent)
      sent.set(targetAddr, (sent.get(targetAddr) ?? 0) + connections);
  const rows = new Map<string, Edge>();
  for (const s of scraped) {
    if (s.received === undefined) continue;
    const { dst, dstNamespace } = s.received;
    const byAddress = new Map<string, PlaintextReceived[]>();
    for (const r of s.received.plaintext)
      byAddress.set(r.targetAddr, [...(byAddress.get(r.targetAddr) ?? []), r]);
    for (const [address, received] of byAddress) {
      const total = received.reduce((sum, r) => sum + r.connections, 0);
      if (total <= (sent.get(address) ?? 0)) continue;
      for (const { reason } of received) {
        const id = JSON.stringify([dst, dstNamespace, reason]);
        if (!rows.has(id))
          rows.set(id, {
            src: UNMESHED_SOURCE,
            srcNamespace: "",
            dst,
            dstNamespace,
            clientId: "",
            serverId: "",
            security: { mtls: false, reason },
          });
      }
    }
  }
  const order = (e: Edge) => e.dstNamespace + e.dst;
  return [...rows.values()].sort((a, b) =>
    order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0,
  );
}

/**
 * Reads every meshed proxy that can be the source of a row shown. For -A that is every one; for
 * -n NS too (Linkerd's rule keeps a row whose source or destination is in NS, and only a source's
 * outbound series name a plaintext client), so -n NS costs a cluster-wide pod LIST and a scrape
 * of every proxy, of which only NS's rows are kept. A caller who may not list pods cluster-wide
 * gets NS's own proxies and a result marked incomplete; --prometheus needs neither.
 */
export async function edgesFromProxies(
  cluster: Cluster,
  options: DirectOptions,
): Promise<EdgesResult> {
  const family = options.seen ? OPENED : OPEN_NOW;
  const describe = options.describePod;
  const select = (pod: PodInfo) =>
    [`${pod.namespace}/${pod.name}`, listedPod(pod, options.type), describe?.(pod)] as const;
  let listed: Array<readonly [string, ListedPod, PodAsListed | undefined]>;
  let elsewhereUnread: string | undefined;
  let described: PodAsListed[] | undefined;
  try {
    listed = await cluster.listPods(undefined, {}, select);
    if (describe !== undefined) described = listed.flatMap(([, , pod]) => (pod ? [pod] : []));
  } catch (error) {
    const scoped = options.namespace !== undefined;
    if (!(scoped && error instanceof KubeApiError && error.failure === "forbidden")) throw error;
    elsewhereUnread = `skipped: ${forbiddenNeeds(permissionNeeded(error.target))}: the proxies of other namespaces that call into "${options.namespace}" were not read (--prometheus needs no access to the pods)`;
    listed = await cluster.listPods(options.namespace, {}, select);
  }
  const pods = new Map<string, ListedPod>(listed.map(([key, pod]) => [key, pod]));
  const targets = listed.flatMap(([, pod]) => (pod.scrape ? [pod.scrape] : []));
  let done = 0;
  const results = await mapBounded(targets, options.concurrency, async (pod) => {
    const result = await scrape(cluster, pod, family, options);
    done += 1;
    options.onProgress?.(done, targets.length);
    return result;
  });
  const scraped = results.filter((r): r is Scraped => "outbound" in r);
  const unread = results.filter((r): r is UnreadProxy => !("outbound" in r));
  const edges = computeEdges(
    scraped.flatMap((s) => s.outbound),
    { namespace: options.namespace, pods },
  );
  if (options.unmeshed) edges.push(...unmeshedRows(scraped));
  return {
    edges,
    unread,
    ...(elsewhereUnread === undefined ? {} : { elsewhereUnread }),
    ...(described === undefined ? {} : { described }),
  };
}
