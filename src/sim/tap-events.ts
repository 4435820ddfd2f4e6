// What the tapped proxies see of the traffic model: which requests a tap's matches let through,
// and each request's req, rsp and end events as TapEvent messages (linkerd-facts.md 3.3).
import { type decodeTapRequest, TapMessages } from "../shared/tap-protocol.js";
import type { ObjectStore } from "./store.js";
import { destinationLabels, ownerOf, podLabels } from "./traffic/labels.js";
import type { Link } from "./traffic/links.js";

function ipv4(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0) >>> 0;
}

/** The `tls` label of a tap event side: "true", or the reason itself (linkerd-facts.md 3.3). */
function tlsLabels(labels: Record<string, string>, idKey: "client_id" | "server_id") {
  if (labels.tls === "true") return { tls: "true", [idKey]: labels[idKey] ?? "" };
  return { tls: labels.no_tls_reason ?? labels.tls ?? "" };
}

export interface Matcher {
  destinations: Array<{ namespace: string; type: string; name: string }>;
  scheme?: string;
  method?: string;
  authority?: string;
  path?: string;
}

export function matcherOf(request: ReturnType<typeof decodeTapRequest>): Matcher {
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

/** One request's three events, as the tapped proxy sees it. */
export interface Exchange {
  link: Link;
  direction: 1 | 2;
}

export function matches(
  store: ObjectStore,
  link: Link,
  matcher: Matcher,
  outbound: boolean,
): boolean {
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
      const owner = ownerOf(store, link.destination.pod);
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
export function exchangeEvents(
  store: ObjectStore,
  exchange: Exchange,
  n: number,
  withHeaders: boolean,
  pathPrefix?: string,
): Uint8Array[] {
  const { link, direction } = exchange;
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
