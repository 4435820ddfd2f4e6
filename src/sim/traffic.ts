// The simulated cluster's traffic, declared as data: `Traffic` objects (a scenario's, or a user's in
// `demo --objects`) say who calls whom. Every proxy's transport and HTTP metrics are derived from
// them, with the labels linkerd2-proxy gives them (linkerd-facts.md 4.3), so `edges` (and tap, next)
// see one consistent cluster.
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
// or short (one per request, none open between them).
import { adminPortOf, identityDisabled, podIdentity, proxyContainer } from "./pod-proxy.js";
import type { KubeObject, ObjectStore } from "./store.js";

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
  return {
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

/** One end of a link: a pod, and what its proxy (if any) looks like. */
export interface Endpoint {
  pod: KubeObject;
  namespace: string;
  ip: string;
  /** The pod has a proxy. */
  meshed: boolean;
  /** The proxy's identity; undefined for a pod without a proxy, or one without identity. */
  identity: string | undefined;
  /** Its proxy runs without identity. */
  identityDisabled: boolean;
  /** Its proxy's trust bundle holds an anchor of the mesh's current bundle (or it has no proxy). */
  trustsMesh: boolean;
}

/** Connections from one pod to another on one port, as both proxies count them. */
export interface Link {
  source: Endpoint;
  destination: Endpoint;
  targetPort: number;
  service: { namespace: string; name: string; port: number } | undefined;
  protocol: Protocol;
  /** Connections opened a second, and how many stay open. */
  connectionsPerSecond: number;
  open: number;
  requestsPerSecond: number;
  /** The response mix (status 0: the protocol's success, 200 or gRPC OK). */
  statuses: Flow["statuses"];
  method: string;
  paths: readonly string[];
  authority: string | undefined;
  resets: number;
  /** The source's proxy sees it (meshed and the port not skipped). */
  outboundSeen: boolean;
  /** The destination's proxy sees it (meshed and the port not skipped). */
  inboundSeen: boolean;
  /** Labels of the client side (TlsConnect) and the server side (TlsAccept). */
  tlsConnect: Record<string, string>;
  tlsAccept: Record<string, string>;
}

function annotationsOf(pod: KubeObject): Record<string, string> {
  return pod.metadata.annotations ?? {};
}

function portList(text: string | undefined): Set<number> {
  return new Set(
    (text ?? "")
      .split(",")
      .map((p) => Number(p.trim()))
      .filter((p) => Number.isInteger(p)),
  );
}

/** The certificates of a PEM bundle, as their base64 bodies (order and layout do not matter). */
function certificatesOf(pem: string): Set<string> {
  return new Set(
    [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map(
      (match) => (match[1] ?? "").replace(/\s+/g, ""),
    ),
  );
}

/** The mesh's current trust anchors: the linkerd-identity-trust-roots ConfigMap. */
function meshAnchors(store: ObjectStore): Set<string> {
  const roots = store
    .list({ apiVersion: "v1", kind: "ConfigMap" })
    .find((cm) => cm.metadata.name === "linkerd-identity-trust-roots");
  return certificatesOf(
    (roots?.data as Record<string, string> | undefined)?.["ca-bundle.crt"] ?? "",
  );
}

/**
 * Whether the pod's proxy can verify the mesh's certificates: a bundle inline in its spec (a pod not
 * restarted after a rotation keeps the old one) must share an anchor with the current bundle; one
 * read from the trust-roots ConfigMap is the current bundle.
 */
function trustsMesh(pod: KubeObject, anchors: Set<string>): boolean {
  const variable = proxyContainer(pod)?.env?.find(
    (v) => v.name === "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS",
  );
  if (variable?.value === undefined) return true;
  return [...certificatesOf(variable.value)].some((certificate) => anchors.has(certificate));
}

function endpointOf(pod: KubeObject, anchors: Set<string>): Endpoint | undefined {
  const status = pod.status as { phase?: string; podIP?: string } | undefined;
  if (status?.phase !== "Running" || status.podIP === undefined) return undefined;
  return {
    pod,
    namespace: pod.metadata.namespace ?? "default",
    ip: status.podIP,
    meshed: proxyContainer(pod) !== undefined,
    identity: podIdentity(pod),
    identityDisabled: identityDisabled(pod),
    trustsMesh: trustsMesh(pod, anchors),
  };
}

/** The workload a pod belongs to: its owner, or the Deployment that owns its ReplicaSet. */
export function ownerOf(
  store: ObjectStore,
  pod: KubeObject,
): { kind: string; name: string } | undefined {
  const owner = pod.metadata.ownerReferences?.[0];
  if (owner === undefined) return undefined;
  if (owner.kind !== "ReplicaSet") return { kind: owner.kind, name: owner.name };
  const rs = store.get(
    { apiVersion: "apps/v1", kind: "ReplicaSet" },
    pod.metadata.namespace,
    owner.name,
  );
  const deployment = rs?.metadata.ownerReferences?.find((ref) => ref.kind === "Deployment");
  return deployment
    ? { kind: "Deployment", name: deployment.name }
    : { kind: "ReplicaSet", name: owner.name };
}

function podsOfWorkload(store: ObjectStore, ref: Flow["from"], anchors: Set<string>): Endpoint[] {
  return store
    .list({ apiVersion: "v1", kind: "Pod" })
    .filter((pod) => (pod.metadata.namespace ?? "default") === ref.namespace)
    .filter((pod) => {
      if (ref.kind === "Pod") return pod.metadata.name === ref.name;
      const owner = ownerOf(store, pod);
      return owner?.kind === ref.kind && owner.name === ref.name;
    })
    .flatMap((pod) => endpointOf(pod, anchors) ?? []);
}

function selects(selector: Record<string, string>, pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function serviceTarget(
  store: ObjectStore,
  to: Extract<Flow["to"], { kind: "service" }>,
  anchors: Set<string>,
): Array<{ endpoint: Endpoint; targetPort: number }> {
  const service = store.get({ apiVersion: "v1", kind: "Service" }, to.namespace, to.name);
  const spec = service?.spec as
    | {
        selector?: Record<string, string>;
        ports?: Array<{ port: number; targetPort?: number | string }>;
      }
    | undefined;
  if (spec?.selector === undefined) return [];
  const port = spec.ports?.find((p) => p.port === to.port);
  if (port === undefined) return [];
  const targetPort = typeof port.targetPort === "number" ? port.targetPort : to.port;
  return store
    .list({ apiVersion: "v1", kind: "Pod" })
    .filter((pod) => (pod.metadata.namespace ?? "default") === to.namespace)
    .filter((pod) => selects(spec.selector ?? {}, pod))
    .flatMap((pod) => {
      const endpoint = endpointOf(pod, anchors);
      return endpoint ? [{ endpoint, targetPort }] : [];
    });
}

/** TlsConnect (client side) and TlsAccept (server side) labels for a connection (linkerd/tls). */
function tlsOf(
  source: Endpoint,
  destination: Endpoint,
  sourceMode: string | undefined,
  destinationSeen: boolean,
): { connect: Record<string, string>; accept: Record<string, string> } {
  let connect: Record<string, string>;
  if (source.identityDisabled) connect = { tls: "disabled" };
  else if (sourceMode === "ingress")
    connect = { tls: "no_identity", no_tls_reason: "ingress_without_override" };
  else if (destination.identity === undefined || destination.identityDisabled || !destinationSeen)
    connect = { tls: "no_identity", no_tls_reason: "not_provided_by_service_discovery" };
  else connect = { tls: "true", server_id: destination.identity };
  let accept: Record<string, string>;
  if (destination.identityDisabled) accept = { tls: "disabled" };
  else if (connect.tls === "true" && source.identity !== undefined)
    accept = { tls: "true", client_id: source.identity };
  else accept = { tls: "no_identity", no_tls_reason: "no_tls_from_remote" };
  return { connect, accept };
}

/** Every link the flows make, from the store as it is now. */
export function trafficLinks(store: ObjectStore): Link[] {
  const flows = declaredFlows(store);
  const anchors = meshAnchors(store);
  const links: Link[] = [];
  for (const flow of flows) {
    const sources = podsOfWorkload(store, flow.from, anchors);
    const targets =
      flow.to.kind === "service"
        ? serviceTarget(store, flow.to, anchors)
        : store.list({ apiVersion: "v1", kind: "Pod" }).flatMap((pod) => {
            const port = adminPortOf(pod);
            const endpoint = port === undefined ? undefined : endpointOf(pod, anchors);
            return endpoint && port !== undefined ? [{ endpoint, targetPort: port }] : [];
          });
    if (targets.length === 0) continue;
    const service = flow.to.kind === "service" ? flow.to : undefined;
    for (const source of sources) {
      const annotations = annotationsOf(source.pod);
      const servicePort = service?.port;
      const skippedOut = portList(annotations["config.linkerd.io/skip-outbound-ports"]);
      for (const { endpoint: destination, targetPort } of targets) {
        if (destination.pod === source.pod) continue;
        const skippedIn = portList(
          annotationsOf(destination.pod)["config.linkerd.io/skip-inbound-ports"],
        );
        const outboundSeen = source.meshed && !skippedOut.has(servicePort ?? targetPort);
        const inboundSeen = destination.meshed && !skippedIn.has(targetPort);
        // mTLS between proxies that do not trust the same anchors fails in the handshake: no
        // connection is made (tls="true" only when both ends are meshed and trust each other).
        if (outboundSeen && inboundSeen && !(source.trustsMesh && destination.trustsMesh)) continue;
        const mode = annotationsOf(source.pod)["linkerd.io/inject"];
        // A connection that skips the source's proxy reaches the destination in plaintext.
        const tls = tlsOf(
          outboundSeen
            ? source
            : { ...source, meshed: false, identity: undefined, identityDisabled: false },
          destination,
          mode,
          inboundSeen,
        );
        const share = flow.rps / targets.length;
        const opaque = portList(
          annotationsOf(destination.pod)["config.linkerd.io/opaque-ports"],
        ).has(targetPort);
        const protocol: Protocol = opaque ? "tcp" : flow.protocol;
        links.push({
          source,
          destination,
          targetPort,
          service,
          protocol,
          connectionsPerSecond: flow.connections === "short" ? share : 0,
          open: flow.connections === "long" ? 1 : 0,
          requestsPerSecond: protocol === "tcp" ? 0 : share,
          statuses: flow.statuses,
          method: flow.method,
          paths: flow.paths,
          authority: flow.authority,
          resets: flow.resets,
          outboundSeen,
          inboundSeen,
          tlsConnect: tls.connect,
          tlsAccept: tls.accept,
        });
      }
    }
  }
  return links;
}

const label = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(
      ([key, value]) =>
        `${key}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
    )
    .join(",");

/**
 * What Linkerd knows of a pod from the Kubernetes API (pkg/k8s): its owner by its label name (a Job
 * as `k8s_job`, KindToL5DLabel), namespace, pod, pod_template_hash, serviceaccount, and
 * control_plane_ns when meshed. The destination service gives these to proxies as `dst_*` labels,
 * and the tap server adds them to events.
 */
export function podLabels(store: ObjectStore, pod: KubeObject): Record<string, string> {
  const labels: Record<string, string> = {};
  if (proxyContainer(pod) !== undefined) labels.control_plane_ns = "linkerd";
  const owner = ownerOf(store, pod);
  if (owner !== undefined)
    labels[owner.kind === "Job" ? "k8s_job" : owner.kind.toLowerCase()] = owner.name;
  labels.namespace = pod.metadata.namespace ?? "default";
  labels.pod = pod.metadata.name;
  const hash = pod.metadata.labels?.["pod-template-hash"];
  if (hash !== undefined) labels.pod_template_hash = hash;
  labels.serviceaccount =
    (pod.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? "default";
  return labels;
}

/** The destination metadata the proxy gets from Linkerd's destination service (`dst_*`, sorted). */
export function destinationLabels(store: ObjectStore, link: Link): Record<string, string> {
  const labels: Record<string, string> = {
    ...podLabels(store, link.destination.pod),
    ...(link.service === undefined ? {} : { service: link.service.name }),
  };
  return Object.fromEntries(
    Object.keys(labels)
      .sort()
      .map((key) => [`dst_${key}`, labels[key] as string]),
  );
}

interface Counters {
  elapsedSeconds: number;
}

/** One family's `# HELP`/`# TYPE` and samples. */
function family(name: string, type: string, help: string, samples: string[]): string[] {
  return samples.length === 0
    ? []
    : [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples];
}

/**
 * The transport and HTTP families of one pod's proxy for the links it takes part in, in the legacy
 * text format linkerd2-proxy writes them.
 */
export function trafficMetrics(
  store: ObjectStore,
  pod: KubeObject,
  links: readonly Link[],
  { elapsedSeconds }: Counters,
): string[] {
  const mine = (l: Link) => l.source.pod === pod && l.outboundSeen;
  const theirs = (l: Link) => l.destination.pod === pod && l.inboundSeen;
  const rows: Array<{ labels: Record<string, string>; link: Link }> = [];
  for (const link of links) {
    const target = {
      target_addr: `${link.destination.ip}:${link.targetPort}`,
      target_ip: link.destination.ip,
      target_port: String(link.targetPort),
    };
    if (mine(link)) {
      const authority: Record<string, string> = link.service
        ? {
            authority: `${link.service.name}.${link.service.namespace}.svc.cluster.local:${link.service.port}`,
          }
        : {};
      rows.push({
        link,
        labels: {
          direction: "outbound",
          peer: "dst",
          ...authority,
          ...target,
          ...link.tlsConnect,
          ...destinationLabels(store, link),
        },
      });
    }
    if (theirs(link)) {
      rows.push({
        link,
        labels: {
          direction: "inbound",
          peer: "src",
          ...target,
          ...link.tlsAccept,
          srv_group: "",
          srv_kind: "default",
          srv_name: "all-unauthenticated",
          srv_port: String(link.targetPort),
        },
      });
    }
  }
  const opened = (l: Link) => l.open + Math.floor(l.connectionsPerSecond * elapsedSeconds);
  const requests = (l: Link) => Math.floor(l.requestsPerSecond * elapsedSeconds);
  const bytes = (l: Link, per: number) => (opened(l) + requests(l)) * per;
  const lines = (
    value: (row: (typeof rows)[number]) => number,
    extra: Record<string, string> = {},
  ) => rows.map((row) => `{${label({ ...row.labels, ...extra })}} ${value(row)}`);
  const named = (name: string, body: string[]) => body.map((line) => `${name}${line}`);
  const http = rows.filter((row) => row.link.protocol !== "tcp");
  const httpLabels = (row: (typeof rows)[number]) => {
    const { peer: _peer, ...rest } = row.labels;
    return rest;
  };
  return [
    ...family(
      "tcp_open_total",
      "counter",
      "Total count of opened connections",
      named(
        "tcp_open_total",
        lines((row) => opened(row.link)),
      ),
    ),
    ...family(
      "tcp_open_connections",
      "gauge",
      "Number of currently-open connections",
      named(
        "tcp_open_connections",
        lines((row) => row.link.open),
      ),
    ),
    ...family(
      "tcp_read_bytes_total",
      "counter",
      "Total count of bytes read from peers",
      named(
        "tcp_read_bytes_total",
        lines((row) => bytes(row.link, 420)),
      ),
    ),
    ...family(
      "tcp_write_bytes_total",
      "counter",
      "Total count of bytes written to peers",
      named(
        "tcp_write_bytes_total",
        lines((row) => bytes(row.link, 180)),
      ),
    ),
    ...family(
      "tcp_close_total",
      "counter",
      "Total count of closed connections",
      named(
        "tcp_close_total",
        lines((row) => opened(row.link) - row.link.open, { errno: "" }),
      ),
    ),
    ...family(
      "request_total",
      "counter",
      "Total count of HTTP requests.",
      http.map((row) => `request_total{${label(httpLabels(row))}} ${requests(row.link)}`),
    ),
    ...family(
      "response_total",
      "counter",
      "Total count of HTTP responses.",
      http.flatMap((row) =>
        row.link.statuses.map(({ status, share }) => {
          const grpc = row.link.protocol === "grpc";
          // gRPC answers HTTP 200 and carries its own status; a code other than OK is a failure.
          const httpStatus = grpc ? 200 : status || 200;
          const grpcStatus = grpc ? status : undefined;
          const failed = grpc ? grpcStatus !== 0 : httpStatus >= 500;
          return `response_total{${label({
            ...httpLabels(row),
            status_code: String(httpStatus),
            classification: failed ? "failure" : "success",
            grpc_status: grpcStatus === undefined ? "" : String(grpcStatus),
            error: "",
          })}} ${Math.floor(requests(row.link) * share)}`;
        }),
      ),
    ),
  ];
}
