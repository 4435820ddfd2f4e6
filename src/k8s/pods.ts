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
