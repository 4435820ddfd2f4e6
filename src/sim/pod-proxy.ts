// What a pod's injected proxy says about itself in the pod spec: its container, admin port and
// identity. Shared by the simulated proxies and the traffic model.
import { type ExpandableEnvVar, resolveEnv } from "../shared/env-expansion.js";
import type { KubeObject } from "./store.js";

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
