// The only module that imports @kubernetes/client-node. It turns the kubeconfig into a Cluster that
// returns meshlens' own types and KubeApiErrors that name what went wrong.
import { get as httpGet, request as httpRequest } from "node:http";
import {
  type AgentOptions,
  Agent as HttpsAgent,
  get as httpsGet,
  request as httpsRequest,
  type RequestOptions,
} from "node:https";
import { createSecureContext, type SecureContext } from "node:tls";
import { createGunzip, gunzipSync } from "node:zlib";
import type {
  KubeConfig,
  V1APIService,
  V1ConfigMap,
  V1Container,
  V1ContainerStatus,
  V1MutatingWebhookConfiguration,
  V1Namespace,
  V1Pod,
  V1ReplicaSet,
  V1Secret,
  V1ValidatingWebhookConfiguration,
  VersionInfo,
} from "@kubernetes/client-node";
import { getText } from "../http-text.js";
import { statusError, unreachableError } from "./api-errors.js";
import { shareExecCredentials } from "./exec-credentials.js";
import { type KubeconfigSource, loadKubeConfig } from "./kubeconfig.js";
import { ListReader } from "./list-reader.js";
import { PROXY_CONTAINER } from "./pods.js";
import { PortForwarder, type TunnelSettings } from "./port-forward.js";
import {
  type Cluster,
  type ContainerInfo,
  type ContainerStatusInfo,
  describeTarget,
  KubeApiError,
  type ListOptions,
  type PodInfo,
  type RequestTarget,
  StreamAborted,
  type WebhookConfigurationInfo,
} from "./types.js";

/** Whom the requests act as (kubectl's --as, --as-group, --as-uid). */
export interface Impersonation {
  user: string;
  groups: string[];
  uid: string | undefined;
}

export interface KubeClusterOptions extends KubeconfigSource {
  /** Act as another user: every request carries the Impersonate-* headers. */
  impersonate?: Impersonation;
  /** Per-request timeout (and the credential plugin's); Linkerd uses 30 s (RequestTimeout). */
  requestTimeoutMs: number;
  /** Aborted on Ctrl-C: a running credential plugin is ended. */
  signal?: AbortSignal;
}

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
function pathWith(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

/**
 * One copy of each repeated string. Thousands of meshed pods carry the same proxy environment
 * (the trust anchors' PEM alone is ~600 bytes a pod) and labels; measured on 5,011 pods, keeping
 * one copy took the live heap at the end of `check --proxy --no-verify-leaves` from 46 to 17 MB,
 * and V8 sizes the old space (hence the peak) in proportion to what stays live.
 */
type Intern = (text: string) => string;

function interner(): Intern {
  const seen = new Map<string, string>();
  return (text) => {
    const known = seen.get(text);
    if (known !== undefined) return known;
    seen.set(text, text);
    return text;
  };
}

function internValues(record: Record<string, string> | undefined, intern: Intern) {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record ?? {})) out[key] = intern(value);
  return out;
}

function containerInfo(container: V1Container, isInit: boolean, intern: Intern): ContainerInfo {
  // Only the proxy's environment is ever read; not keeping the rest saves memory on big clusters.
  const env = container.name === PROXY_CONTAINER ? (container.env ?? []) : [];
  return {
    name: intern(container.name),
    image: intern(container.image ?? ""),
    isInit,
    restartPolicy: container.restartPolicy,
    env: env.map((variable) => ({
      name: intern(variable.name),
      ...(variable.value === undefined ? {} : { value: intern(variable.value) }),
      ...(variable.valueFrom === undefined
        ? {}
        : {
            valueFrom: {
              ...(variable.valueFrom.configMapKeyRef
                ? {
                    configMapKeyRef: {
                      name: variable.valueFrom.configMapKeyRef.name ?? "",
                      key: variable.valueFrom.configMapKeyRef.key,
                    },
                  }
                : {}),
              ...(variable.valueFrom.secretKeyRef
                ? {
                    secretKeyRef: {
                      name: variable.valueFrom.secretKeyRef.name ?? "",
                      key: variable.valueFrom.secretKeyRef.key,
                    },
                  }
                : {}),
              ...(variable.valueFrom.fieldRef
                ? { fieldRef: { fieldPath: variable.valueFrom.fieldRef.fieldPath } }
                : {}),
            },
          }),
    })),
    ports: (container.ports ?? []).map((port) => ({
      name: port.name,
      containerPort: port.containerPort,
    })),
  };
}

function statusInfo(
  status: V1ContainerStatus,
  isInit: boolean,
  intern: Intern,
): ContainerStatusInfo {
  const startedAt = status.state?.running?.startedAt;
  return {
    name: intern(status.name),
    ready: status.ready,
    isInit,
    ...(startedAt ? { startedAt: new Date(startedAt) } : {}),
  };
}

