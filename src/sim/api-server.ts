// A real HTTPS Kubernetes API server over the simulator's object store: discovery, GET and LIST with
// selectors and paging, Table output for kubectl, and Kubernetes Status errors.

import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { matchesSelector, parseLabelSelector, SelectorError } from "../k8s/label-selector.js";
import { toTable } from "./api-tables.js";
import type { FaultInjector } from "./faults.js";
import { authorize, forbiddenMessage, impersonatedUser, type UserInfo } from "./rbac.js";
import { type RequestInfo, requestInfo } from "./request-info.js";
import {
  groupVersion,
  RESOURCE_TYPES,
  type ResourceType,
  resourceTypeByPlural,
} from "./resources.js";
import { parseFieldSelector } from "./selectors.js";
import type { KubeObject, ObjectStore } from "./store.js";
import type { TapServer } from "./tap-server.js";

export const SIM_USER = "meshlens-sim-user";
export const KUBERNETES_VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0-meshlens-sim" };

/** How the API server reaches pods (the simulated proxies) for port-forward and the proxy subresource. */
export interface PodNetwork {
  /** Connects a port-forward stream to a pod port; returns an error text when it cannot. */
  portForward(namespace: string, pod: string, port: number, socket: Duplex): string | undefined;
  /** Answers `pods/<pod>[:port]/proxy/<path>`; false when nothing listens there. */
  proxyRequest(
    namespace: string,
    pod: string,
    port: number,
    pathAndQuery: string,
    method: string,
    response: ServerResponse,
    /** The client's Accept-Encoding, passed on as the API server passes request headers. */
    acceptEncoding?: string,
  ): Promise<boolean>;
}

export interface ApiServerOptions {
  store: ObjectStore;
  faults: FaultInjector;
  token: string;
  tls: { certPem: string; keyPem: string };
  clock: () => Date;
  host?: string;
  port?: number;
  pods?: PodNetwork;
  /** Upstreams for the service proxy subresource, by `namespace/service:port` (e.g. a real Prometheus). */
  serviceUpstreams?: Map<string, string>;
  /** linkerd-viz's tap server, behind the aggregated API. */
  tap?: TapServer;
}

export interface RequestStats {
  /** Requests by `METHOD path` (no query). */
  byPath: Map<string, number>;
  /** Requests by `METHOD path?query`, as sent: the same read made twice shows here. */
  byRequest: Map<string, number>;
  total: number;
}

export interface ApiServer {
  url: string;
  server: Server;
  stats: RequestStats;
  close(): Promise<void>;
}

interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason: string;
  details?: { name?: string; kind?: string; group?: string };
  code: number;
}

function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: StatusBody["details"],
): StatusBody {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** What a request asks for, parsed from its path. */
type Route =
  | { kind: "discovery"; body: unknown }
  | { kind: "collection"; type: ResourceType; namespace: string | undefined }
  | { kind: "object"; type: ResourceType; namespace: string | undefined; name: string }
  | { kind: "unknown" };

function discoveryRoute(path: string): unknown {
  if (path === "/version")
    return {
      ...KUBERNETES_VERSION,
      platform: "linux/amd64",
      goVersion: "go1.23.0",
      compiler: "gc",
      buildDate: "2026-01-01T00:00:00Z",
      gitCommit: "meshlens",
      gitTreeState: "clean",
    };
  if (path === "/api")
    return {
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }],
    };
  if (path === "/apis") {
    const groups = [...new Set(RESOURCE_TYPES.filter((t) => t.group !== "").map((t) => t.group))];
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: groups.map((group) => {
        const version = RESOURCE_TYPES.find((t) => t.group === group)?.version ?? "v1";
        const gv = { groupVersion: `${group}/${version}`, version };
        return { name: group, versions: [gv], preferredVersion: gv };
      }),
    };
  }
  const resourceList = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (resourceList) {
    const group = resourceList[2] ?? "";
    const version = resourceList[1] ?? resourceList[3] ?? "";
    const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
    if (types.length === 0) return undefined;
    return {
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: groupVersion({ group, version }),
      resources: types.map((t) => ({
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: t.verbs,
        shortNames: t.shortNames.length ? t.shortNames : undefined,
      })),
    };
  }
  return undefined;
}

