// The simulated cluster's traffic, declared as data: `Traffic` objects (a scenario's, or a user's in
// `demo --objects`) say who calls whom. This module reads them; links.ts turns them into
// connections between pods, metrics.ts into each proxy's metrics, the tap server into events, so
// edges and tap see one consistent cluster.
//
//   apiVersion: sim.meshlens.dev/v1alpha1
//   kind: Traffic
//   metadata: {name: emojivoto, namespace: emojivoto}
//   spec:
//     flows:
//     - {from: deploy/vote-bot, to: svc/web-svc:80, protocol: http, rps: 2}
//     - {from: linkerd-viz/deploy/prometheus, to: proxies/admin}   # scrapes every meshed proxy
//
// `from` is `[namespace/]kind/name` of a workload (deploy, sts, ds, job, pod), meshed or not; `to` is
// `[namespace/]svc/name:port` or `proxies/admin`. protocol: http (default), grpc or tcp; rps: requests
// (or connections) a second, default 1; connections: long (default: one kept open per pair of pods)
// or short (one per request, none open between them); by: service (default) or pod-ip (the caller
// dials the service's pods by IP, as a ClusterIP environment variable or a cached address does, so
// service discovery gives it no identity: linkerd/linkerd2#3498).
import type { ObjectStore } from "../store.js";

export const TRAFFIC_API_VERSION = "sim.meshlens.dev/v1alpha1";
export const TRAFFIC_KIND = "Traffic";

export type Protocol = "http" | "grpc" | "tcp";

export interface Flow {
  from: { namespace: string; kind: string; name: string };
  to: { kind: "service"; namespace: string; name: string; port: number } | { kind: "admin-ports" };
  protocol: Protocol;
  rps: number;
  connections: "long" | "short";
  /** Shares of the responses by status: HTTP status codes, or gRPC status codes for gRPC. */
  statuses: ReadonlyArray<{ status: number; share: number }>;
  /** The requests' method and paths (taken in turn), as tap shows them. */
  method: string;
  paths: readonly string[];
  /** The requests' authority; default the service's name.namespace.svc.cluster.local:port. */
  authority: string | undefined;
  /** The share of requests whose stream is reset (HTTP/2 CANCEL) before the response ends. */
  resets: number;
  /** How the caller addresses the destination: by the service's name, or its pods' IPs. */
  by: "service" | "pod-ip";
}

const KIND_ALIASES: Record<string, string> = {
  deploy: "Deployment",
  deployment: "Deployment",
  sts: "StatefulSet",
  statefulset: "StatefulSet",
  ds: "DaemonSet",
  daemonset: "DaemonSet",
  job: "Job",
  po: "Pod",
  pod: "Pod",
};

export class TrafficError extends Error {}

function parseFlow(raw: Record<string, unknown>, namespace: string, where: string): Flow {
  const from = String(raw.from ?? "").split("/");
  const [fromNs, fromKind, fromName] = from.length === 3 ? from : [namespace, ...from];
  const kind = KIND_ALIASES[(fromKind ?? "").toLowerCase()];
  if (kind === undefined || !fromName)
    throw new TrafficError(`${where}: from "${String(raw.from)}" is not [namespace/]kind/name`);
  const toText = String(raw.to ?? "");
  let to: Flow["to"];
  if (toText === "proxies/admin") to = { kind: "admin-ports" };
  else {
    const match = /^(?:([^/]+)\/)?(?:svc|service)\/([^:/]+):(\d+)$/.exec(toText);
    if (match === null)
      throw new TrafficError(`${where}: to "${toText}" is not [namespace/]svc/name:port`);
    to = {
      kind: "service",
      namespace: match[1] ?? namespace,
      name: match[2] as string,
      port: Number(match[3]),
    };
  }
  const protocol = (raw.protocol ?? "http") as Protocol;
  if (!["http", "grpc", "tcp"].includes(protocol))
    throw new TrafficError(`${where}: protocol "${protocol}" is not http, grpc or tcp`);
  const rps = raw.rps === undefined ? 1 : Number(raw.rps);
  if (!(rps > 0)) throw new TrafficError(`${where}: rps must be a positive number`);
  const connections = raw.connections ?? "long";
  if (connections !== "long" && connections !== "short")
    throw new TrafficError(`${where}: connections must be long or short`);
  const by = raw.by ?? "service";
  if (by !== "service" && by !== "pod-ip")
    throw new TrafficError(`${where}: by must be service or pod-ip`);
  return {
    by,
    from: { namespace: fromNs as string, kind, name: fromName },
    to,
    protocol,
    rps,
    connections,
    statuses: parseStatuses(raw.statuses, where),
    // gRPC calls are POSTs to /package.Service/Method; Prometheus scrapes GET /metrics.
    method: String(raw.method ?? (protocol === "grpc" ? "POST" : "GET")),
    paths:
      Array.isArray(raw.paths) && raw.paths.length > 0
        ? raw.paths.map(String)
        : [to.kind === "admin-ports" ? "/metrics" : "/"],
    authority: raw.authority === undefined ? undefined : String(raw.authority),
    resets: parseShare(raw.resets, where),
  };
}

function parseShare(raw: unknown, where: string): number {
  if (raw === undefined) return 0;
  const share = Number(raw);
  if (!(share >= 0 && share <= 1))
    throw new TrafficError(`${where}: resets must be a share from 0 to 1`);
  return share;
}

/** `statuses: {200: 95, 503: 5}` (weights): the response mix; all 200 (gRPC: all OK) by default. */
function parseStatuses(raw: unknown, where: string): Flow["statuses"] {
  if (raw === undefined) return [{ status: 0, share: 1 }];
  const entries = Object.entries(raw as Record<string, unknown>).map(([status, weight]) => ({
    status: Number(status),
    weight: Number(weight),
  }));
  if (
    entries.length === 0 ||
    entries.some((e) => !Number.isInteger(e.status) || e.status < 0 || !(e.weight > 0))
  )
    throw new TrafficError(`${where}: statuses must map status codes to positive weights`);
  const total = entries.reduce((sum, e) => sum + e.weight, 0);
  return entries.map((e) => ({ status: e.status, share: e.weight / total }));
}

/** Every flow the store's Traffic objects declare. */
export function declaredFlows(store: ObjectStore): Flow[] {
  return store.list({ apiVersion: TRAFFIC_API_VERSION, kind: TRAFFIC_KIND }).flatMap((object) => {
    const namespace = object.metadata.namespace ?? "default";
    const flows = (object.spec as { flows?: unknown[] } | undefined)?.flows ?? [];
    return flows.map((flow, i) =>
      parseFlow(
        (flow ?? {}) as Record<string, unknown>,
        namespace,
        `Traffic ${namespace}/${object.metadata.name} flow ${i + 1}`,
      ),
    );
  });
}
