import type { ContainerInfo, PodInfo } from "./types.js";

/** The `linkerd-proxy` container, in `containers` or, as a native sidecar, in `initContainers`. */
export function proxyContainerOf(pod: PodInfo): ContainerInfo | undefined {
  return pod.containers.find((c) => c.name === "linkerd-proxy");
}

/** The identity the proxy asks for: LINKERD2_PROXY_IDENTITY_LOCAL_NAME with $(_pod_sa) and $(_pod_ns) filled in. */
export function podIdentity(pod: PodInfo): string | undefined {
  const local = proxyContainerOf(pod)?.env.find(
    (e) => e.name === "LINKERD2_PROXY_IDENTITY_LOCAL_NAME",
  )?.value;
  return local?.replace("$(_pod_sa)", pod.serviceAccountName).replace("$(_pod_ns)", pod.namespace);
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
