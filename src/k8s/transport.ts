// How meshlens talks to the API server: the kubeconfig's credential, one kept-alive connection
// pool for GETs, the request timeout, and failures turned into KubeApiErrors that say what went
// wrong. The same GET or LIST asked for while in flight shares its answer; LIST pages are read item
// by item (list-reader.ts); tap's POST gets its own connection and stream.
import { get as httpGet, request as httpRequest } from "node:http";
import {
  type AgentOptions,
  Agent as HttpsAgent,
  get as httpsGet,
  request as httpsRequest,
  type RequestOptions,
} from "node:https";
import { createGunzip, gunzipSync } from "node:zlib";
import { getText } from "../http-text.js";
import { statusError, unreachableError } from "./api-errors.js";
import type { CredentialOptions } from "./credentials.js";
import { ListReader } from "./list-reader.js";
import type { TunnelSettings } from "./port-forward.js";
import {
  describeTarget,
  KubeApiError,
  type ListOptions,
  type RequestTarget,
  StreamAborted,
  type StreamResponse,
} from "./types.js";

/** The API server answered with an HTTP error status (its body: a Kubernetes Status). */
class HttpStatusError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(status: number, body: string) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

function toKubeApiError(error: unknown, target: RequestTarget, server: string): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (error instanceof HttpStatusError)
    return statusError(error.status, error.body, target, server);
  return unreachableError(error, target, server);
}

