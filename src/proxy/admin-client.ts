// Talks to a proxy's admin port (its port named linkerd-admin, 4191 by default) the way
// `linkerd identity` does: a port-forward through the API server, then a TLS handshake with SNI =
// the pod's identity to see the leaf the proxy really serves (linkerd-facts.md 5). The same TLS
// connection then asks for /metrics, for the proxy's own view of its certificate.

import type { X509Certificate } from "node:crypto";
import { request as httpRequest } from "node:http";
import {
  createSecureContext,
  type SecureContext,
  type TLSSocket,
  connect as tlsConnect,
} from "node:tls";
import { adminPortOf, NO_ADMIN_PORT } from "../k8s/pods.js";
import { type Cluster, KubeApiError, type PodInfo, TunnelLost } from "../k8s/types.js";
import { firstLine } from "../shared/first-line.js";
import { identityMetricsOf, isIdentityMetric, MetricsCollector } from "./metrics.js";
import type { ProxyIdentityMetrics } from "./types.js";

export type ProxyProbe =
  | { ok: true; chain: X509Certificate[]; metrics: ProxyIdentityMetrics | undefined }
  /** `forbidden`: RBAC denied the port-forward (the same for every pod of a namespace, usually). */
  | { ok: false; reason: string; forbidden?: true };

/** A probe whose tunnel went with the API server's connection: worth one more try. */
type ProbeAttempt = ProxyProbe & { tunnelLost?: true };

const LOST = `port-forward: ${new TunnelLost().message}`;

/**
 * The certificates the peer presented, leaf first, as Node's TLS layer parsed them: cheaper than
 * parsing them again from DER or getPeerCertificate(true), which also builds three fingerprints
 * per certificate (docs/performance.md).
 */
function presentedChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let cert: X509Certificate | undefined = socket.getPeerX509Certificate();
  while (cert !== undefined && chain.length < 8) {
    chain.push(cert);
    const next: X509Certificate | undefined = cert.issuerCertificate;
    if (next === undefined || next.fingerprint256 === cert.fingerprint256) break;
    cert = next;
  }
  return chain;
}

/** Proxies are checked by what they present, not trusted by the TLS layer: one context for all. */
let proxyContext: SecureContext | undefined;

function readMetrics(socket: TLSSocket): Promise<ProxyIdentityMetrics | undefined> {
  return new Promise((resolve) => {
    const request = httpRequest(
      // No agent: with `agent: false` Node would open its own connection and ignore createConnection.
      {
        createConnection: () => socket,
        path: "/metrics",
        headers: { host: "localhost", connection: "close" },
      },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          resolve(undefined);
          return;
        }
        const collector = new MetricsCollector(isIdentityMetric);
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => collector.push(chunk));
        response.on("end", () => resolve(identityMetricsOf(collector.end())));
        response.on("error", () => resolve(undefined));
      },
    );
    request.on("error", () => resolve(undefined));
    request.end();
  });
}

/**
 * The leaf chain and identity metrics of one pod's proxy, or why they could not be had. `identity`
 * is the TLS server name to ask for (podIdentity). A probe whose tunnel was lost with the API
 * server's connection (a restart) is made once more; a second loss is the pod's reason.
 */
export async function probeProxy(
  cluster: Pick<Cluster, "portForward">,
  pod: PodInfo,
  identity: string,
  timeoutMs: number,
): Promise<ProxyProbe> {
  const port = adminPortOf(pod);
  if (port === undefined) return { ok: false, reason: NO_ADMIN_PORT };
  const first = await probeOnce(cluster, pod, port, identity, timeoutMs);
  const probe = first.tunnelLost ? await probeOnce(cluster, pod, port, identity, timeoutMs) : first;
  delete probe.tunnelLost;
  return probe;
}

async function probeOnce(
  cluster: Pick<Cluster, "portForward">,
  pod: PodInfo,
  port: number,
  identity: string,
  timeoutMs: number,
): Promise<ProbeAttempt> {
  // The deadline covers the whole probe; it says which side stalled, and whatever the probe opened
  // is closed when it passes, also a tunnel the API server opens only later.
  let stage: "port-forward" | "proxy" = "port-forward";
  let timedOut = false;
  let stream: Awaited<ReturnType<Cluster["portForward"]>> | undefined;
  let socket: TLSSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  const seconds = `${timeoutMs / 1000}s`;
  const timeout = new Promise<ProbeAttempt>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      resolve({
        ok: false,
        reason:
          stage === "port-forward"
            ? `port-forward failed: the API server did not open it within ${seconds}`
            : `no answer from the proxy admin port within ${seconds}`,
      });
    }, timeoutMs);
  });
  const attempt = (async (): Promise<ProbeAttempt> => {
    try {
      stream = await cluster.portForward(pod.namespace, pod.name, port);
    } catch (error) {
      const forbidden = error instanceof KubeApiError && error.failure === "forbidden";
      return {
        ok: false,
        reason: `port-forward failed: ${firstLine(error)}`,
        ...(forbidden ? { forbidden } : {}),
      };
    }
    const tunnel = stream;
    if (timedOut) {
      tunnel.destroy();
      return { ok: false, reason: "timed out" };
    }
    stage = "proxy";
    proxyContext ??= createSecureContext();
    const tls = tlsConnect({
      socket: tunnel,
      servername: identity,
      rejectUnauthorized: false,
      secureContext: proxyContext,
    });
    socket = tls;
    const handshake = await new Promise<string | undefined>((resolve) => {
      tls.once("secureConnect", () => resolve(undefined));
      // The tunnel's error channel: the kubelet could not connect to the port (nothing listens).
      tunnel.once("error", (error) => resolve(`port-forward: ${firstLine(error)}`));
      tls.once("error", (error) => {
        // An error of the tunnel reaches the TLS socket too, sometimes first.
        const tunnelError = (tunnel as { errored?: Error | null }).errored;
        resolve(
          tunnelError
            ? `port-forward: ${firstLine(tunnelError)}`
            : `TLS handshake with the admin port failed: ${firstLine(error)}`,
        );
      });
      tunnel.once("end", () =>
        resolve("the admin port closed the connection before the TLS handshake"),
      );
    });
    const lost = () => (tunnel as { errored?: Error | null }).errored instanceof TunnelLost;
    if (handshake !== undefined)
      return lost()
        ? { ok: false, reason: LOST, tunnelLost: true }
        : { ok: false, reason: handshake };
    const chain = presentedChain(tls);
    if (chain.length === 0) return { ok: false, reason: "the admin port presented no certificate" };
    const metrics = await readMetrics(tls);
    if (metrics === undefined && lost()) return { ok: false, reason: LOST, tunnelLost: true };
    return { ok: true, chain, metrics };
  })();
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
    socket?.destroy();
    stream?.destroy();
  }
}
