// The tap protocol as the CLI uses it: its request built from a TapQuery, and each TapEvent read
// into meshlens' own shape (tap/types.ts). The messages and framing are shared/tap-protocol.ts'.
import $protobuf from "protobufjs/minimal.js";
import { linkerd2 } from "../shared/generated/tap-proto.js";
import type {
  Direction,
  Duration,
  Endpoint,
  HttpEvent,
  TapEvent,
  TapHeader,
  TapQuery,
} from "./types.js";

const Tap = linkerd2.tap;

/** The proto enum values' names (HttpMethod.Registered, Scheme.Registered). */
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "HEAD", "TRACE"];
const SCHEMES = ["HTTP", "HTTPS"];
const DIRECTIONS: Direction[] = ["UNKNOWN", "INBOUND", "OUTBOUND"];

/** TapByResourceRequest, as linkerd2 viz/tap/pkg BuildTapByResourceRequest builds it. */
export function encodeTapRequest(query: TapQuery): Uint8Array {
  const matches: linkerd2.tap.TapByResourceRequest.Match.$Properties[] = [];
  if (query.to !== undefined)
    matches.push({
      destinations: {
        resource: { namespace: query.to.namespace, type: query.to.type, name: query.to.name },
      },
    });
  for (const [field, value] of [
    ["scheme", query.scheme],
    ["method", query.method],
    ["authority", query.authority],
    ["path", query.path],
  ] as const) {
    if (value !== "") matches.push({ http: { [field]: value } });
  }
  return Tap.TapByResourceRequest.encode({
    target: {
      resource: {
        namespace: query.target.namespace,
        type: query.target.type,
        name: query.target.name,
      },
      labelSelector: query.labelSelector,
    },
    maxRps: query.maxRps,
    match: { all: { matches } },
    extract: query.extractHeaders ? { http: { headers: {} } } : {},
  }).finish();
}

