// The cluster as meshlens sees it: the few reads the commands need, in our own types. Nothing from
// @kubernetes/client-node appears here (its V1* types stop at decode.ts and kube-cluster.ts).

export interface EnvVar {
  name: string;
  /** A literal value. */
  value?: string;
  /** A reference the kubelet would resolve (configMapKeyRef, secretKeyRef, fieldRef ...). */
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string };
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

export interface ContainerInfo {
  name: string;
  image: string;
  /** True for init containers; native sidecars also have restartPolicy "Always". */
  isInit: boolean;
  restartPolicy: string | undefined;
  /** Only for the linkerd-proxy container (the only one meshlens reads); empty for the others. */
  env: EnvVar[];
  ports: Array<{ name: string | undefined; containerPort: number }>;
}

export interface ContainerStatusInfo {
  name: string;
  ready: boolean;
  isInit: boolean;
  /** When the container last started running (`state.running.startedAt`); undefined if not running. */
  startedAt?: Date;
}

export interface PodInfo {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  phase: string;
  /** `status.reason`, e.g. Evicted, NodeShutdown. */
  reason: string | undefined;
  /** Deletion was requested (`metadata.deletionTimestamp`): kubectl shows it as Terminating. */
  terminating: boolean;
  podIP: string | undefined;
  serviceAccountName: string;
  containers: ContainerInfo[];
  containerStatuses: ContainerStatusInfo[];
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>;
  ownerReferences: Array<{ kind: string; name: string }>;
}

export interface ReplicaSetInfo {
  name: string;
  namespace: string;
  desired: number;
  ready: number;
}

export interface WebhookConfigurationInfo {
  name: string;
  webhooks: Array<{ name: string; caBundle: string | undefined }>;
}

export interface APIServiceInfo {
  name: string;
  caBundle: string | undefined;
  conditions: Array<{ type: string; status: string; message?: string }>;
}

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/** One Secret: its type and its data, decoded to text. Read only where a check needs it. */
export interface SecretInfo {
  name: string;
  namespace: string;
  type: string;
  data: Record<string, string>;
}

export interface ConfigMapInfo {
  name: string;
  namespace: string;
  data: Record<string, string>;
  /** When it last changed: the latest `metadata.managedFields[].time`, when it has any. */
  changedAt?: Date;
}

/** The reads meshlens makes. `get*` return undefined for NotFound; other failures throw KubeApiError. */
export interface Cluster {
  /** The API server URL and context name, for messages. */
  readonly server: string;
  readonly contextName: string;
  /** The namespace of the kubeconfig context (`default` when unset). */
  readonly defaultNamespace: string;
  version(): Promise<ServerVersion>;
  getNamespace(name: string): Promise<{ name: string } | undefined>;
  /** Every namespace, with its annotations (paged). */
  listNamespaces(): Promise<Array<{ name: string; annotations: Record<string, string> }>>;
  getConfigMap(namespace: string, name: string): Promise<ConfigMapInfo | undefined>;
  getSecret(namespace: string, name: string): Promise<SecretInfo | undefined>;
  /**
   * All pods, following `continue` pages; `namespace` undefined means all namespaces. With
   * `select`, each pod is reduced as it arrives and only what `select` returns is kept (a
   * cluster-wide list then costs the memory of the reductions, not of the pods).
   */
  listPods(namespace: string | undefined, options?: ListOptions): Promise<PodInfo[]>;
  listPods<T>(
    namespace: string | undefined,
    options: ListOptions,
    select: (pod: PodInfo) => T,
  ): Promise<T[]>;
  listReplicaSets(namespace: string): Promise<ReplicaSetInfo[]>;
  listServiceAccounts(namespace: string, options?: ListOptions): Promise<string[]>;
  listClusterRoles(options?: ListOptions): Promise<string[]>;
  getMutatingWebhookConfiguration(name: string): Promise<WebhookConfigurationInfo | undefined>;
  getValidatingWebhookConfiguration(name: string): Promise<WebhookConfigurationInfo | undefined>;
  getAPIService(name: string): Promise<APIServiceInfo | undefined>;
  /**
   * A stream to a pod's port through the API server's port-forward (WebSocket, as kubectl and
   * client-node do). Fails with the API server's or kubelet's reason when nothing answers there.
   */
  portForward(namespace: string, pod: string, port: number): Promise<import("node:stream").Duplex>;
  /**
   * GET of a raw API path (e.g. a service proxy), with the kubeconfig's credentials; the body as
   * text. `target` names the request in errors (a forbidden one names the permission).
   */
  getRaw(pathAndQuery: string, target?: RequestTarget): Promise<string>;
  /**
   * GET of a raw API path (a pod's proxy subresource), read as it arrives: `onData` gets the body
   * in pieces, gunzipped (gzip is asked for). Connections are kept alive and shared. `target` names
   * the request in errors; `timeoutMs` bounds the whole answer.
   */
  streamRaw(
    pathAndQuery: string,
    target: RequestTarget,
    onData: (bytes: Buffer) => void,
    timeoutMs: number,
  ): Promise<void>;
  /**
   * POST of `body` to a raw API path, answered with a long-lived stream (tap's watch): resolves
   * once the response headers arrive, whatever the status; the caller reads and ends the body.
   * The request timeout covers connecting and sending only: the answer may be as late as the
   * first event. `signal` ends the request in any phase (rejecting with StreamAborted before the
   * answer, destroying the answer after it).
   */
  postStream(
    path: string,
    body: Uint8Array,
    target: RequestTarget,
    signal: AbortSignal,
  ): Promise<StreamResponse>;
  /** Whether the current credentials may do this: a SelfSubjectAccessReview's answer. */
  reviewAccess(attributes: AccessAttributes): Promise<boolean>;
}

