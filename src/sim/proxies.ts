// Simulated linkerd2-proxy admin servers (port 4191), one per meshed pod: TLS detection with the
// pod's own leaf (SNI = its identity), then the admin HTTP API: /metrics, /ready, /live, /env.json
// (linkerd-facts.md 4.1-4.3). Reached through port-forward, the pod proxy subresource, or a loopback
// port per pod.

import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { TLSSocket } from "node:tls";
import { gzipSync } from "node:zlib";
import {
  PROXY_FAULT_ANNOTATION,
  PROXY_METRICS_ANNOTATION,
  type ProxyFault,
  SIM_ANNOTATIONS,
} from "./annotations.js";
import type { IdentityService } from "./identity-service.js";
import { identityDisabled, podIdentity, proxyContainer } from "./pod-proxy.js";
import { metricsScrapeAllowed } from "./policy.js";
import { type LeafState, ProxyIdentities } from "./proxy-identity.js";
import { identityFamilies, startTimeFamily } from "./proxy-metrics.js";
import type { KubeObject, ObjectStore } from "./store.js";
import { type Link, trafficLinks } from "./traffic/links.js";
import { trafficMetrics } from "./traffic/metrics.js";

export interface SimProxy {
  namespace: string;
  pod: string;
  /** Undefined for a proxy injected with identity disabled: it has no certificate. */
  identity: string | undefined;
  podObject: KubeObject;
  fault: ProxyFault | undefined;
  ready: boolean;
  /** The loopback port of this proxy's admin server, when the fleet listens per pod. */
  port?: number;
}

export interface ProxyFleetOptions {
  store: ObjectStore;
  clock: () => Date;
  /** Linkerd's identity controller, which signs the proxies' leaves. */
  identity: IdentityService;
  /**
   * More families for every /metrics body, after the traffic's (benchmarks use a real proxy's
   * other families, so bodies have the size a real proxy serves).
   */
  metricsPadding?: string;
}

export class ProxyFleet {
  private readonly proxies = new Map<string, SimProxy>();
  private readonly identities: ProxyIdentities;
  private readonly listeners: NetServer[] = [];
  private readonly http = createHttpServer((request, response) => this.onHttp(request, response));
  private readonly proxyOfSocket = new WeakMap<object, SimProxy>();
  private readonly links = new Map<KubeObject, Link[]>();
  private readonly options: ProxyFleetOptions;
  private readonly started: Date;

  constructor(options: ProxyFleetOptions) {
    this.options = options;
    this.started = options.clock();
    this.identities = new ProxyIdentities(options.store, options.clock, options.identity);
    this.refresh();
  }

  /** The traffic each pod takes part in, as a source or a destination. */
  linksOf(pod: KubeObject): readonly Link[] {
    return this.links.get(pod) ?? [];
  }

  /** Re-reads the meshed pods, and the traffic between them, from the store. */
  refresh(): void {
    this.proxies.clear();
    this.links.clear();
    for (const link of trafficLinks(this.options.store)) {
      for (const pod of new Set([link.source.pod, link.destination.pod])) {
        const known = this.links.get(pod);
        if (known) known.push(link);
        else this.links.set(pod, [link]);
      }
    }
    for (const pod of this.options.store.list({ apiVersion: "v1", kind: "Pod" })) {
      if (proxyContainer(pod) === undefined) continue;
      const identity = identityDisabled(pod) ? undefined : podIdentity(pod);
      const annotations = pod.metadata.annotations ?? {};
      const fault = annotations[PROXY_FAULT_ANNOTATION] as ProxyFault | undefined;
      const phase = (pod.status as { phase?: string } | undefined)?.phase;
      const proxy: SimProxy = {
        namespace: pod.metadata.namespace ?? "default",
        pod: pod.metadata.name,
        identity,
        podObject: pod,
        fault,
        ready: phase === "Running" && annotations[SIM_ANNOTATIONS.ready] !== "false",
      };
      this.proxies.set(`${proxy.namespace}/${proxy.pod}`, proxy);
    }
    this.identities.follow(this.all().map((proxy) => proxy.podObject));
  }

  find(namespace: string, pod: string): SimProxy | undefined {
    return this.proxies.get(`${namespace}/${pod}`);
  }

  all(): SimProxy[] {
    return [...this.proxies.values()];
  }

  /** The proxy's current leaf (ProxyIdentities); rejects when it has none it could use. */
  leafOf(proxy: SimProxy): Promise<LeafState> {
    return this.identities.leafOf({ ...proxy, neverRenews: proxy.fault === "expired-leaf" });
  }

  /** One connection to the admin port: TLS is detected from the first byte, as the proxy does. */
  serveAdmin(proxy: SimProxy, socket: Duplex): void {
    socket.on("error", () => socket.destroy());
    switch (proxy.fault) {
      case "hang":
        return; // accepted, never answered
      case "refuse":
        socket.destroy();
        return;
      case "garbage":
        socket.end(Buffer.from("\u0000\u00ffnot a proxy\r\n"));
        return;
      default:
        break;
    }
    socket.once("data", (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      // Without identity the admin server has no TLS: a handshake is not HTTP, and is dropped.
      if (first[0] === 0x16 && proxy.identity === undefined) socket.destroy();
      else if (first[0] === 0x16) {
        this.leafOf(proxy).then(
          (state) => {
            const tls = new TLSSocket(socket as Socket, {
              isServer: true,
              secureContext: state.context,
            });
            tls.on("error", () => tls.destroy());
            this.proxyOfSocket.set(tls, proxy);
            this.http.emit("connection", tls);
          },
          () => socket.destroy(),
        );
      } else {
        this.proxyOfSocket.set(socket, proxy);
        this.http.emit("connection", socket);
        socket.resume();
      }
    });
  }

