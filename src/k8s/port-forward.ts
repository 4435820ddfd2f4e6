// A port-forward to one pod over the API server's WebSocket subprotocol v4.channel.k8s.io (what
// @kubernetes/client-node's PortForward speaks): channel 0 carries the port's data, channel 1 its
// errors, and the first frame on each channel starts with the port number (2 bytes, little endian).
//
// Hand-written instead of client-node's PortForward because of speed: client-node pipes every
// frame through PassThrough streams and Duplex.from, and creates an Error per closed tunnel
// (docs/performance.md has the figures). Authentication stays with client-node (the caller passes
// the options KubeConfig.applyToHTTPSOptions produced).

import type { Agent as HttpAgent, IncomingMessage } from "node:http";
import { Agent } from "node:https";
import { Duplex } from "node:stream";
import { createSecureContext } from "node:tls";
import type WebSocket from "ws";
import { statusError, unreachableError } from "./api-errors.js";
import { HttpStatusError, RetriesExhausted, type RetryHooks, withRetries } from "./retry.js";
import { type RequestTarget, TunnelLost } from "./types.js";

function retryAfterOf(response: IncomingMessage): string | undefined {
  const value = response.headers["retry-after"];
  return Array.isArray(value) ? value[0] : value;
}

const PORT_FORWARD_PROTOCOL = "v4.channel.k8s.io";
const DATA_CHANNEL = 0;
const ERROR_CHANNEL = 1;
/** RFC 6455's close code for a connection that ended without a closing handshake. */
const ABNORMAL_CLOSURE = 1006;

/** One forwarded connection: bytes written reach the pod's port, bytes read come from it. */
class PortForwardStream extends Duplex {
  /** Whether each channel's leading port number has been consumed yet. */
  private readonly portSeen = [false, false];
  private errorText = "";
  private readonly socket: WebSocket;

  constructor(socket: WebSocket) {
    super();
    this.socket = socket;
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary && data.length > 0) this.receive(data);
    });
    socket.on("close", (code: number) => {
      // The error channel says why the kubelet could not connect (e.g. nothing listens there).
      if (this.errorText !== "") this.destroy(new Error(this.errorText.trim()));
      // 1006: no closing handshake, the connection to the API server itself went (a restart).
      else if (code === ABNORMAL_CLOSURE) this.destroy(new TunnelLost());
      else this.push(null);
    });
    socket.on("error", (error) => this.destroy(error));
  }

  private receive(frame: Buffer): void {
    const channel = frame[0] as number;
    if (channel !== DATA_CHANNEL && channel !== ERROR_CHANNEL) return;
    let payload = frame.subarray(1);
    if (!this.portSeen[channel]) {
      this.portSeen[channel] = true;
      payload = payload.subarray(2);
    }
    if (payload.length === 0) return;
    if (channel === DATA_CHANNEL) this.push(payload);
    else this.errorText += payload.toString("utf8");
  }

  override _read(): void {
    // Frames are pushed as they arrive; a WebSocket cannot be paused per channel.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error) => void): void {
    const frame = Buffer.allocUnsafe(chunk.length + 1);
    frame[0] = DATA_CHANNEL;
    chunk.copy(frame, 1);
    this.socket.send(frame, done);
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    // Done with the tunnel: drop the connection rather than wait for a closing handshake.
    this.socket.terminate();
    done(error);
  }
}

/**
 * What a port-forward needs from the kubeconfig: the server, the TLS material, the auth headers
 * and, when the kubeconfig routes through a proxy (proxy-url), its agent.
 */
export interface TunnelSettings {
  server: string;
  headers: Record<string, string | string[]>;
  tls: {
    ca?: string | Buffer;
    cert?: string | Buffer;
    key?: string | Buffer;
    rejectUnauthorized?: boolean;
    servername?: string;
  };
  proxyAgent?: HttpAgent;
}

/** Opens a port-forward to `port` of the pod at `podUrl` (…/api/v1/namespaces/NS/pods/NAME). */
async function openPortForward(
  podUrl: string,
  port: number,
  options: WebSocket.ClientOptions,
): Promise<Duplex> {
  const url = `${podUrl.replace(/^http/, "ws")}/portforward?ports=${port}`;
  // ws loads with the first port-forward, not with every command that reaches the cluster.
  const { default: WebSocketClient } = await import("ws");
  return new Promise((resolve, reject) => {
    const socket = new WebSocketClient(url, [PORT_FORWARD_PROTOCOL], options);
    socket.once("open", () => {
      socket.removeAllListeners("error");
      resolve(new PortForwardStream(socket));
    });
    socket.once("unexpected-response", (_request, response: IncomingMessage) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      // The API server answered the upgrade with an HTTP status instead of switching protocols.
      const refused = () =>
        reject(new HttpStatusError(response.statusCode ?? 0, body, retryAfterOf(response)));
      response.on("end", refused);
      response.on("error", refused);
    });
    // `on`, not `once`: a failed handshake may report more than one error before it is over.
    socket.on("error", reject);
  });
}

/** How tunnels are opened again (retry.ts): the request timeout, the hooks, what the server did. */
type ForwardRetries = RetryHooks & {
  requestTimeoutMs: number;
  serverAnswered?: () => boolean;
};

/**
 * Port-forwards through one API server. All tunnels share one TLS context and one session-resuming
 * agent: by default each would build its own context from the kubeconfig's CA and client
 * certificate (thousands of times with --proxy) and do a full TLS handshake.
 */
export class PortForwarder {
  private readonly settings: () => Promise<TunnelSettings>;
  private readonly retries: ForwardRetries;
  private agent: HttpAgent | undefined;

  /**
   * `settings` is asked for each tunnel, so short-lived tokens stay fresh. Opening a tunnel is
   * retried as a GET is (the upgrade is one): after a lost connection, a 429, a renewed token.
   */
  constructor(settings: () => Promise<TunnelSettings>, retries: ForwardRetries) {
    this.settings = settings;
    this.retries = retries;
  }

  /** A stream to the pod's port; fails with a KubeApiError that says why. */
  async portForward(namespace: string, pod: string, port: number): Promise<Duplex> {
    // Port-forwarding is RBAC verb "create" on pods/portforward.
    const target: RequestTarget = {
      verb: "create",
      resource: "pods/portforward",
      namespace,
      name: pod,
    };
    let server = "";
    const open = async () => {
      const settings = await this.settings();
      server = settings.server;
      this.agent ??=
        settings.proxyAgent ??
        new Agent({ maxCachedSessions: 64, secureContext: createSecureContext(settings.tls) });
      const podUrl = `${settings.server.replace(/\/$/, "")}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`;
      return openPortForward(podUrl, port, {
        ...settings.tls,
        // ws hands the headers to http.request, which sends an array as one line per value (each
        // Impersonate-Group on its own line, as the API server reads them); @types/ws says string.
        headers: settings.headers as Record<string, string>,
        agent: this.agent,
      });
    };
    try {
      return await withRetries(
        open,
        {
          requestTimeoutMs: this.retries.requestTimeoutMs,
          idempotent: true,
          ...(this.retries.serverAnswered ? { serverAnswered: this.retries.serverAnswered } : {}),
        },
        this.retries,
      );
    } catch (error) {
      const last = error instanceof RetriesExhausted ? error.cause : error;
      const translated =
        last instanceof HttpStatusError
          ? statusError(last.status, last.body, target, server)
          : unreachableError(last, target, server);
      if (error instanceof RetriesExhausted) translated.message += ` (${error.message})`;
      throw translated;
    }
  }
}