/** What a SelfSubjectAccessReview asks about (authorization.k8s.io/v1 ResourceAttributes). */
export interface AccessAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** Undefined: cluster-scoped, or every namespace. */
  namespace?: string;
  name?: string;
}

/** The answer to a streaming request: its status and headers, then its body as it arrives. */
export interface StreamResponse {
  status: number;
  /** A header's value (the first, when repeated); names are case-insensitive. */
  header(name: string): string | undefined;
  /** Ends when the server ends it; destroy it to stop reading. */
  body: import("node:stream").Readable;
}

/** What a request was for, so errors can name the permission it needed. */
export interface RequestTarget {
  verb: "get" | "list" | "create" | "watch";
  resource: string;
  namespace?: string;
  name?: string;
}

export type KubeFailure =
  | "unreachable"
  | "unauthorized"
  | "forbidden"
  | "server-error"
  | "timeout"
  | "other";

/** A failed call to the Kubernetes API, with a message that says what to do about it. */
export class KubeApiError extends Error {
  readonly failure: KubeFailure;
  readonly status: number | undefined;
  readonly target: RequestTarget;

  constructor(failure: KubeFailure, message: string, target: RequestTarget, status?: number) {
    super(message);
    this.name = "KubeApiError";
    this.failure = failure;
    this.target = target;
    this.status = status;
  }
}

/** A port-forward's connection to the API server went away (not the pod's port closing it). */
export class TunnelLost extends Error {
  constructor() {
    super("the connection to the API server was lost");
    this.name = "TunnelLost";
  }
}

/**
 * A stream's connection was lost after its request had been sent, before the answer came (the
 * API server restarted): not a failure to connect. `message` says it as an unreachable error would.
 */
export class StreamLost extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StreamLost";
  }
}

/** The caller's signal ended a stream before its answer came. */
export class StreamAborted extends Error {
  constructor() {
    super("the stream was stopped");
    this.name = "StreamAborted";
  }
}

export function describeTarget(target: RequestTarget): string {
  const what = target.name === undefined ? target.resource : `${target.resource} "${target.name}"`;
  return target.namespace === undefined ? what : `${what} in namespace "${target.namespace}"`;
}

/** The resource types Linkerd's viz commands take (pkg/k8s), by their canonical names. */
export type WorkloadType =
  | "cronjob"
  | "daemonset"
  | "deployment"
  | "job"
  | "namespace"
  | "pod"
  | "replicaset"
  | "replicationcontroller"
  | "statefulset";
