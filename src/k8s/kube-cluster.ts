// A Cluster from the kubeconfig: the reads meshlens makes, as client-node's kubeconfig loader and
// the API's paths give them, in meshlens' own types (decode.ts). How requests travel is
// transport.ts'; what the credential is, credentials.ts'.
import type {
  V1APIService,
  V1ConfigMap,
  V1MutatingWebhookConfiguration,
  V1Namespace,
  V1Pod,
  V1ReplicaSet,
  V1Secret,
  V1ValidatingWebhookConfiguration,
  VersionInfo,
} from "@kubernetes/client-node";
import { cachedHttpsOptions, type Impersonation } from "./credentials.js";
import { decodeData, interner, lastChange, podInfo, webhookConfigurationInfo } from "./decode.js";
import { shareExecCredentials } from "./exec-credentials.js";
import { type KubeconfigSource, loadKubeConfig } from "./kubeconfig.js";
import { PortForwarder } from "./port-forward.js";
import { describeWait, type RetryWait } from "./retry.js";
import { createTransport, pathWith } from "./transport.js";
import type { Cluster, ListOptions, PodInfo, RequestTarget } from "./types.js";

export type { Impersonation } from "./credentials.js";

export interface KubeClusterOptions extends KubeconfigSource {
  /** Act as another user: every request carries the Impersonate-* headers. */
  impersonate?: Impersonation;
  /** Per-request timeout (and the credential plugin's); Linkerd uses 30 s (RequestTimeout). */
  requestTimeoutMs: number;
  /** Aborted on Ctrl-C: a running credential plugin is ended. */
  signal?: AbortSignal;
  /** Told before each wait for a retry (throttling, a lost connection), in words. */
  onWait?: (text: string, waitMs: number, kind: string) => void;
  /** What only --verbose shows. */
  onDetail?: (text: string) => void;
}

const tellWait =
  (onWait: NonNullable<KubeClusterOptions["onWait"]>) =>
  (wait: RetryWait): void =>
    onWait(
      describeWait(wait),
      wait.waitMs,
      wait.reason.kind === "connection" ? "connection" : String(wait.reason.status),
    );

export function createKubeCluster(options: KubeClusterOptions): Cluster {
  const config = loadKubeConfig(options);
  const plugins = shareExecCredentials(config, {
    timeoutMs: options.requestTimeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const server = config.getCurrentCluster()?.server ?? "<unknown>";
  const contextName = config.getCurrentContext();
  const defaultNamespace = config.getContextObject(contextName)?.namespace ?? "default";
  const httpsOptions = cachedHttpsOptions(config, 10_000, options.impersonate);
  let renewedAt = Number.NEGATIVE_INFINITY;
  const retries = {
    // A 401 renews only what a plugin made: a static token or certificate would fail the same way.
    ...(config.getCurrentUser()?.exec
      ? {
          renewCredential: (since: number) => {
            if (renewedAt >= since) return;
            renewedAt = Date.now();
            plugins.forget();
            httpsOptions.invalidate();
          },
        }
      : {}),
    ...(options.onWait ? { onWait: tellWait(options.onWait) } : {}),
  };
  const transport = createTransport({
    server,
    requestTimeoutMs: options.requestTimeoutMs,
    httpsOptions,
    ...retries,
    ...(options.onDetail ? { onDetail: options.onDetail } : {}),
  });
  const forwarder = new PortForwarder(transport.tunnelSettings, {
    requestTimeoutMs: options.requestTimeoutMs,
    serverAnswered: transport.serverAnswered,
    ...retries,
  });
  const inFlightLists = new Map<string, Promise<unknown[]>>();

  return {
    server,
    contextName,
    defaultNamespace,
    portForward: (namespace, pod, port) => forwarder.portForward(namespace, pod, port),
    getRaw: (pathAndQuery, target) =>
      transport.getBody(
        pathAndQuery,
        target ?? { verb: "get", resource: pathAndQuery.split("?")[0] ?? pathAndQuery },
      ),
    postStream: transport.postStream,
    async reviewAccess(attributes) {
      const review = await transport.postJson<{ status?: { allowed?: boolean } }>(
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: { resourceAttributes: attributes },
        },
        { verb: "create", resource: "selfsubjectaccessreviews" },
      );
      return review.status?.allowed === true;
    },
    streamRaw(pathAndQuery, target, onData, timeoutMs) {
      return transport.call(target, () =>
        transport.getStream(pathAndQuery, target, onData, { gzip: true, idleTimeoutMs: timeoutMs }),
      );
    },
    async version() {
      const info = await transport.getJson<VersionInfo>("/version", {
        verb: "get",
        resource: "version",
      });
      return { major: info.major, minor: info.minor, gitVersion: info.gitVersion };
    },
    async getNamespace(name) {
      const ns = await transport.get<V1Namespace>(
        `/api/v1/namespaces/${encodeURIComponent(name)}`,
        {
          verb: "get",
          resource: "namespaces",
          name,
        },
      );
      return ns === undefined ? undefined : { name: ns.metadata?.name ?? name };
    },
    async getConfigMap(namespace, name) {
      const cm = await transport.get<V1ConfigMap>(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`,
        { verb: "get", resource: "configmaps", namespace, name },
      );
      if (cm === undefined) return undefined;
      const changedAt = lastChange(cm.metadata);
      return { name, namespace, data: cm.data ?? {}, ...(changedAt ? { changedAt } : {}) };
    },
    async getSecret(namespace, name) {
      const secret = await transport.get<V1Secret>(
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
        transport.listAll(target, path, list, (pod: V1Pod) => {
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
      const sets = await transport.listAll<V1ReplicaSet>(
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
      const accounts = await transport.listAll<{ metadata?: { name?: string } }>(
        { verb: "list", resource: "serviceaccounts", namespace },
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts`,
        list,
      );
      return accounts.map((sa) => sa.metadata?.name ?? "");
    },
    async listNamespaces() {
      const namespaces = await transport.listAll<{
        metadata?: { name?: string; annotations?: Record<string, string> };
      }>({ verb: "list", resource: "namespaces" }, "/api/v1/namespaces", {});
      return namespaces.map((ns) => ({
        name: ns.metadata?.name ?? "",
        annotations: ns.metadata?.annotations ?? {},
      }));
    },
    async listClusterRoles(list: ListOptions = {}) {
      const roles = await transport.listAll<{ metadata?: { name?: string } }>(
        { verb: "list", resource: "clusterroles" },
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        list,
      );
      return roles.map((role) => role.metadata?.name ?? "");
    },
    async getMutatingWebhookConfiguration(name) {
      const config = await transport.get<V1MutatingWebhookConfiguration>(
        `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(name)}`,
        { verb: "get", resource: "mutatingwebhookconfigurations", name },
      );
      return config && webhookConfigurationInfo(name, config.webhooks ?? []);
    },
    async getValidatingWebhookConfiguration(name) {
      const config = await transport.get<V1ValidatingWebhookConfiguration>(
        `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${encodeURIComponent(name)}`,
        { verb: "get", resource: "validatingwebhookconfigurations", name },
      );
      return config && webhookConfigurationInfo(name, config.webhooks ?? []);
    },
    async getAPIService(name) {
      const service = await transport.get<V1APIService>(
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
