// The exporter's HTTP(S) server, in a thread of its own: it answers scrapes from the last rendered
// exposition the main thread posted, so that neither a refresh's work nor its garbage collection
// is in a scrape's way. GET and HEAD on /metrics, /healthz and /readyz, nothing else (405 without
// reading a body; 404 elsewhere); slow or idle clients are cut off by header and request timeouts.
//
// The thread runs from this function's own text (Worker `eval`), so it reaches Node's built-ins
// through process.getBuiltinModule and nothing around it: no import, no outer name.

/** What the main thread posts after each refresh, and once to stop. */
export type ToScrapeThread =
  | { type: "exposition"; text: Exposition; openMetrics: Exposition; ready: boolean }
  | { type: "close" };

export interface Exposition {
  contentType: string;
  body: string;
}

/** What the thread says: listening on an address, or that it could not. */
export type FromScrapeThread =
  | { type: "listening"; address: string; port: number }
  | { type: "error"; message: string };

export interface ScrapeThreadData {
  host: string;
  port: number;
  tls: { cert: string; key: string } | undefined;
}

export function scrapeThreadMain(): void {
  const threads = process.getBuiltinModule("node:worker_threads");
  const http = process.getBuiltinModule("node:http");
  const https = process.getBuiltinModule("node:https");
  const port = threads.parentPort;
  if (port === null) return;
  const data = threads.workerData as ScrapeThreadData;
  const paths = new Set(["/metrics", "/healthz", "/readyz"]);
  let state: Extract<ToScrapeThread, { type: "exposition" }> | undefined;

  const answer = (
    request: import("node:http").IncomingMessage,
    response: import("node:http").ServerResponse,
  ) => {
    const path = new URL(request.url ?? "/", "http://exporter.invalid").pathname;
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        "content-type": "text/plain; charset=utf-8",
        "content-length": Buffer.byteLength(body),
        ...headers,
      });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    if (!paths.has(path)) return send(404, "not found\n");
    if (request.method !== "GET" && request.method !== "HEAD") {
      // Nothing of the body is read: the connection closes with the answer.
      response.setHeader("connection", "close");
      return send(405, "method not allowed\n", { allow: "GET, HEAD" });
    }
    if (path === "/healthz") return send(200, "ok\n");
    if (path === "/readyz")
      return state?.ready ? send(200, "ok\n") : send(503, "waiting for the first refresh\n");
    if (state === undefined) return send(503, "waiting for the first refresh\n");
    const wanted = /application\/openmetrics-text/.test(request.headers.accept ?? "")
      ? state.openMetrics
      : state.text;
    return send(200, wanted.body, { "content-type": wanted.contentType });
  };
  // Timeouts are enforced by a sweep over the connections: every second, not Node's 30.
  const sweep = { connectionsCheckingInterval: 1000 };
  const server = data.tls
    ? https.createServer({ ...sweep, cert: data.tls.cert, key: data.tls.key }, answer)
    : http.createServer(sweep, answer);
  // The request head within 10 s, the request within 30 s; idle connections go after a minute.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.timeout = 60_000;
  server.once("error", (error: Error) => {
    port.postMessage({ type: "error", message: error.message } satisfies FromScrapeThread);
    port.close();
  });
  server.listen(data.port, data.host, () => {
    const address = server.address();
    if (address !== null && typeof address === "object")
      port.postMessage({
        type: "listening",
        address: address.address,
        port: address.port,
      } satisfies FromScrapeThread);
  });
  port.on("message", (message: ToScrapeThread) => {
    if (message.type === "exposition") state = message;
    else {
      server.close(() => port.close());
      server.closeAllConnections();
    }
  });
}
