// How meshlens talks to the API server: the kubeconfig's credential, one kept-alive connection
// pool for GETs, the request timeout, retries as client-go makes them (retry.ts), and failures
// turned into KubeApiErrors that say what went wrong. The same GET or LIST asked for while in flight
// shares its answer; LIST pages are read item by item (list-reader.ts), and a LIST whose continue
// token expired is read again whole; tap's POST gets its own connection and stream.
import { request as httpRequest } from "node:http";
import {
  type AgentOptions,
  Agent as HttpsAgent,
  request as httpsRequest,
  type RequestOptions,
} from "node:https";
import { statusError, unreachableError } from "./api-errors.js";
import type { CredentialOptions } from "./credentials.js";
import { getStream as getStreamOnce } from "./get-stream.js";
import { ListReader } from "./list-reader.js";
import type { TunnelSettings } from "./port-forward.js";
import {
  connectionLoss,
  HttpStatusError,
  RetriesExhausted,
  type RetryHooks,
  type RetryWait,
  withRetries,
} from "./retry.js";
import {
  describeTarget,
  KubeApiError,
  type ListOptions,
  type RequestTarget,
  StreamAborted,
  StreamLost,
  type StreamResponse,
} from "./types.js";

function toKubeApiError(error: unknown, target: RequestTarget, server: string): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (error instanceof RetriesExhausted) {
    const last = toKubeApiError(error.cause, target, server);
    const message =
      error.reason.kind === "connection"
        ? `${last.message} (${error.message})`
        : `cannot ${target.verb} ${describeTarget(target)}: ${error.message}`;
    return new KubeApiError(last.failure, message, target, last.status);
  }
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
  /** Drops a cached exec-plugin credential after a 401 (undefined: no plugin). */
  renewCredential?: (since: number) => void;
  /** Told before each wait for a retry. */
  onWait?: (wait: RetryWait) => void;
  /** What only --verbose shows (a LIST read again whole). */
  onDetail?: (text: string) => void;
}

export type Transport = ReturnType<typeof createTransport>;

export function createTransport(settings: TransportSettings) {
  const { server, httpsOptions } = settings;
  const options = { requestTimeoutMs: settings.requestTimeoutMs };
  const hooks: RetryHooks = {
    ...(settings.onWait ? { onWait: settings.onWait } : {}),
    ...(settings.renewCredential ? { renewCredential: settings.renewCredential } : {}),
  };
  /**
   * Runs one API call, each attempt under the request timeout, sent again as client-go would
   * (retry.ts), translating failures. The credential comes first, under its own deadline, so a
   * plugin that hangs is named as such, not as the call that waited.
   */
  const call = async <T>(target: RequestTarget, request: () => Promise<T>): Promise<T> => {
    try {
      await httpsOptions();
    } catch (error) {
      throw toKubeApiError(error, target, server);
    }
    try {
      return await withRetries(
        () => attempt(target, request),
        {
          requestTimeoutMs: options.requestTimeoutMs,
          idempotent: target.verb !== "create",
          serverAnswered,
        },
        hooks,
      );
    } catch (error) {
      throw toKubeApiError(error, target, server);
    }
  };
  // Whether the server has answered (anything) this run: a refused connection is then a restart.
  let answered = false;
  const serverAnswered = () => answered;
  /** One attempt under the request timeout; its failure stays raw for the retry policy. */
  const attempt = async <T>(target: RequestTarget, request: () => Promise<T>): Promise<T> => {
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
      const result = await Promise.race([request(), timeout]);
      answered = true;
      return result;
    } catch (error) {
      if (error instanceof HttpStatusError) answered = true;
      throw error;
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
      const chunks: Buffer[] = [];
      await getStream(path, target, (bytes) => chunks.push(bytes), {
        gzip: false,
        idleTimeoutMs: options.requestTimeoutMs,
      });
      return Buffer.concat(chunks).toString("utf8");
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
   * page's text nor its parsed objects are held, only what `map` keeps. A continue token the server
   * expired (410 Gone, after an etcd compaction) makes it read the list again in one request, as
   * client-go's pager does (tools/pager FullListIfExpired).
   */
  const listAll = async <T, R = T>(
    target: RequestTarget,
    path: string,
    list: ListOptions,
    map: (item: T) => R = (item) => item as unknown as R,
  ): Promise<R[]> => {
    const items: R[] = [];
    const readPage = (query: Record<string, string | number | undefined>) =>
      call(target, async () => {
        const reader = new ListReader((json) => items.push(map(JSON.parse(json) as T)));
        await getStream(pathWith(path, query), target, (bytes) => reader.push(bytes), {
          gzip: false,
          idleTimeoutMs: options.requestTimeoutMs,
        });
        return reader.end();
      });
    let cont: string | undefined;
    do {
      const read = items.length;
      try {
        const envelope = await readPage({ ...list, limit: PAGE_SIZE, continue: cont });
        cont = envelope.metadata?.continue || undefined;
      } catch (error) {
        if (!(cont !== undefined && error instanceof KubeApiError && error.status === 410))
          throw error;
        settings.onDetail?.(
          `the API server expired the continue token of ${target.verb} ${describeTarget(target)} after ${read} items (410 Gone): reading the whole list in one request`,
        );
        items.length = 0;
        await readPage({ ...list });
        cont = undefined;
      }
    } while (cont !== undefined);
    return items;
  };

  /**
   * A GET whose body is handed to `onData` in pieces as it arrives, over the kept-alive pool
   * (get-stream.ts); `idleTimeoutMs` ends an answer that goes silent that long (a "timeout").
   */
  const getStream = async (
    pathAndQuery: string,
    target: RequestTarget,
    onData: (bytes: Buffer) => void,
    stream: { gzip: boolean; idleTimeoutMs: number },
  ): Promise<void> =>
    getStreamOnce(new URL(pathAndQuery, server), await pooledOptions(), onData, {
      ...stream,
      idleError: () =>
        new KubeApiError(
          "timeout",
          `no answer within ${stream.idleTimeoutMs / 1000}s: ${target.verb} ${describeTarget(target)} at ${server}`,
          target,
        ),
    });

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
    contentType?: string,
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
        headers: {
          ...credential.headers,
          "content-length": body.length,
          ...(contentType === undefined ? {} : { "content-type": contentType }),
        },
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
      let sent = false;
      request.on("finish", () => {
        sent = true;
      });
      request.on("error", (error) => {
        if (error instanceof StreamAborted) return reject(error);
        const failure = toKubeApiError(error, target, server);
        // Sent, then the connection went: the stream was lost (tap reconnects), not unreachable.
        reject(
          sent && connectionLoss(error) !== undefined ? new StreamLost(failure.message) : failure,
        );
      });
      request.end(body);
    });
  };

  /** A POST of a JSON object answered with JSON (the access reviews), sent again as client-go would. */
  const postJson = <T>(path: string, body: unknown, target: RequestTarget): Promise<T> =>
    call(target, async () => {
      const bytes = Buffer.from(JSON.stringify(body));
      const response = await postStream(
        path,
        bytes,
        target,
        new AbortController().signal,
        "application/json",
      );
      const chunks: Buffer[] = [];
      for await (const chunk of response.body) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      if (response.status >= 400)
        throw new HttpStatusError(response.status, text, response.header("retry-after"));
      return JSON.parse(text) as T;
    });

  return {
    call,
    getJson,
    postJson,
    getBody,
    get,
    getStream,
    listAll,
    postStream,
    tunnelSettings,
    serverAnswered,
  };
}
