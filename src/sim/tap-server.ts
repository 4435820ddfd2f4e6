// linkerd-viz's tap server, behind the simulated API server's aggregated API `tap.linkerd.io/v1alpha1`
// (linkerd-facts.md 3.2): it decodes the TapByResourceRequest, rejects one that does not match the
// URL, finds the meshed pods of the target, and streams length-prefixed TapEvents made from the
// traffic model, as each tapped proxy would see its requests (inbound and outbound), filtered by
// the request's matches and limited by maxRps as the real server splits it over the pods.
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import { decodeTapRequest, encodeApiError, TapMessages, tapPath } from "../tap/protocol.js";
import { podIdentity } from "./pod-proxy.js";
import { authorize, type UserInfo } from "./rbac.js";
import type { KubeObject, ObjectStore } from "./store.js";
import type { TapFault } from "./tap-faults.js";
import { destinationLabels, type Link, ownerOf, podLabels } from "./traffic.js";

export type { TapFault } from "./tap-faults.js";

export interface TapServerOptions {
  store: ObjectStore;
  linksOf: (pod: KubeObject) => readonly Link[];
  fault?: TapFault;
  /** Framed TapEvents to send, once, instead of the traffic's (tests replaying recorded streams). */
  replay?: Uint8Array;
}

const PREFIX = "/apis/tap.linkerd.io/v1alpha1";
const TYPES = [
  "cronjob",
  "daemonset",
  "deployment",
  "job",
  "namespace",
  "pod",
  "replicaset",
  "replicationcontroller",
  "statefulset",
];

/** A length-prefixed frame (4-byte little-endian length, then the message). */
function frame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(message.length);
  return Buffer.concat([head, message]);
}

/**
 * The tap server's error: the `linkerd-error` header (the status' text) and one ApiError frame with
 * the message (pkg/protohttp WriteErrorToHTTPResponse).
 */
function tapError(response: ServerResponse, status: number, message: string): void {
  const body = frame(encodeApiError(message));
  response.writeHead(status, {
    "content-type": "application/octet-stream",
    "linkerd-error": STATUS_CODES[status] ?? String(status),
    "content-length": body.length,
  });
  response.end(body);
}

/** The tap server's own refusals before streaming: a JSON `{"error": ...}` (renderJSONError). */
function jsonError(response: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

/** Kinds of the tap targets and how the API server qualifies them in errors. */
const TARGET_KINDS: Record<string, { apiVersion: string; kind: string; qualified: string }> = {
  cronjob: { apiVersion: "batch/v1", kind: "CronJob", qualified: "cronjobs.batch" },
  daemonset: { apiVersion: "apps/v1", kind: "DaemonSet", qualified: "daemonsets.apps" },
  deployment: { apiVersion: "apps/v1", kind: "Deployment", qualified: "deployments.apps" },
  job: { apiVersion: "batch/v1", kind: "Job", qualified: "jobs.batch" },
  namespace: { apiVersion: "v1", kind: "Namespace", qualified: "namespaces" },
  pod: { apiVersion: "v1", kind: "Pod", qualified: "pods" },
  replicaset: { apiVersion: "apps/v1", kind: "ReplicaSet", qualified: "replicasets.apps" },
  replicationcontroller: {
    apiVersion: "v1",
    kind: "ReplicationController",
    qualified: "replicationcontrollers",
  },
  statefulset: { apiVersion: "apps/v1", kind: "StatefulSet", qualified: "statefulsets.apps" },
};

function ipv4(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0) >>> 0;
}

/** The `tls` label of a tap event side: "true", or the reason itself (linkerd-facts.md 3.3). */
function tlsLabels(labels: Record<string, string>, idKey: "client_id" | "server_id") {
  if (labels.tls === "true") return { tls: "true", [idKey]: labels[idKey] ?? "" };
  return { tls: labels.no_tls_reason ?? labels.tls ?? "" };
}

interface Matcher {
  destinations: Array<{ namespace: string; type: string; name: string }>;
  scheme?: string;
  method?: string;
  authority?: string;
  path?: string;
}

function matcherOf(request: ReturnType<typeof decodeTapRequest>): Matcher {
  const matcher: Matcher = { destinations: [] };
  for (const match of request.match?.all?.matches ?? []) {
    const resource = match.destinations?.resource;
    if (resource)
      matcher.destinations.push({
        namespace: resource.namespace ?? "",
        type: resource.type ?? "",
        name: resource.name ?? "",
      });
    const http = match.http;
    if (http?.scheme) matcher.scheme = http.scheme;
    if (http?.method) matcher.method = http.method;
    if (http?.authority) matcher.authority = http.authority;
    if (http?.path) matcher.path = http.path;
  }
  return matcher;
}

