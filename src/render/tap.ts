// `meshlens tap` output: Linkerd's text, wide, JSON and JSONPath (viz/cmd/tap.go renderTapEvent),
// and meshlens' JSON Lines. Everything from the cluster or a proxy is escaped.
import type { Duration, Endpoint, HttpEvent, TapEvent, TapHeader } from "../tap/types.js";
import { escapeControl } from "./escape.js";

/** Go's codes.Code(n).String(). */
const GRPC_CODES = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
];

export function grpcCodeName(code: number): string {
  return GRPC_CODES[code] ?? `Code(${code})`;
}

/** Whole microseconds, truncated (Go's Duration.Microseconds()). */
function micros(duration: Duration | undefined): number {
  if (duration === undefined) return 0;
  return duration.seconds * 1_000_000 + Math.trunc(duration.nanos / 1000);
}

/** net.JoinHostPort: IPv6 in brackets; an unset address is an empty host. */
function address(endpoint: Endpoint): string {
  const host = endpoint.ip.includes(":") ? `[${endpoint.ip}]` : endpoint.ip;
  return `${host}:${endpoint.port}`;
}

/** The `tls=` of an event: the source's for inbound, the destination's for outbound. */
export function tlsOf(event: TapEvent): string {
  if (event.direction === "INBOUND") return event.source.labels.tls ?? "";
  if (event.direction === "OUTBOUND") return event.destination.labels.tls ?? "";
  return "";
}

function flow(event: TapEvent): string {
  const proxy =
    event.direction === "INBOUND" ? "in " : event.direction === "OUTBOUND" ? "out" : "???";
  return `proxy=${proxy} src=${address(event.source)} dst=${address(event.destination)} tls=${escapeControl(tlsOf(event))}`;
}

function httpText(http: HttpEvent, flowText: string): string {
  const id = `id=${http.id.base}:${http.id.stream}`;
  switch (http.kind) {
    case "request":
      return `req ${id} ${flowText} :method=${escapeControl(http.method)} :authority=${escapeControl(http.authority)} :path=${escapeControl(http.path)}`;
    case "response":
      return `rsp ${id} ${flowText} :status=${http.httpStatus} latency=${micros(http.sinceRequestInit)}µs`;
    case "end": {
      const tail = `duration=${micros(http.sinceResponseInit)}µs response-length=${http.responseBytes}B`;
      if (http.eos === undefined) return `end ${id} ${flowText} ${tail}`;
      return "grpcStatusCode" in http.eos
        ? `end ${id} ${flowText} grpc-status=${grpcCodeName(http.eos.grpcStatusCode)} ${tail}`
        : `end ${id} ${flowText} reset-error=${http.eos.resetErrorCode} ${tail}`;
    }
  }
}

/** One event as Linkerd's text line (with `wide`, then its labels), ending in a line break. */
export function renderTapText(event: TapEvent, wide: boolean): string {
  const flowText = flow(event);
  let line = event.http === undefined ? `unknown ${flowText}` : httpText(event.http, flowText);
  if (wide) {
    const labels = (prefix: string, record: Record<string, string>, sorted: boolean) => {
      const keys = sorted ? Object.keys(record).sort() : Object.keys(record);
      return keys
        .map((key) => ` ${prefix}_${escapeControl(key)}=${escapeControl(record[key] ?? "")}`)
        .join("");
    };
    line += labels("src", event.source.labels, true);
    line += labels("dst", event.destination.labels, true);
    line += labels("rt", event.routeLabels ?? {}, false);
  }
  return `${line}\n`;
}

function headersJson(headers: TapHeader[] | undefined) {
  if (headers === undefined) return null;
  return headers.map((h) =>
    "str" in h.value
      ? { name: h.name, valueStr: h.value.str }
      : { name: h.name, valueBin: Buffer.from(h.value.bin).toString("base64") },
  );
}

/** Go's encoding/json of a protobuf Duration struct: zero fields are omitted. */
function durationJson(duration: Duration | undefined) {
  if (duration === undefined) return null;
  return {
    ...(duration.seconds !== 0 ? { seconds: duration.seconds } : {}),
    ...(duration.nanos !== 0 ? { nanos: duration.nanos } : {}),
  };
}

/** Go maps marshal with their keys sorted. */
function labelsJson(labels: Record<string, string>) {
  // Go's protobuf structs: metadata the proxy did not set (no labels) marshal as null.
  if (Object.keys(labels).length === 0) return null;
  return Object.fromEntries(
    Object.keys(labels)
      .sort()
      .map((key) => [key, labels[key]]),
  );
}

/** The object Linkerd's `-o json` prints for an event (its tapEvent struct). */
export function tapEventObject(event: TapEvent): Record<string, unknown> {
  const endpoint = (e: Endpoint) => ({ ip: e.ip, port: e.port, metadata: labelsJson(e.labels) });
  const object: Record<string, unknown> = {
    source: endpoint(event.source),
    destination: endpoint(event.destination),
    routeMeta: labelsJson(event.routeLabels ?? {}),
    proxyDirection: event.direction,
  };
  const http = event.http;
  if (http?.kind === "request")
    object.requestInitEvent = {
      id: http.id,
      method: http.method,
      scheme: http.scheme,
      authority: http.authority,
      path: http.path,
      headers: headersJson(http.headers),
    };
  else if (http?.kind === "response")
    object.responseInitEvent = {
      id: http.id,
      sinceRequestInit: durationJson(http.sinceRequestInit),
      httpStatus: http.httpStatus,
      headers: headersJson(http.headers),
    };
  else if (http?.kind === "end")
    object.responseEndEvent = {
      id: http.id,
      sinceRequestInit: durationJson(http.sinceRequestInit),
      sinceResponseInit: durationJson(http.sinceResponseInit),
      responseBytes: http.responseBytes,
      trailers: headersJson(http.trailers),
      ...(http.eos && "grpcStatusCode" in http.eos && http.eos.grpcStatusCode !== 0
        ? { grpcStatusCode: http.eos.grpcStatusCode }
        : {}),
      ...(http.eos && "resetErrorCode" in http.eos && http.eos.resetErrorCode !== 0
        ? { resetErrorCode: http.eos.resetErrorCode }
        : {}),
    };
  return object;
}

/** `-o json`: json.MarshalIndent(event, "", "  ") and a line break, per event. */
export function renderTapJson(event: TapEvent): string {
  return `${JSON.stringify(tapEventObject(event), null, 2)}\n`;
}

/** `-o jsonl` (meshlens'): one compact object per line, for jq on a live stream. */
export function renderTapJsonLine(event: TapEvent): string {
  return `${JSON.stringify(tapEventObject(event))}\n`;
}