function podInfo(pod: V1Pod, intern: Intern): PodInfo {
  return {
    name: pod.metadata?.name ?? "",
    namespace: intern(pod.metadata?.namespace ?? ""),
    labels: internValues(pod.metadata?.labels, intern),
    annotations: internValues(pod.metadata?.annotations, intern),
    phase: pod.status?.phase ?? "Unknown",
    reason: pod.status?.reason,
    terminating: pod.metadata?.deletionTimestamp !== undefined,
    podIP: pod.status?.podIP,
    serviceAccountName: intern(pod.spec?.serviceAccountName ?? "default"),
    containers: [
      ...(pod.spec?.initContainers ?? []).map((c) => containerInfo(c, true, intern)),
      ...(pod.spec?.containers ?? []).map((c) => containerInfo(c, false, intern)),
    ],
    containerStatuses: [
      ...(pod.status?.initContainerStatuses ?? []).map((s) => statusInfo(s, true, intern)),
      ...(pod.status?.containerStatuses ?? []).map((s) => statusInfo(s, false, intern)),
    ],
    conditions: (pod.status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.message ? { message: c.message } : {}),
    })),
    ownerReferences: (pod.metadata?.ownerReferences ?? []).map((ref) => ({
      kind: ref.kind,
      name: ref.name,
    })),
  };
}

function decodeData(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(data ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value, "base64").toString("utf8"),
    ]),
  );
}

const PAGE_SIZE = 500;

function webhookConfigurationInfo(
  name: string,
  webhooks: Array<{ name: string; clientConfig: { caBundle?: string } }>,
): WebhookConfigurationInfo {
  return {
    name,
    webhooks: webhooks.map((w) => ({ name: w.name, caBundle: w.clientConfig.caBundle })),
  };
}

/** HTTPS request options with the TLS context made from their CA, certificate and key. */
type CredentialOptions = RequestOptions & { secureContext: SecureContext };

/**
 * The kubeconfig's HTTPS options (CA, client certificate, token header), worked out again only
 * after `ttlMs`: client-node reads the files and asks the credential source on every call, which
 * cost ~0.3 ms of CPU per request when `edges` reads a thousand proxies. Exec credentials are kept
 * by exec-credentials.ts until they expire; a token file is re-read after the TTL. The TLS context
 * is made once per credential too: each new connection would otherwise build its own from the
 * same CA, certificate and key, and on Node 20 copy the 144 bundled roots into a fresh store
 * (~2.3 ms a connection, profiled; check opens ~8). ca, cert and key stay in the options: the
 * agent tells its connections apart by them.
 */
function cachedHttpsOptions(
  config: KubeConfig,
  ttlMs: number,
  impersonate: Impersonation | undefined,
  now = () => Date.now(),
) {
  let cached: { options: Promise<CredentialOptions>; at: number } | undefined;
  return (): Promise<CredentialOptions> => {
    if (cached === undefined || now() - cached.at > ttlMs) {
      const options: RequestOptions = {};
      const fresh = {
        options: config
          .applyToHTTPSOptions(options as Parameters<typeof config.applyToHTTPSOptions>[0])
          .then(() => ({
            ...options,
            headers: { ...options.headers, ...impersonationHeaders(impersonate) },
            secureContext: createSecureContext(options),
          })),
        at: now(),
      };
      cached = fresh;
      // A failure is not kept: the next call asks again.
      fresh.options.catch(() => {
        if (cached === fresh) cached = undefined;
      });
    }
    return cached.options;
  };
}

/** kubectl's impersonation headers (client-go transport/round_trippers.go); a group per header line. */
function impersonationHeaders(
  impersonate: Impersonation | undefined,
): Record<string, string | string[]> {
  if (impersonate === undefined) return {};
  return {
    "Impersonate-User": impersonate.user,
    ...(impersonate.groups.length > 0 ? { "Impersonate-Group": impersonate.groups } : {}),
    ...(impersonate.uid === undefined ? {} : { "Impersonate-Uid": impersonate.uid }),
  };
}