/** Pods of the target: the workload's, the pod, or the namespace's; meshed and Running. */
function targetPods(
  store: ObjectStore,
  type: string,
  namespace: string,
  name: string,
  selector: string,
) {
  const ns = type === "namespace" ? name : namespace;
  const wanted = selector
    .split(",")
    .filter(Boolean)
    .map((term) => term.split("=") as [string, string]);
  return store
    .list({ apiVersion: "v1", kind: "Pod" }, ns)
    .filter((pod) => (pod.status as { phase?: string } | undefined)?.phase === "Running")
    .filter((pod) => podIdentity(pod) !== undefined)
    .filter((pod) => wanted.every(([key, value]) => pod.metadata.labels?.[key] === value))
    .filter((pod) => {
      if (type === "namespace") return true;
      if (type === "pod") return pod.metadata.name === name;
      const owner = ownerOf(store, pod);
      return owner?.kind.toLowerCase() === type && owner.name === name;
    });
}

/** One request's three events, as the tapped proxy sees it. */
interface Exchange {
  link: Link;
  direction: 1 | 2;
}

export class TapServer {
  private readonly options: TapServerOptions;

  constructor(options: TapServerOptions) {
    this.options = options;
  }

  /** linkerd-viz's APIService, which makes the API server pass tap requests here. */
  private apiService(): KubeObject | undefined {
    return this.options.store.get(
      { apiVersion: "apiregistration.k8s.io/v1", kind: "APIService" },
      undefined,
      "v1alpha1.tap.linkerd.io",
    );
  }

  /** The API server's group list with tap.linkerd.io in it, while its APIService is registered. */
  withGroup(groups: unknown): unknown {
    const list = groups as { groups: unknown[] };
    if (this.apiService() === undefined) return groups;
    const version = { groupVersion: "tap.linkerd.io/v1alpha1", version: "v1alpha1" };
    return {
      ...list,
      groups: [
        ...list.groups,
        { name: "tap.linkerd.io", versions: [version], preferredVersion: version },
      ],
    };
  }

