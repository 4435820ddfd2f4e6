// linkerd-data-plane: the namespace asked for exists, and every meshed pod's proxy is ready
// (linkerd2 pkg/healthcheck, linkerd-facts.md 1.9).
import type { PodInfo } from "../../k8s/types.js";
import { API_QUERY, clusterOf, dataPlaneOf, listing } from "../shared.js";
import type { CategoryDefinition } from "../types.js";
import { proxyReady } from "./pod-state.js";

export const DATA_PLANE = "linkerd-data-plane";
/**
 * Every per-pod check needs the `-n` namespace to exist: in a mistyped one they would all pass on
 * zero pods. Linkerd stops the whole run at this fatal check; meshlens skips what depends on it.
 */
export const NAMESPACE_EXISTS = `${DATA_PLANE}/namespace-exists`;

/** linkerd2 CheckPodsRunning: pod statuses that are finished, not broken. */
const FINISHED = new Set(["Completed", "NodeShutdown", "Shutdown", "Terminated", "Succeeded"]);

export function podReadinessProblems(pods: PodInfo[]): string[] {
  return pods.flatMap((pod) => {
    if (FINISHED.has(pod.phase) || (pod.reason !== undefined && FINISHED.has(pod.reason)))
      return [];
    if (pod.phase !== "Running") return [`pod "${pod.name}" status is ${pod.phase}`];
    return proxyReady(pod) ? [] : [`container "linkerd-proxy" in pod "${pod.name}" is not ready`];
  });
}

export const dataPlaneCategory: CategoryDefinition = {
  id: DATA_PLANE,
  checks: [
    {
      id: NAMESPACE_EXISTS,
      description: "data plane namespace exists",
      hintAnchor: "l5d-data-plane-exists",
      severity: "fatal",
      requires: [API_QUERY],
      async run(context) {
        const namespace = dataPlaneOf(context).options.namespace;
        if (namespace === undefined)
          return { status: "not-applicable", reason: "data plane namespace not specified" };
        const found = await clusterOf(context).getNamespace(namespace);
        return found
          ? { status: "pass" }
          : { status: "fail", message: `The "${namespace}" namespace does not exist` };
      },
    },
    {
      id: `${DATA_PLANE}/proxies-ready`,
      description: "data plane proxies are ready",
      hintAnchor: "l5d-data-plane-ready",
      severity: "fatal",
      // Retried under --wait as Linkerd does; the spinner names the pod being waited for (Linkerd
      // only says "waiting for check to complete"). Nothing else waits on Pending pods.
      retry: true,
      surfaceErrorOnRetry: true,
      requires: [API_QUERY, NAMESPACE_EXISTS],
      async run(context) {
        const facts = dataPlaneOf(context);
        // The first attempt shares the run's pod list (one LIST of a big cluster, not two); retries
        // need fresh pods.
        const attempt = facts.nextReadinessAttempt();
        const pods = attempt === 0 ? await facts.meshedPods() : await facts.listMeshedPods();
        if (pods.length === 0) {
          const where =
            facts.options.namespace === undefined
              ? ""
              : ` in the "${facts.options.namespace}" namespace`;
          return { status: "fail", message: `no "linkerd-proxy" containers found${where}` };
        }
        const problems = podReadinessProblems(pods);
        if (problems.length === 0) return { status: "pass" };
        return {
          status: "fail",
          message:
            problems.length === 1
              ? (problems[0] as string)
              : listing(`${problems.length} data plane pods are not ready:`, problems),
        };
      },
    },
  ],
};
