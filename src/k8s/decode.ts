// Kubernetes objects as the API server sends them (client-node's V1* types, type-only) turned into
// meshlens' own types: only what the commands read, with one copy of each repeated string.
import type { V1Container, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { PROXY_CONTAINER } from "./pods.js";
import type {
  ContainerInfo,
  ContainerStatusInfo,
  PodInfo,
  WebhookConfigurationInfo,
} from "./types.js";

/**
 * One copy of each repeated string. Thousands of meshed pods carry the same proxy environment
 * (the trust anchors' PEM) and labels, and V8 sizes the old space (hence the peak) in proportion
 * to what stays live (docs/performance.md).
 */
export type Intern = (text: string) => string;

export function interner(): Intern {
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

export function podInfo(pod: V1Pod, intern: Intern): PodInfo {
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

export function decodeData(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(data ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value, "base64").toString("utf8"),
    ]),
  );
}

export function webhookConfigurationInfo(
  name: string,
  webhooks: Array<{ name: string; clientConfig: { caBundle?: string } }>,
): WebhookConfigurationInfo {
  return {
    name,
    webhooks: webhooks.map((w) => ({ name: w.name, caBundle: w.clientConfig.caBundle })),
  };
}

/**
 * When an object last changed: the latest of its managedFields' times (every write by a field
 * manager stamps one, its creation included); undefined when it has none.
 */
export function lastChange(
  metadata: { managedFields?: Array<{ time?: unknown }> } | undefined,
): Date | undefined {
  const times = (metadata?.managedFields ?? [])
    .map((field) => Date.parse(String(field.time ?? "")))
    .filter((time) => !Number.isNaN(time));
  return times.length > 0 ? new Date(Math.max(...times)) : undefined;
}