export function createKubeCluster(options: KubeClusterOptions): Cluster {
  const config = loadKubeConfig(options);
  shareExecCredentials(config, {
    timeoutMs: options.requestTimeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const server = config.getCurrentCluster()?.server ?? "<unknown>";
  const contextName = config.getCurrentContext();
  const defaultNamespace = config.getContextObject(contextName)?.namespace ?? "default";
  const httpsOptions = cachedHttpsOptions(config, 10_000, options.impersonate);

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
   * few endpoints meshlens reads, typed, instead of client-node's generated API classes (their
   * ~570 KB of bundled code loaded with every command that reaches the cluster).
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

  const inFlightLists = new Map<string, Promise<unknown[]>>();

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
          // Compressed, a proxy's ~70 KB body is ~3 KB: kept, then inflated in one call.
          // Measured on 1,011 bodies: a gunzip stream per body (pipe, 16 KB pieces) cost
          // ~0.5 s of CPU in stream callbacks; gunzipSync ~0.1 s.
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
  const forwarder = new PortForwarder(tunnelSettings);
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

  return {
    server,
    contextName,
    defaultNamespace,
    portForward: (namespace, pod, port) => forwarder.portForward(namespace, pod, port),
    getRaw: (pathAndQuery) =>
      getBody(pathAndQuery, { verb: "get", resource: pathAndQuery.split("?")[0] ?? pathAndQuery }),
    async postStream(path, body, target, signal) {
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
        request.on("response", resolve);
        request.on("error", (error) =>
          reject(error instanceof StreamAborted ? error : toKubeApiError(error, target, server)),
        );
        request.end(body);
      });
    },
    streamRaw(pathAndQuery, target, onData, timeoutMs) {
      return call(target, () =>
        getStream(pathAndQuery, target, onData, { gzip: true, idleTimeoutMs: timeoutMs }),
      );
    },
    async version() {
      const info = await getJson<VersionInfo>("/version", { verb: "get", resource: "version" });
      return { major: info.major, minor: info.minor, gitVersion: info.gitVersion };
    },
    async getNamespace(name) {
      const ns = await get<V1Namespace>(`/api/v1/namespaces/${encodeURIComponent(name)}`, {
        verb: "get",
        resource: "namespaces",
        name,
      });
      return ns === undefined ? undefined : { name: ns.metadata?.name ?? name };
    },
    async getConfigMap(namespace, name) {
      const cm = await get<V1ConfigMap>(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`,
        { verb: "get", resource: "configmaps", namespace, name },
      );
      return cm === undefined ? undefined : { name, namespace, data: cm.data ?? {} };
    },
    async getSecret(namespace, name) {
      const secret = await get<V1Secret>(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`,
        { verb: "get", resource: "secrets", namespace, name },
      );
      return secret === undefined
        ? undefined
        : { name, namespace, type: secret.type ?? "Opaque", data: decodeData(secret.data) };
    },
    listPods<T = PodInfo>(
      namespace: string | undefined,
      list: ListOptions = {},
      select?: (pod: PodInfo) => T,
    ): Promise<T[]> {
      const target: RequestTarget = {
        verb: "list",
        resource: "pods",
        ...(namespace === undefined ? {} : { namespace }),
      };
      const path =
        namespace === undefined
          ? "/api/v1/pods"
          : `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
      const intern = interner();
      const read = () =>
        listAll(target, path, list, (pod: V1Pod) => {
          const info = podInfo(pod, intern);
          return select === undefined ? (info as T) : select(info);
        });
      if (select !== undefined) return read();
      // The same LIST asked for while it is in flight shares its answer, as GETs do (two checks
      // read the control plane's pods at once).
      const key = pathWith(path, { ...list });
      const pending = inFlightLists.get(key);
      if (pending !== undefined) return pending as Promise<T[]>;
      const request = read().finally(() => inFlightLists.delete(key));
      inFlightLists.set(key, request);
      return request;
    },
    async listReplicaSets(namespace) {
      const sets = await listAll<V1ReplicaSet>(
        { verb: "list", resource: "replicasets", namespace },
        `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/replicasets`,
        {},
      );
      return sets.map((rs) => ({
        name: rs.metadata?.name ?? "",
        namespace,
        desired: rs.spec?.replicas ?? 1,
        ready: rs.status?.readyReplicas ?? 0,
      }));
    },
    async listServiceAccounts(namespace, list: ListOptions = {}) {
      const accounts = await listAll<{ metadata?: { name?: string } }>(
        { verb: "list", resource: "serviceaccounts", namespace },
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts`,
        list,
      );
      return accounts.map((sa) => sa.metadata?.name ?? "");
    },
    async listClusterRoles(list: ListOptions = {}) {
      const roles = await listAll<{ metadata?: { name?: string } }>(
        { verb: "list", resource: "clusterroles" },
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        list,
      );
      return roles.map((role) => role.metadata?.name ?? "");
    },
    async getMutatingWebhookConfiguration(name) {
      const config = await get<V1MutatingWebhookConfiguration>(
        `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(name)}`,
        { verb: "get", resource: "mutatingwebhookconfigurations", name },
      );
      return config && webhookConfigurationInfo(name, config.webhooks ?? []);
    },
    async getValidatingWebhookConfiguration(name) {
      const config = await get<V1ValidatingWebhookConfiguration>(
        `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${encodeURIComponent(name)}`,
        { verb: "get", resource: "validatingwebhookconfigurations", name },
      );
      return config && webhookConfigurationInfo(name, config.webhooks ?? []);
    },
    async getAPIService(name) {
      const service = await get<V1APIService>(
        `/apis/apiregistration.k8s.io/v1/apiservices/${encodeURIComponent(name)}`,
        { verb: "get", resource: "apiservices", name },
      );
      return service === undefined
        ? undefined
        : {
            name,
            caBundle: service.spec?.caBundle,
            conditions: (service.status?.conditions ?? []).map((c) => ({
              type: c.type,
              status: c.status,
              ...(c.message ? { message: c.message } : {}),
            })),
          };
    },
  };
}
