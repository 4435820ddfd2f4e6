// What a pod's injected proxy says about itself in the pod spec: its container, admin port and
// identity. Shared by the simulated proxies and the traffic model.
import { type ExpandableEnvVar, resolveEnv } from "../shared/env-expansion.js";
import { SIM_ANNOTATIONS } from "./annotations.js";
import type { KubeObject, ObjectStore } from "./store.js";

export interface Container {
  name: string;
  env?: ExpandableEnvVar[];
  ports?: Array<{ name?: string; containerPort: number }>;
  restartPolicy?: string;
}

export function proxyContainer(pod: KubeObject): Container | undefined {
  const spec = pod.spec as { containers?: Container[]; initContainers?: Container[] } | undefined;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].find(
    (c) => c.name === "linkerd-proxy",
  );
}

/** Where the proxy's admin server listens: its container port named linkerd-admin (4191 unless
 * the pod asked otherwise with config.linkerd.io/admin-port). */
export function adminPortOf(pod: KubeObject): number | undefined {
  return proxyContainer(pod)?.ports?.find((p) => p.name === "linkerd-admin")?.containerPort;
}

/**
 * A proxy injected with identity disabled (`config.linkerd.io/disable-identity`, Linkerd 2.x before
 * 2.12): LINKERD2_PROXY_IDENTITY_DISABLED instead of every identity variable, so no local name, no
 * certificate, and plaintext on every connection (`tls="disabled"`).
 */
export function identityDisabled(pod: KubeObject): boolean {
  return (
    proxyContainer(pod)?.env?.some((v) => v.name === "LINKERD2_PROXY_IDENTITY_DISABLED") ?? false
  );
}

/** The proxy's identity: LINKERD2_PROXY_IDENTITY_LOCAL_NAME expanded as the kubelet would. */
export function podIdentity(pod: KubeObject): string | undefined {
  const env = proxyContainer(pod)?.env;
  if (env === undefined) return undefined;
  // The simulator plays the kubelet: the downward API fields Linkerd's injector uses.
  const spec = pod.spec as { serviceAccountName?: string; nodeName?: string } | undefined;
  const fields: Record<string, string | undefined> = {
    "metadata.name": pod.metadata.name,
    "metadata.namespace": pod.metadata.namespace ?? "default",
    "spec.serviceAccountName": spec?.serviceAccountName ?? "default",
    "spec.nodeName": spec?.nodeName,
  };
  return resolveEnv(env, (fieldPath) => fields[fieldPath]).get(
    "LINKERD2_PROXY_IDENTITY_LOCAL_NAME",
  );
}

/**
 * The trust anchors a proxy (or the identity controller) loads when its container starts: the
 * inline LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS the injector wrote, or, through `configMapKeyRef`
 * (the control plane), the ConfigMap as it is at that moment. A scenario may pin what a pod loaded
 * long ago with the trust-anchors annotation. Linkerd: charts/partials/templates/_proxy.tpl.
 */
export function anchorsAtStart(pod: KubeObject, store: ObjectStore): string {
  const pinned = pod.metadata.annotations?.[SIM_ANNOTATIONS.trustAnchors];
  if (pinned !== undefined) return pinned;
  const variable = proxyContainer(pod)?.env?.find(
    (v) => v.name === "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS",
  ) as (ExpandableEnvVar & { valueFrom?: { configMapKeyRef?: ConfigMapKey } }) | undefined;
  if (variable?.value !== undefined) return variable.value;
  const ref = variable?.valueFrom?.configMapKeyRef;
  return ref === undefined ? "" : configMapValue(store, pod.metadata.namespace, ref);
}

interface ConfigMapKey {
  name: string;
  key: string;
}

export function configMapValue(
  store: ObjectStore,
  namespace: string | undefined,
  ref: ConfigMapKey,
): string {
  const map = store.get({ apiVersion: "v1", kind: "ConfigMap" }, namespace, ref.name);
  return (map?.data as Record<string, string> | undefined)?.[ref.key] ?? "";
}