function ipOf(address: linkerd2.common.net.ITcpAddress | null | undefined): string {
  const ip = address?.ip;
  if (ip?.ipv4 != null && ip.ipv4 !== 0) {
    const v = ip.ipv4 >>> 0;
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  if (ip?.ipv6 != null) {
    const bytes = Buffer.alloc(16);
    bytes.writeBigUInt64BE(BigInt.asUintN(64, BigInt(ip.ipv6.first ?? 0)), 0);
    bytes.writeBigUInt64BE(BigInt.asUintN(64, BigInt(ip.ipv6.last ?? 0)), 8);
    return ipv6Text(bytes);
  }
  return "";
}

/** RFC 5952 text of an IPv6 address (Go's net.IP.String: the longest run of zeros as ::). */
function ipv6Text(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  let best = { at: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > best.length && j - i >= 2) best = { at: i, length: j - i };
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(":");
  if (best.at < 0) return hex(groups);
  return `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.length))}`;
}

function endpointOf(
  address: linkerd2.common.net.ITcpAddress | null | undefined,
  meta: { labels?: Record<string, string> | null } | null | undefined,
): Endpoint {
  return { ip: ipOf(address), port: address?.port ?? 0, labels: { ...(meta?.labels ?? {}) } };
}

function durationOf(
  d: { seconds?: number | null; nanos?: number | null } | null | undefined,
): Duration | undefined {
  return d == null ? undefined : { seconds: Number(d.seconds ?? 0), nanos: d.nanos ?? 0 };
}

function headersOf(h: linkerd2.viz.IHeaders | null | undefined): TapHeader[] | undefined {
  if (h == null) return undefined;
  return (h.headers ?? []).map((header) => ({
    name: header.name ?? "",
    value: header.valueBin != null ? { bin: header.valueBin } : { str: header.valueStr ?? "" },
  }));
}

function httpOf(http: linkerd2.tap.TapEvent.IHttp | null | undefined): HttpEvent | undefined {
  const id = (s: linkerd2.tap.TapEvent.Http.IStreamId | null | undefined) => ({
    base: s?.base ?? 0,
    stream: Number(s?.stream ?? 0),
  });
  if (http?.requestInit != null) {
    const r = http.requestInit;
    return {
      kind: "request",
      id: id(r.id),
      method: r.method?.unregistered || METHODS[r.method?.registered ?? 0] || "GET",
      scheme: r.scheme?.unregistered || SCHEMES[r.scheme?.registered ?? 0] || "HTTP",
      authority: r.authority ?? "",
      path: r.path ?? "",
      headers: headersOf(r.headers),
    };
  }
  if (http?.responseInit != null) {
    const r = http.responseInit;
    return {
      kind: "response",
      id: id(r.id),
      sinceRequestInit: durationOf(r.sinceRequestInit),
      httpStatus: r.httpStatus ?? 0,
      headers: headersOf(r.headers),
    };
  }
  if (http?.responseEnd != null) {
    const r = http.responseEnd;
    const eos = r.eos;
    return {
      kind: "end",
      id: id(r.id),
      sinceRequestInit: durationOf(r.sinceRequestInit),
      sinceResponseInit: durationOf(r.sinceResponseInit),
      responseBytes: Number(r.responseBytes ?? 0),
      eos:
        eos?.grpcStatusCode != null
          ? { grpcStatusCode: eos.grpcStatusCode }
          : eos?.resetErrorCode != null
            ? { resetErrorCode: eos.resetErrorCode }
            : undefined,
      trailers: headersOf(r.trailers),
    };
  }
  return undefined;
}

/**
 * A TapEvent for outputs that print only the `tls` label of the endpoints' metadata (text, and
 * --plaintext): the label maps, about 20 entries an event and most of its bytes, are read with
 * protobufjs' Reader without decoding their strings, keeping `tls` only: decoding every map held
 * the CLI far under tap's goal rate (docs/performance.md).
 */
export function decodeTapEventTlsOnly(bytes: Uint8Array): TapEvent {
  const reader = $protobuf.Reader.create(bytes);
  let source: linkerd2.common.net.TcpAddress | undefined;
  let destination: linkerd2.common.net.TcpAddress | undefined;
  let http: linkerd2.tap.TapEvent.Http | undefined;
  let sourceTls: string | undefined;
  let destinationTls: string | undefined;
  let direction = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case 1:
        source = linkerd2.common.net.TcpAddress.decode(reader, reader.uint32());
        break;
      case 2:
        destination = linkerd2.common.net.TcpAddress.decode(reader, reader.uint32());
        break;
      case 3:
        http = Tap.TapEvent.Http.decode(reader, reader.uint32());
        break;
      case 4:
        destinationTls = tlsLabelOf(reader, reader.uint32());
        break;
      case 5:
        sourceTls = tlsLabelOf(reader, reader.uint32());
        break;
      case 6:
        direction = reader.int32();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  const labels = (tls: string | undefined): Record<string, string> =>
    tls === undefined ? {} : { tls };
  return {
    source: { ip: ipOf(source), port: source?.port ?? 0, labels: labels(sourceTls) },
    destination: {
      ip: ipOf(destination),
      port: destination?.port ?? 0,
      labels: labels(destinationTls),
    },
    routeLabels: undefined,
    direction: DIRECTIONS[direction] ?? "UNKNOWN",
    http: httpOf(http),
  };
}

/** The `tls` value of an EndpointMeta (map<string,string> labels = 1) of `length` bytes. */
function tlsLabelOf(reader: $protobuf.Reader, length: number): string | undefined {
  const end = reader.pos + length;
  const buf = reader.buf;
  let tls: string | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 !== 1) {
      reader.skipType(tag & 7);
      continue;
    }
    // A map entry, as Go writes it: key (field 1), then value (field 2). Only an entry whose key
    // is "tls" is read; the others are stepped over whole.
    const entryEnd = reader.uint32() + reader.pos;
    const at = reader.pos;
    if (
      buf[at] === 0x0a &&
      buf[at + 1] === 3 &&
      buf[at + 2] === 0x74 &&
      buf[at + 3] === 0x6c &&
      buf[at + 4] === 0x73
    ) {
      reader.pos = at + 5;
      tls = "";
      while (reader.pos < entryEnd) {
        const field = reader.uint32();
        if (field >>> 3 === 2) tls = reader.string();
        else reader.skipType(field & 7);
      }
    }
    reader.pos = entryEnd;
  }
  return tls;
}

export function decodeTapEvent(bytes: Uint8Array): TapEvent {
  const event = Tap.TapEvent.decode(bytes);
  return {
    source: endpointOf(event.source, event.sourceMeta),
    destination: endpointOf(event.destination, event.destinationMeta),
    routeLabels:
      event.routeMeta != null && Object.keys(event.routeMeta.labels ?? {}).length > 0
        ? { ...event.routeMeta.labels }
        : undefined,
    direction: DIRECTIONS[event.proxyDirection ?? 0] ?? "UNKNOWN",
    http: httpOf(event.http),
  };
}
