import { resolveEnv } from "../shared/env-expansion.js";
import type { ContainerInfo, ContainerStatusInfo, PodInfo } from "./types.js";

/** The name of the container Linkerd's injector adds. */
export const PROXY_CONTAINER = "linkerd-proxy";

/** The `linkerd-proxy` container, in `containers` or, as a native sidecar, in `initContainers`. */
export function proxyContainerOf(pod: PodInfo): ContainerInfo | undefined {
  return pod.containers.find((c) => c.name === PROXY_CONTAINER);
}

/** The kubelet's status of the `linkerd-proxy` container (either list, as proxyContainerOf). */
export function proxyStatusOf(pod: PodInfo): ContainerStatusInfo | undefined {
  return pod.containerStatuses.find((s) => s.name === PROXY_CONTAINER);
}

/** What a `fieldRef` in the pod's own spec and status reads (the downward API fields Linkerd uses). */
function podField(pod: PodInfo, fieldPath: string): string | undefined {
  switch (fieldPath) {
    case "metadata.name":
      return pod.name;
    case "metadata.namespace":
      return pod.namespace;
    case "spec.serviceAccountName":
      return pod.serviceAccountName;
    case "status.podIP":
      return pod.podIP;
    default:
      return undefined;
  }
}

/**
 * The identity the proxy asks for: LINKERD2_PROXY_IDENTITY_LOCAL_NAME as the kubelet expands it, e.g.
 * `$(_pod_sa).$(_pod_ns).serviceaccount.identity.$(_l5d_ns).$(_l5d_trustdomain)` (linkerd2
 * cli/cmd/identity.go builds the same name from those variables).
 */
export function podIdentity(pod: PodInfo): string | undefined {
  const env = proxyContainerOf(pod)?.env;
  if (env === undefined) return undefined;
  return resolveEnv(env, (fieldPath) => podField(pod, fieldPath)).get(
    "LINKERD2_PROXY_IDENTITY_LOCAL_NAME",
  );
}

/** The port name Linkerd port-forwards to (linkerd2 pkg/k8s ProxyAdminPortName). */
const PROXY_ADMIN_PORT_NAME = "linkerd-admin";

/**
 * Where the proxy's admin server listens: the proxy container's port named linkerd-admin, as
 * `linkerd identity` finds it (pkg/k8s/portforward.go NewContainerMetricsForward). 4191 unless the
 * pod set config.linkerd.io/admin-port.
 */
export function adminPortOf(pod: PodInfo): number | undefined {
  return proxyContainerOf(pod)?.ports.find((p) => p.name === PROXY_ADMIN_PORT_NAME)?.containerPort;
}

/** Linkerd's words for a proxy container without that port (cli/cmd/identity.go). */
export const NO_ADMIN_PORT =
  "failed to find linkerd-admin port in linkerd-proxy container for given pod spec";

/**
 * Why a meshed pod's proxy has no identity, when it has none: injected with identity disabled
 * (LINKERD2_PROXY_IDENTITY_DISABLED, Linkerd before 2.12), or without a local name. Such a proxy
 * serves no certificate and makes no mTLS connection.
 */
export function noIdentityReason(pod: PodInfo): string | undefined {
  const env = proxyContainerOf(pod)?.env;
  if (env === undefined) return undefined;
  if (env.some((variable) => variable.name === "LINKERD2_PROXY_IDENTITY_DISABLED"))
    return "its proxy runs with identity disabled (LINKERD2_PROXY_IDENTITY_DISABLED): no certificate, no mTLS";
  return podIdentity(pod) === undefined
    ? "the linkerd-proxy container has no LINKERD2_PROXY_IDENTITY_LOCAL_NAME"
    : undefined;
}
