// What a pod's status says about its proxy: ready, running for how long, worth asking.
import { proxyStatusOf } from "../../k8s/pods.js";
import type { PodInfo } from "../../k8s/types.js";

/**
 * How long a proxy may run before Prometheus is expected to have it: linkerd-viz scrapes every 10 s,
 * Prometheus' default is every minute; twice the longer one.
 */
export const FIRST_SCRAPE_GRACE_MS = 120_000;

/** How long the pod's linkerd-proxy container has been running, if the kubelet says. */
export function proxyRunningFor(pod: PodInfo, now: Date): number | undefined {
  const startedAt = proxyStatusOf(pod)?.startedAt;
  return startedAt === undefined ? undefined : now.getTime() - startedAt.getTime();
}

/** Why a Running pod's proxy is not asked for its certificate; undefined when it is. */
export function notAskedReason(pod: PodInfo): string | undefined {
  if (pod.terminating) return "the pod is terminating";
  if (!proxyReady(pod))
    return 'its linkerd-proxy container is not ready (see "data plane proxies are ready")';
  return undefined;
}

/** Whether the pod's linkerd-proxy container (a sidecar or a native sidecar) reports ready. */
export function proxyReady(pod: PodInfo): boolean {
  return proxyStatusOf(pod)?.ready ?? false;
}
