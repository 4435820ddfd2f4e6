// What `meshlens tap` asks for and what it reads: types only.
import type { WorkloadType } from "../k8s/types.js";

/** The targets tap accepts (linkerd2 viz/pkg/util ValidTargets), by their canonical names. */
export type TapResourceType = WorkloadType;

export interface TapTarget {
  type: TapResourceType;
  name: string;
  /** "" for a namespace target (its name is the namespace). */
  namespace: string;
}

/** A tap request, as Linkerd's CLI builds it from its flags (viz/tap/pkg/requests.go). */
export interface TapQuery {
  target: TapTarget;
  labelSelector: string;
  /** --to: another resource, type `service` allowed; namespace "" matches any. */
  to: { type: string; name: string; namespace: string } | undefined;
  maxRps: number;
  scheme: string;
  method: string;
  authority: string;
  path: string;
  /** Headers and trailers are asked for only with -o json. */
  extractHeaders: boolean;
}

export type Direction = "INBOUND" | "OUTBOUND" | "UNKNOWN";

export interface TapHeader {
  name: string;
  value: { str: string } | { bin: Uint8Array };
}

export interface Endpoint {
  ip: string;
  port: number;
  labels: Record<string, string>;
}

export interface StreamId {
  base: number;
  stream: number;
}

/** A protobuf Duration: whole seconds and nanoseconds. */
export interface Duration {
  seconds: number;
  nanos: number;
}

export type HttpEvent =
  | {
      kind: "request";
      id: StreamId;
      method: string;
      scheme: string;
      authority: string;
      path: string;
      headers: TapHeader[] | undefined;
    }
  | {
      kind: "response";
      id: StreamId;
      sinceRequestInit: Duration | undefined;
      httpStatus: number;
      headers: TapHeader[] | undefined;
    }
  | {
      kind: "end";
      id: StreamId;
      sinceRequestInit: Duration | undefined;
      sinceResponseInit: Duration | undefined;
      responseBytes: number;
      eos: { grpcStatusCode: number } | { resetErrorCode: number } | undefined;
      trailers: TapHeader[] | undefined;
    };

/** One TapEvent, decoded into meshlens' own shape. */
export interface TapEvent {
  source: Endpoint;
  destination: Endpoint;
  routeLabels: Record<string, string> | undefined;
  direction: Direction;
  http: HttpEvent | undefined;
}