function route(path: string): Route {
  const discovery = discoveryRoute(path);
  if (discovery !== undefined) return { kind: "discovery", body: discovery };
  const match =
    /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
      path,
    );
  if (!match) return { kind: "unknown" };
  const [, coreVersion, group = "", groupVersionPart, namespace, plural = "", name] = match;
  const version = coreVersion ?? groupVersionPart ?? "";
  // `/api/v1/namespaces/<name>` matches with no namespace, plural "namespaces" and a name.
  const type = resourceTypeByPlural(group, version, plural);
  if (type === undefined) return { kind: "unknown" };
  if (namespace !== undefined && !type.namespaced) return { kind: "unknown" };
  const ns = type.namespaced ? namespace : undefined;
  return name === undefined
    ? { kind: "collection", type, namespace: ns }
    : { kind: "object", type, namespace: ns, name };
}

function wantsTable(request: IncomingMessage): boolean {
  return (request.headers.accept ?? "").includes("as=Table");
}

interface ContinueToken {
  rv: string;
  offset: number;
}

function listKind(type: ResourceType): string {
  return `${type.kind}List`;
}

function serveList(
  store: ObjectStore,
  type: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
  table: boolean,
  now: Date,
) {
  let objects = store.list(type, namespace);
  const labelSelector = query.get("labelSelector");
  if (labelSelector) {
    const selector = parseLabelSelector(labelSelector);
    objects = objects.filter((o) => matchesSelector(selector, o.metadata.labels));
  }
  const fieldSelector = query.get("fieldSelector");
  if (fieldSelector) {
    const matches = parseFieldSelector(fieldSelector);
    objects = objects.filter(matches);
  }
  let offset = 0;
  const continueParam = query.get("continue");
  if (continueParam) {
    const token = JSON.parse(
      Buffer.from(continueParam, "base64url").toString("utf8"),
    ) as ContinueToken;
    offset = token.offset;
  }
  const limit = Number(query.get("limit") ?? "0");
  const page = limit > 0 ? objects.slice(offset, offset + limit) : objects.slice(offset);
  const next = offset + page.length;
  const metadata: Record<string, unknown> = { resourceVersion: store.resourceVersion };
  if (limit > 0 && next < objects.length) {
    metadata.continue = Buffer.from(
      JSON.stringify({ rv: store.resourceVersion, offset: next } satisfies ContinueToken),
    ).toString("base64url");
    metadata.remainingItemCount = objects.length - next;
  }
  if (table) return toTable(type, page, metadata, now);
  return {
    kind: listKind(type),
    apiVersion: groupVersion(type),
    metadata,
    items: page.map((o) => withTypeMeta(o, type)),
  };
}

function withTypeMeta(object: KubeObject, type: ResourceType): KubeObject {
  return { ...object, apiVersion: groupVersion(type), kind: type.kind };
}

function qualifiedResource(type: ResourceType): string {
  return type.group === "" ? type.plural : `${type.plural}.${type.group}`;
}

/** A 403 as kube-apiserver words it, for `user` asking what `info` says. */
function forbidden(user: UserInfo, info: RequestInfo): StatusBody {
  return statusBody(
    403,
    "Forbidden",
    forbiddenMessage(user, info),
    info.kind === "resource"
      ? {
          ...(info.name === undefined ? {} : { name: info.name }),
          group: info.group,
          kind: info.resource,
        }
      : undefined,
  );
}

/** The token's user: like system:masters, never checked against RBAC. */
const TOKEN_USER: UserInfo = { name: SIM_USER, groups: ["system:masters", "system:authenticated"] };

/**
 * Who the request acts as: the token's user, or the user it impersonates (`Impersonate-User`,
 * `Impersonate-Group`, `Impersonate-Uid`, as kubectl --as sends them). The token's user may
 * impersonate anyone; an impersonated user is then held to RBAC.
 */
function effectiveUser(request: IncomingMessage): UserInfo | { error: string } {
  const headers = request.headersDistinct;
  const user = headers["impersonate-user"]?.[0];
  const groups = headers["impersonate-group"] ?? [];
  if (user === undefined)
    return groups.length > 0 || headers["impersonate-uid"] !== undefined
      ? { error: "requested impersonation of groups or a uid without impersonating a user" }
      : TOKEN_USER;
  return impersonatedUser(user, groups);
}

