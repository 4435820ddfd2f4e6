// The exporter's HTTP(S) server: GET and HEAD on /metrics, /healthz and /readyz, nothing else (405
// without reading a body; 404 elsewhere). A scrape is answered from the last snapshot, never waits
// for the cluster; slow or idle clients are cut off by header and request timeouts.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { ExporterMetrics } from "./metrics.js";

export interface ServerOptions {
  metrics: ExporterMetrics;
  /** Ready after the first complete refresh. */
  ready: () => boolean;
  tls: { cert: string; key: string } | undefined;
}

const PATHS = new Set(["/metrics", "/healthz", "/readyz"]);
/** Slow clients are cut off: the whole request head within this, the request within that. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const IDLE_TIMEOUT_MS = 60_000;

export function createExporterServer(options: ServerOptions): Server {
  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://exporter.invalid").pathname;
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        "content-type": "text/plain; charset=utf-8",
        "content-length": Buffer.byteLength(body),
        ...headers,
      });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    if (!PATHS.has(path)) return send(404, "not found\n");
    if (request.method !== "GET" && request.method !== "HEAD") {
      // Nothing of the body is read: the connection closes with the answer.
      response.setHeader("connection", "close");
      return send(405, "method not allowed\n", { allow: "GET, HEAD" });
    }
    if (path === "/healthz") return send(200, "ok\n");
    if (path === "/readyz")
      return options.ready() ? send(200, "ok\n") : send(503, "waiting for the first refresh\n");
    options.metrics.render(request.headers.accept).then(
      ({ contentType, body }) => send(200, body, { "content-type": contentType }),
      () => send(500, "cannot render the metrics\n"),
    );
  };
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, answer)
    : createHttpServer(answer);
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = 5_000;
  server.timeout = IDLE_TIMEOUT_MS;
  return server;
}