  /** Serves `request` when it is for the tap API; false otherwise. */
  async handle(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    user: UserInfo,
  ): Promise<boolean> {
    if (!path.startsWith(PREFIX)) return false;
    const service = this.apiService();
    const available = (
      service?.status as { conditions?: Array<{ type: string; status: string }> } | undefined
    )?.conditions?.some((c) => c.type === "Available" && c.status === "True");
    if (service === undefined) return false; // the API server's own 404
    if (!available) {
      const body = JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        message: "service unavailable",
        reason: "ServiceUnavailable",
        code: 503,
      });
      response.writeHead(503, { "content-type": "application/json" }).end(body);
      return true;
    }
    if (path === PREFIX && request.method === "GET") {
      const body = JSON.stringify({
        kind: "APIResourceList",
        apiVersion: "v1",
        groupVersion: "tap.linkerd.io/v1alpha1",
        resources: TYPES.map((type) => ({
          name: `${type}s/tap`,
          namespaced: type !== "namespace",
          kind: "Tap",
          verbs: ["watch"],
        })),
      });
      response.writeHead(200, { "content-type": "application/json" }).end(body);
      return true;
    }
    const match =
      /^\/apis\/tap\.linkerd\.io\/v1alpha1\/watch\/namespaces\/([^/]+)(?:\/([a-z]+)s\/([^/]+))?\/tap$/.exec(
        path,
      );
    if (match === null || request.method !== "POST") {
      tapError(response, 404, `unknown tap path ${path}`);
      return true;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let tap: ReturnType<typeof decodeTapRequest>;
    try {
      tap = decodeTapRequest(Buffer.concat(chunks));
    } catch (error) {
      tapError(response, 400, `cannot decode the tap request: ${(error as Error).message}`);
      return true;
    }
    const resource = tap.target?.resource;
    const target = {
      type: resource?.type ?? "",
      name: resource?.name ?? "",
      namespace: resource?.namespace ?? "",
    };
    if (tapPath(target) !== path) {
      tapError(response, 400, "tap request body did not match APIServer URL");
      return true;
    }
    // The tap server's own SubjectAccessReview of the user the API server passes on (handlers.go):
    // watch on the target's `tap` subresource in tap.linkerd.io.
    const review = {
      kind: "resource" as const,
      verb: "watch",
      group: "tap.linkerd.io",
      resource: `${target.type}s`,
      subresource: "tap",
      namespace: target.type === "namespace" ? target.name : target.namespace,
      name: target.type === "namespace" ? undefined : target.name,
    };
    if (
      this.options.fault === "forbidden" ||
      (user.groups.includes("system:masters")
        ? false
        : !authorize(this.options.store, user, review))
    ) {
      jsonError(
        response,
        403,
        `tap authorization failed (not authorized to access ${target.type}s.tap.linkerd.io), visit https://linkerd.io/tap-rbac for more information`,
      );
      return true;
    }
    // GetObjects: a target that does not exist is the API's NotFound, in its words.
    const kind = TARGET_KINDS[target.type];
    if (
      kind !== undefined &&
      this.options.store.get(
        kind,
        target.type === "namespace" ? undefined : target.namespace,
        target.name,
      ) === undefined
    ) {
      tapError(response, 404, `${kind.qualified} "${target.name}" not found`);
      return true;
    }
    const pods = targetPods(
      this.options.store,
      target.type,
      target.namespace,
      target.name,
      tap.target?.labelSelector ?? "",
    );
    if (pods.length === 0) {
      tapError(response, 404, `no pods to tap for ${target.type}/${target.name}`);
      return true;
    }
    if (this.options.replay !== undefined) {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.end(this.options.replay);
      return true;
    }
    this.stream(response, pods, tap);
    return true;
  }

  private stream(
    response: ServerResponse,
    pods: KubeObject[],
    tap: ReturnType<typeof decodeTapRequest>,
  ): void {
    const matcher = matcherOf(tap);
    const headers = tap.extract?.http?.headers != null;
    const maxRps = tap.maxRps || 100;
    // Split over the pods, at least 1 each, per one-second window (viz/tap/api/grpc_server.go).
    const perPod = Math.max(1, Math.floor(maxRps / pods.length));
    const exchanges = pods.flatMap((pod) =>
      this.options.linksOf(pod).flatMap((link): Exchange[] => {
        if (link.requestsPerSecond === 0) return [];
        const out: Exchange[] = [];
        if (link.source.pod === pod && link.outboundSeen && this.matches(link, matcher, true))
          out.push({ link, direction: 2 });
        if (link.destination.pod === pod && link.inboundSeen && this.matches(link, matcher, false))
          out.push({ link, direction: 1 });
        return out;
      }),
    );
    response.writeHead(200, { "content-type": "application/octet-stream" });
    let connection = 0;
    const credit = new Map<Exchange, number>();
    const sent = new Map<KubeObject, number>();
    let events = 0;
    const tickMs = this.options.fault === "slow" ? 500 : 50;
    let window = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - window >= 1000) {
        window = Date.now();
        sent.clear();
      }
      for (const exchange of exchanges) {
        const pod =
          exchange.direction === 2 ? exchange.link.source.pod : exchange.link.destination.pod;
        let c = (credit.get(exchange) ?? 0) + (exchange.link.requestsPerSecond * tickMs) / 1000;
        while (c >= 1 && (sent.get(pod) ?? 0) < perPod) {
          c -= 1;
          sent.set(pod, (sent.get(pod) ?? 0) + 1);
          connection += 1;
          for (const event of this.events(exchange, connection, headers, matcher.path)) {
            response.write(frame(event));
            events += 1;
            if (this.options.fault === "error-midstream" && events === 3) {
              // After events were streamed the headers are gone: the error comes as one more frame.
              response.end(frame(encodeApiError("simulated tap server failure")));
              clearInterval(timer);
              return;
            }
            if (this.options.fault === "cut-midframe" && events === 3) {
              const next = frame(event);
              // Cut once what came before has left: the client gets whole frames, then half of one.
              response.write(next.subarray(0, Math.floor(next.length / 2)), () =>
                setTimeout(() => response.socket?.destroy(), 20),
              );
              clearInterval(timer);
              return;
            }
          }
        }
        credit.set(exchange, Math.min(c, 5));
      }
    }, tickMs);
    response.on("close", () => clearInterval(timer));
  }

  private matches(link: Link, matcher: Matcher, outbound: boolean): boolean {
    if (matcher.destinations.length > 0) {
      // The proxy matches its destination labels: only outbound events have them.
      if (!outbound) return false;
      const ok = matcher.destinations.some((d) => {
        // A namespace destination is the label `namespace=NAME` (destinationLabels in
        // viz/tap/api/grpc_server.go): every request to a pod in it.
        if (d.type === "namespace") return link.destination.namespace === d.name;
        if (d.namespace !== "" && d.namespace !== link.destination.namespace) return false;
        if (d.type === "service") return link.service?.name === d.name;
        if (d.type === "pod") return link.destination.pod.metadata.name === d.name;
        const owner = ownerOf(this.options.store, link.destination.pod);
        return owner?.kind.toLowerCase() === d.type && owner.name === d.name;
      });
      if (!ok) return false;
    }
    if (matcher.method !== undefined && matcher.method.toUpperCase() !== link.method) return false;
    if (matcher.scheme !== undefined && matcher.scheme.toUpperCase() !== "HTTP") return false;
    if (matcher.authority !== undefined && matcher.authority !== authorityOf(link)) return false;
    if (matcher.path !== undefined && !link.paths.some((p) => p.startsWith(matcher.path as string)))
      return false;
    return true;
  }

  /** req, rsp and end of one request on its own connection. */
  private events(
    exchange: Exchange,
    n: number,
    withHeaders: boolean,
    pathPrefix?: string,
  ): Uint8Array[] {
    const { link, direction } = exchange;
    const store = this.options.store;
    const source = { ip: { ipv4: ipv4(link.source.ip) }, port: 40000 + (n % 20000) };
    const destination = { ip: { ipv4: ipv4(link.destination.ip) }, port: link.targetPort };
    const sourceLabels =
      direction === 1
        ? { ...podLabels(store, link.source.pod), ...tlsLabels(link.tlsAccept, "client_id") }
        : podLabels(store, link.source.pod);
    const destinationLabelsOf =
      direction === 2
        ? {
            ...Object.fromEntries(
              Object.entries(destinationLabels(store, link)).map(([k, v]) => [
                k.replace(/^dst_/, ""),
                v,
              ]),
            ),
            ...tlsLabels(link.tlsConnect, "server_id"),
          }
        : podLabels(store, link.destination.pod);
    // With a path match, only the paths it lets through (the proxy filters each request).
    const paths = link.paths.filter((p) => pathPrefix === undefined || p.startsWith(pathPrefix));
    const path = paths[n % paths.length] ?? "/";
    const grpc = link.protocol === "grpc";
    const status = pickStatus(link, n);
    const latencyNanos = 800_000 + ((n * 7919) % 9_000_000);
    const id = { base: n, stream: 0 };
    const base = {
      source,
      destination,
      sourceMeta: { labels: sourceLabels },
      destinationMeta: { labels: destinationLabelsOf },
      proxyDirection: direction,
    };
    const header = (name: string, value: string) => ({ name, valueStr: value });
    const encode = (http: object) => TapMessages.TapEvent.encode({ ...base, http }).finish();
    const registered = [
      "GET",
      "POST",
      "PUT",
      "DELETE",
      "PATCH",
      "OPTIONS",
      "CONNECT",
      "HEAD",
      "TRACE",
    ].indexOf(link.method);
    const request = encode({
      requestInit: {
        id,
        method: registered >= 0 ? { registered } : { unregistered: link.method },
        scheme: { registered: 0 },
        authority: authorityOf(link),
        path,
        ...(withHeaders
          ? {
              headers: {
                headers: [
                  header("user-agent", grpc ? "grpc-go/1.64.0" : "Go-http-client/1.1"),
                  ...(grpc ? [header("content-type", "application/grpc")] : []),
                ],
              },
            }
          : {}),
      },
    });
    // A reset stream ends without a response: its end carries the HTTP/2 error code (CANCEL).
    if ((n * 0.7548776662466927) % 1 < link.resets)
      return [
        request,
        encode({
          responseEnd: {
            id,
            sinceRequestInit: { seconds: 0, nanos: latencyNanos },
            sinceResponseInit: {},
            responseBytes: 0,
            eos: { resetErrorCode: 8 },
          },
        }),
      ];
    return [
      request,
      encode({
        responseInit: {
          id,
          sinceRequestInit: { seconds: 0, nanos: latencyNanos },
          httpStatus: grpc ? 200 : status || 200,
          ...(withHeaders
            ? {
                headers: {
                  headers: [header("content-type", grpc ? "application/grpc" : "application/json")],
                },
              }
            : {}),
        },
      }),
      encode({
        responseEnd: {
          id,
          sinceRequestInit: { seconds: 0, nanos: latencyNanos + 120_000 },
          sinceResponseInit: { seconds: 0, nanos: 120_000 },
          responseBytes: grpc ? 32 + (n % 200) : 512 + (n % 4096),
          ...(grpc ? { eos: { grpcStatusCode: status } } : {}),
          ...(withHeaders && grpc
            ? { trailers: { headers: [header("grpc-status", String(status))] } }
            : {}),
        },
      }),
    ];
  }
}

function authorityOf(link: Link): string {
  if (link.authority !== undefined) return link.authority;
  return link.service
    ? `${link.service.name}.${link.service.namespace}.svc.cluster.local:${link.service.port}`
    : `${link.destination.ip}:${link.targetPort}`;
}

/** The n-th request's status, following the flow's mix. */
function pickStatus(link: Link, n: number): number {
  const at = (((n * 0.618033988749895) % 1) + 1) % 1;
  let sum = 0;
  for (const { status, share } of link.statuses) {
    sum += share;
    if (at < sum) return status;
  }
  return link.statuses.at(-1)?.status ?? 0;
}