function notFound(path: string): StatusBody {
  const r = route(path);
  if (r.kind === "object") {
    return statusBody(404, "NotFound", `${qualifiedResource(r.type)} "${r.name}" not found`, {
      name: r.name,
      kind: r.type.plural,
      group: r.type.group,
    });
  }
  return statusBody(404, "NotFound", "the server could not find the requested resource");
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const stats: RequestStats = { byPath: new Map(), byRequest: new Map(), total: 0 };
  const send = (response: ServerResponse, code: number, body: unknown) => {
    const text = JSON.stringify(body);
    response.writeHead(code, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(text),
    });
    response.end(text);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "https://sim.invalid");
    const path = decodeURIComponent(url.pathname).replace(/\/+$/, "") || "/";
    stats.total += 1;
    const key = `${request.method} ${path}`;
    stats.byPath.set(key, (stats.byPath.get(key) ?? 0) + 1);
    const asSent = `${request.method} ${request.url}`;
    stats.byRequest.set(asSent, (stats.byRequest.get(asSent) ?? 0) + 1);

    if (request.headers.authorization !== `Bearer ${options.token}`) {
      send(response, 401, statusBody(401, "Unauthorized", "Unauthorized"));
      return;
    }
    const user = effectiveUser(request);
    if ("error" in user) {
      send(response, 500, statusBody(500, "InternalError", user.error));
      return;
    }
    const info = requestInfo(request.method ?? "GET", path, url.searchParams);
    if (user !== TOKEN_USER && !authorize(options.store, user, info)) {
      send(response, 403, forbidden(user, info));
      return;
    }
    for (const fault of options.faults.match(path)) {
      if (fault.kind === "delay") await new Promise((resolve) => setTimeout(resolve, fault.ms));
      if (fault.kind === "drop") {
        request.socket.destroy();
        return;
      }
      if (fault.kind === "status") {
        const bodies = {
          401: statusBody(401, "Unauthorized", "Unauthorized"),
          403: forbidden(user, info),
          404: notFound(path),
          500: statusBody(500, "InternalError", "Internal error occurred: simulated fault"),
        };
        send(response, fault.status, bodies[fault.status]);
        return;
      }
    }
    // linkerd-viz's tap API, aggregated under /apis/tap.linkerd.io (sim/tap-server.ts).
    if (options.tap !== undefined && (await options.tap.handle(request, response, path, user)))
      return;
    const podProxy =
      /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/:]+)(?::(\d+))?\/proxy(\/.*)?$/.exec(path);
    if (podProxy && options.pods) {
      const [, namespace = "", pod = "", port = "4191", rest = "/"] = podProxy;
      const answered = await options.pods.proxyRequest(
        namespace,
        pod,
        Number(port),
        `${rest}${url.search}`,
        request.method ?? "GET",
        response,
        request.headers["accept-encoding"],
      );
      if (!answered)
        send(
          response,
          503,
          statusBody(
            503,
            "ServiceUnavailable",
            "error trying to reach service: dial tcp: connect: connection refused",
          ),
        );
      return;
    }
    const serviceProxy =
      /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/:]+)(?::([^/]+))?\/proxy(\/.*)?$/.exec(path);
    if (serviceProxy) {
      const [, namespace = "", service = "", port = "", rest = "/"] = serviceProxy;
      const upstream = options.serviceUpstreams?.get(`${namespace}/${service}:${port}`);
      if (upstream === undefined) {
        send(
          response,
          503,
          statusBody(503, "ServiceUnavailable", `no endpoints available for service "${service}"`),
        );
        return;
      }
      const forwarded = httpRequest(
        new URL(`${rest}${url.search}`, upstream),
        { method: request.method ?? "GET" },
        (upstreamResponse) => {
          response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(response);
        },
      );
      forwarded.on("error", (error) =>
        send(
          response,
          503,
          statusBody(503, "ServiceUnavailable", `error trying to reach service: ${error.message}`),
        ),
      );
      request.pipe(forwarded);
      return;
    }
    if (request.method !== "GET") {
      send(
        response,
        405,
        statusBody(
          405,
          "MethodNotAllowed",
          `the server does not allow this method on the requested resource`,
        ),
      );
      return;
    }
    const r = route(path);
    const now = options.clock();
    try {
      switch (r.kind) {
        case "discovery":
          send(
            response,
            200,
            path === "/apis" && options.tap ? options.tap.withGroup(r.body) : r.body,
          );
          return;
        case "collection":
          send(
            response,
            200,
            serveList(
              options.store,
              r.type,
              r.namespace,
              url.searchParams,
              wantsTable(request),
              now,
            ),
          );
          return;
        case "object": {
          const object = options.store.get(r.type, r.namespace, r.name);
          if (object === undefined) {
            send(response, 404, notFound(path));
            return;
          }
          const typed = withTypeMeta(object, r.type);
          send(
            response,
            200,
            wantsTable(request)
              ? toTable(r.type, [typed], { resourceVersion: options.store.resourceVersion }, now)
              : typed,
          );
          return;
        }
        case "unknown":
          send(response, 404, notFound(path));
          return;
      }
    } catch (error) {
      if (error instanceof SelectorError) {
        send(response, 400, statusBody(400, "BadRequest", error.message));
        return;
      }
      send(
        response,
        500,
        statusBody(
          500,
          "InternalError",
          `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }
  };

  const server = createServer(
    { cert: options.tls.certPem, key: options.tls.keyPem, keepAlive: true },
    (request, response) => {
      handle(request, response).catch(() => response.destroy());
    },
  );
  const sockets = new WebSocketServer({
    noServer: true,
    // client-node offers v5..v1; the simulator speaks v4 (linkerd-facts.md, DESIGN.md).
    handleProtocols: (protocols) =>
      protocols.has("v4.channel.k8s.io") ? "v4.channel.k8s.io" : false,
  });
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(request, socket, head).catch(() => socket.destroy());
  });
  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "https://sim.invalid");
    stats.total += 1;
    const key = `UPGRADE ${url.pathname}`;
    stats.byPath.set(key, (stats.byPath.get(key) ?? 0) + 1);
    const asSent = `UPGRADE ${request.url}`;
    stats.byRequest.set(asSent, (stats.byRequest.get(asSent) ?? 0) + 1);
    const refuse = (code: number, reason: string) => {
      socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Length: 0\r\n\r\n`);
    };
    if (request.headers.authorization !== `Bearer ${options.token}`)
      return refuse(401, "Unauthorized");
    const user = effectiveUser(request);
    if ("error" in user) return refuse(500, "Internal Server Error");
    const info = requestInfo("GET", url.pathname, url.searchParams);
    if (user !== TOKEN_USER && !authorize(options.store, user, info)) {
      // A refused upgrade answers with the Status body, as kube-apiserver does.
      const body = JSON.stringify(forbidden(user, info));
      socket.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    for (const fault of options.faults.match(url.pathname)) {
      if (fault.kind === "delay") await new Promise((resolve) => setTimeout(resolve, fault.ms));
      if (fault.kind === "status") return refuse(fault.status, "Fault");
      if (fault.kind === "drop") return socket.destroy();
    }
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
    const port = Number(url.searchParams.get("ports") ?? "NaN");
    if (!match || options.pods === undefined || !Number.isInteger(port))
      return refuse(404, "Not Found");
    const [, namespace = "", pod = ""] = match;
    if (options.store.get({ apiVersion: "v1", kind: "Pod" }, namespace, pod) === undefined)
      return refuse(404, "Not Found");
    const pods = options.pods;
    if (socket.destroyed) return; // the client gave up while the fault delayed it
    sockets.handleUpgrade(request, socket, head, (ws) =>
      forwardPort(ws, pods, namespace, pod, port),
    );
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `https://${options.host ?? "127.0.0.1"}:${address.port}`,
    server,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The pod end of a port-forward: bytes written go to the client on channel 0. */
class TunnelEnd extends Duplex {
  private readonly ws: WebSocket;

  constructor(ws: WebSocket) {
    super();
    this.ws = ws;
  }

  override _read(): void {
    // Client frames are pushed as they arrive.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    if (this.ws.readyState !== this.ws.OPEN) {
      done();
      return;
    }
    const frame = Buffer.allocUnsafe(chunk.length + 1);
    frame[0] = 0;
    chunk.copy(frame, 1);
    this.ws.send(frame, () => done());
  }

  override _final(done: () => void): void {
    this.ws.close();
    done();
  }
}

/**
 * The port-forward WebSocket protocol (v4.channel.k8s.io, as client-node's PortForward speaks it):
 * channel 0 carries data, channel 1 errors; each channel first sends the port as 2 bytes (LE).
 * One Duplex per tunnel rather than PassThrough pipes: at thousands of tunnels a run, the
 * simulator's CPU is part of what the benchmarks measure.
 */
function forwardPort(
  ws: WebSocket,
  pods: PodNetwork,
  namespace: string,
  pod: string,
  port: number,
): void {
  ws.send(Buffer.from([0, port & 0xff, port >> 8]));
  ws.send(Buffer.from([1, port & 0xff, port >> 8]));
  const socket = new TunnelEnd(ws);
  // A closed tunnel destroys the stream; that is not a simulator failure.
  socket.on("error", () => {});
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (isBinary && data.length > 1 && data[0] === 0) socket.push(data.subarray(1));
  });
  ws.on("close", () => {
    socket.push(null);
    socket.destroy();
  });
  ws.on("error", () => socket.destroy());
  const error = pods.portForward(namespace, pod, port, socket);
  if (error !== undefined) {
    ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(error)]));
    ws.close();
  }
}