  private onHttp(request: IncomingMessage, response: ServerResponse): void {
    const proxy = this.proxyOfSocket.get(request.socket);
    if (proxy === undefined) {
      response.writeHead(500).end();
      return;
    }
    this.answer(
      proxy,
      request.method ?? "GET",
      request.url ?? "/",
      response,
      request.headers["accept-encoding"],
    ).catch(() => response.destroy());
  }

  /** The admin API (linkerd2-proxy linkerd/app/admin/src/server.rs), for one request. */
  async answer(
    proxy: SimProxy,
    method: string,
    url: string,
    response: ServerResponse,
    acceptEncoding = "",
  ): Promise<void> {
    const { pathname, searchParams } = new URL(url, "http://proxy.invalid");
    const text = (status: number, body: string, type = "text/plain") => {
      response.writeHead(status, {
        "content-type": type,
        "content-length": Buffer.byteLength(body),
      });
      response.end(body);
    };
    switch (pathname) {
      case "/metrics": {
        // A default-deny policy without an authorization for the admin port (policy.ts).
        if (!metricsScrapeAllowed(this.options.store, proxy.podObject)) {
          text(403, "");
          return;
        }
        if (proxy.fault === "bad-metrics") {
          text(200, "<html><body>502 Bad Gateway</body></html>\n", "text/html");
          return;
        }
        const body = await this.metrics(proxy);
        if (proxy.fault === "cut-metrics") {
          // Cut once the half has left, as an API server relaying a pod's answer would: the
          // client has the headers and some of the body, then the connection goes.
          response.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
          response.write(body.slice(0, Math.floor(body.length / 2)), () =>
            response.socket?.destroy(),
          );
          return;
        }
        // The proxy compresses when asked (linkerd-facts.md 4.1).
        if (/\bgzip\b/.test(acceptEncoding)) {
          const zipped = gzipSync(body);
          response.writeHead(200, {
            "content-type": "text/plain",
            "content-encoding": "gzip",
            "content-length": zipped.length,
          });
          response.end(zipped);
          return;
        }
        text(200, body);
        return;
      }
      case "/ready":
        text(proxy.ready ? 200 : 503, proxy.ready ? "ready\n" : "not ready\n");
        return;
      case "/live":
        text(200, "live\n");
        return;
      case "/env.json": {
        if (method !== "GET") {
          text(405, "");
          return;
        }
        const wanted = [...searchParams.keys()];
        if ([...searchParams.values()].some((v) => v !== "")) {
          text(
            400,
            JSON.stringify({
              error: "env.json query parameters may not contain key-value pairs",
              status: 400,
            }),
            "application/json",
          );
          return;
        }
        const env = this.env(proxy);
        const body =
          wanted.length === 0 ? env : Object.fromEntries(wanted.map((k) => [k, env[k] ?? null]));
        text(200, JSON.stringify(body), "application/json");
        return;
      }
      default:
        text(404, "");
    }
  }

  private env(proxy: SimProxy): Record<string, string> {
    const env: Record<string, string> = {};
    for (const variable of proxyContainer(proxy.podObject)?.env ?? []) {
      if (variable.value !== undefined) env[variable.name] = variable.value;
    }
    env._pod_name = proxy.pod;
    env._pod_ns = proxy.namespace;
    if (proxy.identity !== undefined) env.LINKERD2_PROXY_IDENTITY_LOCAL_NAME = proxy.identity;
    return env;
  }

  /**
   * The current linkerd2-proxy format: legacy families, then the prometheus-client registry part in
   * OpenMetrics style ending with `# EOF` (linkerd-facts.md 4.2, 4.3). Older proxies' names on request.
   */
  async metrics(proxy: SimProxy): Promise<string> {
    const legacy = [
      ...startTimeFamily(this.started),
      ...trafficMetrics(this.options.store, proxy.podObject, this.linksOf(proxy.podObject), {
        // The pods started an hour before the simulator (reconcileWorkloads).
        elapsedSeconds: 3600 + (this.options.clock().getTime() - this.started.getTime()) / 1000,
      }),
      ...(this.options.metricsPadding ? [this.options.metricsPadding.trimEnd()] : []),
    ];
    // No identity, or no certificate yet: no certificate families.
    const state =
      proxy.identity === undefined ? undefined : await this.leafOf(proxy).catch(() => undefined);
    if (state === undefined) return `${[...legacy, "# EOF"].join("\n")}\n`;
    return identityFamilies(legacy, {
      expiresAt: state.leaf.cert.notAfter,
      refreshedAt: state.refreshedAt,
      refreshes: state.refreshes,
      generation: proxy.podObject.metadata.annotations?.[PROXY_METRICS_ANNOTATION],
    });
  }

  /** A loopback listener per proxy, so tools such as openssl and Prometheus can reach each one. */
  async listen(): Promise<void> {
    await Promise.all(
      this.all().map(
        (proxy) =>
          new Promise<void>((resolve, reject) => {
            const server = createNetServer((socket) => this.serveAdmin(proxy, socket));
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => {
              proxy.port = (server.address() as { port: number }).port;
              resolve();
            });
            this.listeners.push(server);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(
      this.listeners.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    this.http.closeAllConnections();
  }
}
