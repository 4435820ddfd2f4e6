// A real HTTPS Kubernetes API server over the simulator's object store: who is asking (the token,
// or the user it impersonates, held to RBAC), then discovery, GET and LIST (api-routes.ts), the pod
// and service proxies, port-forward (port-forward-server.ts) and linkerd-viz's tap API.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { SelectorError } from "../shared/label-selector.js";
import { answerAuthz } from "./api-authz.js";
import { applyFaults } from "./api-faults.js";
import { route, serveList, wantsTable, withTypeMeta } from "./api-routes.js";
import { forbidden, notFound, statusBody } from "./api-status.js";
import { toTable } from "./api-tables.js";
import { createObject, type WriteValidator, writeObject } from "./api-writes.js";
import { Authenticator } from "./authn.js";
import type { FaultInjector } from "./faults.js";
import type { PodNetwork } from "./pod-network.js";
import { forwardPort } from "./port-forward-server.js";
import { authorize } from "./rbac.js";
import { requestInfo } from "./request-info.js";
import type { ObjectStore } from "./store.js";
import type { TapServer } from "./tap-server.js";

export { SIM_USER } from "./authn.js";

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
  /** Checks a write before it is stored (a 422 when it says why not). */
  validateWrite?: WriteValidator;
  /** After an object was written: the controllers act on it before the write is answered. */
  onWrite?: () => void | Promise<void>;
}

export interface RequestStats {
  /** Requests by `METHOD path` (no query). */
  byPath: Map<string, number>;
  /** Requests by `METHOD path?query`, as sent: the same read made twice shows here. */
  byRequest: Map<string, number>;
  total: number;
  /** Requests RBAC refused (403), by `METHOD path`. */
  forbidden: Map<string, number>;
}

export interface ApiServer {
  url: string;
  server: Server;
  stats: RequestStats;
  close(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const authn = new Authenticator(options.token, options.store, options.clock);
  const stats: RequestStats = {
    byPath: new Map(),
    byRequest: new Map(),
    total: 0,
    forbidden: new Map(),
  };
  const countForbidden = (key: string) =>
    stats.forbidden.set(key, (stats.forbidden.get(key) ?? 0) + 1);
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

    const identity = authn.identify(request);
    if ("refused" in identity) {
      if (identity.refused === 401)
        send(response, 401, statusBody(401, "Unauthorized", "Unauthorized"));
      else if (identity.refused === 403) {
        countForbidden(key);
        send(response, 403, forbidden(identity.user, identity.info));
      } else send(response, 500, statusBody(500, "InternalError", identity.message));
      return;
    }
    const user = identity.user;
    const info = requestInfo(request.method ?? "GET", path, url.searchParams);
    if (!authorize(options.store, user, info)) {
      countForbidden(key);
      send(response, 403, forbidden(user, info));
      return;
    }
    const faults = options.faults.match({ path, continues: url.searchParams.has("continue") });
    if (
      faults.length > 0 &&
      (await applyFaults(faults, {
        request,
        response,
        refusal: (status) =>
          ({
            401: statusBody(401, "Unauthorized", "Unauthorized"),
            403: forbidden(user, info),
            404: notFound(path),
            500: statusBody(500, "InternalError", "Internal error occurred: simulated fault"),
          })[status],
        restart,
        revokeToken: () => authn.revoke(request.headers.authorization),
      }))
    )
      return;
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
    if (request.method === "PATCH" || request.method === "PUT") {
      const target = route(path);
      if (target.kind === "object") {
        const written = await writeObject(
          request,
          options.store,
          target,
          url.searchParams,
          options.clock(),
          options.validateWrite,
        );
        if (written.code === 200) await options.onWrite?.();
        send(response, written.code, written.body);
        return;
      }
    }
    if (request.method === "POST") {
      const answer = await answerAuthz(request, path, user, options.store, authn);
      if (answer !== undefined) {
        send(response, answer.code, answer.body);
        return;
      }
      const target = route(path);
      if (target.kind === "collection") {
        const created = await createObject(
          request,
          options.store,
          target,
          url.searchParams,
          options.clock(),
        );
        if (created.code === 201) await options.onWrite?.();
        send(response, created.code, created.body);
        return;
      }
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
    const identity = authn.identify(request);
    if ("refused" in identity && identity.refused !== 403)
      return identity.refused === 401
        ? refuse(401, "Unauthorized")
        : refuse(500, "Internal Server Error");
    const info =
      "refused" in identity ? identity.info : requestInfo("GET", url.pathname, url.searchParams);
    const user = identity.user;
    if ("refused" in identity || !authorize(options.store, user, info)) {
      countForbidden(key);
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
      if (fault.kind === "retry-after") return refuse(fault.status, "Fault");
      if (fault.kind === "drop") return socket.destroy();
      if (fault.kind === "restart") {
        // An upgrading socket is the server's no more: closeAllConnections would not reach it.
        socket.destroy();
        return restart(fault.ms);
      }
      if (fault.kind === "expire-token") {
        authn.revoke(request.headers.authorization);
        return refuse(401, "Unauthorized");
      }
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
  const dropEverything = () => {
    for (const client of sockets.clients) client.terminate();
    server.closeAllConnections();
  };
  // A restart (the "restart" fault): every connection closed, nothing listening for a while.
  let comingBack: NodeJS.Timeout | undefined;
  let closed = false;
  function restart(ms: number): void {
    if (comingBack !== undefined || closed) return;
    server.close();
    dropEverything();
    comingBack = setTimeout(() => {
      comingBack = undefined;
      if (!closed) server.listen(address.port, options.host ?? "127.0.0.1");
    }, ms);
  }
  return {
    url: `https://${options.host ?? "127.0.0.1"}:${address.port}`,
    server,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        clearTimeout(comingBack);
        dropEverything();
        server.close(() => resolve());
      }),
  };
}