/** A path with its query, the query's empty values left out. */
export function pathWith(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

const PAGE_SIZE = 500;

export interface TransportSettings {
  server: string;
  requestTimeoutMs: number;
  /** The credential as HTTPS options, cached (credentials.ts). */
  httpsOptions: () => Promise<CredentialOptions>;
}

export type Transport = ReturnType<typeof createTransport>;

export function createTransport(settings: TransportSettings) {
  const { server, httpsOptions } = settings;
  const options = { requestTimeoutMs: settings.requestTimeoutMs };
  /**
   * Runs one API call under the request timeout, translating failures. The credential comes first,
   * under its own deadline, so a plugin that hangs is named as such, not as the call that waited.
   */
  const call = async <T>(target: RequestTarget, request: () => Promise<T>): Promise<T> => {
    try {
      await httpsOptions();
    } catch (error) {
      throw toKubeApiError(error, target, server);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KubeApiError(
              "timeout",
              `timed out after ${options.requestTimeoutMs / 1000}s: ${target.verb} ${describeTarget(target)} at ${server}`,
              target,
            ),
          ),
        options.requestTimeoutMs,
      );
      timer.unref();
    });
    try {
      return await Promise.race([request(), timeout]);
    } catch (error) {
      throw toKubeApiError(error, target, server);
    } finally {
      clearTimeout(timer);
    }
  };

  /**
   * A GET of an API path as JSON, over one kept-alive agent with the kubeconfig's credentials: the
   * few endpoints meshlens reads, typed, instead of client-node's generated API classes (hundreds
   * of KB of bundled code loaded with every command that reaches the cluster).
   */
  const getJson = async <T>(path: string, target: RequestTarget): Promise<T> =>
    JSON.parse(await getBody(path, target)) as T;

  /**
   * A GET's body as text, over the kept-alive pool; an error status is a KubeApiError. The same
   * GET asked for again while it is in flight shares its answer (checks of two categories read
   * the same webhook configurations at once, as Linkerd's do); once it has settled, the next one
   * asks the server again, so a check retried under --wait sees the cluster as it is then.
   */
  const inFlight = new Map<string, Promise<string>>();
  const getBody = (path: string, target: RequestTarget): Promise<string> => {
    const pending = inFlight.get(path);
    if (pending !== undefined) return pending;
    const request = call(target, async () => {
      const response = await getText(new URL(path, server), await pooledOptions());
      if (response.status < 200 || response.status >= 300)
        throw new HttpStatusError(response.status, response.body);
      return response.body;
    }).finally(() => inFlight.delete(path));
    inFlight.set(path, request);
    return request;
  };

  /** A GET that answers undefined for NotFound. */
  const get = async <T>(path: string, target: RequestTarget): Promise<T | undefined> => {
    try {
      return await getJson<T>(path, target);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  };

  /**
   * Follows `continue` tokens, mapping each item as its bytes arrive (list-reader.ts): neither a
   * page's text nor its parsed objects are held, only what `map` keeps.
   */
  const listAll = async <T, R = T>(
    target: RequestTarget,
    path: string,
    list: ListOptions,
    map: (item: T) => R = (item) => item as unknown as R,
  ): Promise<R[]> => {
    const items: R[] = [];
    let cont: string | undefined;
    do {
      const page = pathWith(path, { ...list, limit: PAGE_SIZE, continue: cont });
      const envelope = await call(target, async () => {
        const reader = new ListReader((json) => items.push(map(JSON.parse(json) as T)));
        await getStream(page, target, (bytes) => reader.push(bytes), {
          gzip: false,
          idleTimeoutMs: options.requestTimeoutMs,
        });
        return reader.end();
      });
      cont = envelope.metadata?.continue || undefined;
    } while (cont !== undefined);
    return items;
  };

  /**
   * A GET whose body is handed to `onData` in pieces as it arrives, over the kept-alive pool; an
   * error status is an HttpStatusError. With `gzip`, the body is asked for compressed and
   * inflated in one call at the end (for small bodies such as a proxy's /metrics); `idleTimeoutMs`
   * ends an answer that goes silent that long (a "timeout" failure).
   */
  const getStream = async (
    pathAndQuery: string,
    target: RequestTarget,
    onData: (bytes: Buffer) => void,
    settings: { gzip: boolean; idleTimeoutMs: number },
  ): Promise<void> => {
    const options = await pooledOptions();
    const url = new URL(pathAndQuery, server);
    await new Promise<void>((resolve, reject) => {
      const send = url.protocol === "https:" ? httpsGet : httpGet;
      const headers = settings.gzip
        ? { ...options.headers, "accept-encoding": "gzip" }
        : options.headers;
      const request = send(url, { ...options, headers }, (response) => {
        const status = response.statusCode ?? 0;
        const gzipped = response.headers["content-encoding"] === "gzip";
        if (status < 200 || status >= 300) {
          const body = gzipped ? response.pipe(createGunzip()) : response;
          let text = "";
          body.on("data", (chunk: Buffer) => {
            if (text.length < 4096) text += chunk.toString("utf8");
          });
          body.on("end", () => reject(new HttpStatusError(status, text)));
          body.on("error", reject);
          return;
        }
        if (!gzipped) {
          response.on("data", (chunk: Buffer) => {
            try {
              onData(chunk);
            } catch (error) {
              request.destroy(error as Error);
            }
          });
          response.on("end", resolve);
          response.on("error", reject);
        } else {
          // Compressed, a proxy's body is small: kept, then inflated in one call, which costs
          // far less CPU than a gunzip stream per body (docs/performance.md).
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            try {
              onData(gunzipSync(Buffer.concat(chunks)));
              resolve();
            } catch (error) {
              reject(error);
            }
          });
          response.on("error", reject);
        }
        // A body cut short ends the response with 'aborted' rather than an error.
        response.on("aborted", () => reject(new Error("the answer was cut short")));
      });
      // The API server answers a pod proxy request once the pod does: silence here is
      // the pod's (a "timeout" failure, which callers blame on the proxy).
      request.setTimeout(settings.idleTimeoutMs, () =>
        request.destroy(
          new KubeApiError(
            "timeout",
            `no answer within ${settings.idleTimeoutMs / 1000}s: ${target.verb} ${describeTarget(target)} at ${server}`,
            target,
          ),
        ),
      );
      request.on("error", reject);
    });
  };

  // One keep-alive agent for every GET (API reads, a scrape of each proxy's /metrics): client-node
  // would build an agent, hence a TLS handshake, per request. Proxy agents are kept.
  let pool: HttpsAgent | undefined;
  const pooledOptions = async (): Promise<RequestOptions> => {
    const options: RequestOptions = { ...(await httpsOptions()) };
    if (options.agent === undefined || options.agent?.constructor === HttpsAgent) {
      pool ??= new HttpsAgent({
        ...(options as AgentOptions),
        keepAlive: true,
        maxSockets: 16,
      });
      options.agent = pool;
    }
    return options;
  };

  const tunnelSettings = async (): Promise<TunnelSettings> => {
    // The credential the GETs use, renewed on the same terms (check --proxy opens a tunnel per
    // proxy: asking client-node afresh each time read the kubeconfig's files thousands of times).
    const options = await httpsOptions();
    // client-node gives each call a new plain agent; proxy agents (socks, http proxies) are kept.
    const agent = options.agent;
    return {
      server,
      headers: Object.fromEntries(
        Object.entries(options.headers ?? {}).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.map(String) : String(value),
        ]),
      ),
      tls: {
        ...(options.ca === undefined ? {} : { ca: options.ca as string | Buffer }),
        ...(options.cert === undefined ? {} : { cert: options.cert as string | Buffer }),
        ...(options.key === undefined ? {} : { key: options.key as string | Buffer }),
        ...(options.rejectUnauthorized === undefined
          ? {}
          : { rejectUnauthorized: options.rejectUnauthorized }),
        ...(options.servername === undefined ? {} : { servername: options.servername }),
      },
      ...(typeof agent === "object" && agent.constructor !== HttpsAgent
        ? { proxyAgent: agent }
        : {}),
    };
  };
  const postStream = async (
    path: string,
    body: Uint8Array,
    target: RequestTarget,
    signal: AbortSignal,
  ): Promise<StreamResponse> => {
    // The credential comes under the request timeout (a plugin that hangs is named), as for GETs.
    const credential = await call(target, () => httpsOptions());
    const url = new URL(path, server);
    return new Promise((resolve, reject) => {
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      // Its own connection (not the kept-alive pool): the stream lasts as long as the user wants.
      const { agent, ...rest } = credential;
      const request = send(url, {
        ...rest,
        ...(agent !== undefined && agent?.constructor !== HttpsAgent ? { agent } : {}),
        method: "POST",
        headers: { ...credential.headers, "content-length": body.length },
      });
      // The request timeout covers connecting and sending, not the wait for the answer: Linkerd's
      // tap server sends its headers with the first event (its streaming writer flushes on each),
      // and Linkerd's CLI sets no timeout on the stream (viz/tap/pkg/reader.go).
      const timer = setTimeout(
        () =>
          request.destroy(
            new KubeApiError(
              "timeout",
              `timed out after ${options.requestTimeoutMs / 1000}s: ${target.verb} ${describeTarget(target)} at ${server} (connecting and sending the request)`,
              target,
            ),
          ),
        options.requestTimeoutMs,
      );
      timer.unref();
      request.on("finish", () => clearTimeout(timer));
      // The stop (Ctrl-C, --duration) reaches the request in every phase: connecting, waiting
      // for the first event, streaming.
      const onAbort = () => request.destroy(new StreamAborted());
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
      request.on("close", () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
      });
      request.on("response", (response) =>
        resolve({
          status: response.statusCode ?? 0,
          header: (name) => {
            const value = response.headers[name.toLowerCase()];
            return Array.isArray(value) ? value[0] : value;
          },
          body: response,
        }),
      );
      request.on("error", (error) =>
        reject(error instanceof StreamAborted ? error : toKubeApiError(error, target, server)),
      );
      request.end(body);
    });
  };

  return { call, getJson, getBody, get, getStream, listAll, postStream, tunnelSettings };
}
