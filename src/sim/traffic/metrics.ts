// The transport and HTTP families of one pod's proxy, derived from the links it takes part in.
import type { KubeObject, ObjectStore } from "../store.js";
import { destinationLabels } from "./labels.js";
import type { Link } from "./links.js";

/** A label set in the text format, values escaped. */
const label = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(
      ([key, value]) =>
        `${key}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
    )
    .join(",");
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
