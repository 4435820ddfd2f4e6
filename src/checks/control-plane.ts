// kubernetes-api, linkerd-existence and linkerd-config: can we talk to the cluster, and is the
// control plane there (linkerd2 pkg/healthcheck; linkerd-facts.md 1.2, 1.3).

import type { PodInfo } from "../k8s/types.js";
import { firstLine } from "../shared/first-line.js";
import { API_QUERY, CONFIG_MAP_EXISTS, clusterOf, pass } from "./shared.js";
import { type CategoryDefinition, CheckFailure, type CheckOutcome } from "./types.js";

export const kubernetesApiCategory: CategoryDefinition = {
  id: "kubernetes-api",
  checks: [
    {
      id: "kubernetes-api/can-initialize-client",
      description: "can initialize the client",
      hintAnchor: "k8s-api",
      severity: "fatal",
      async run(context) {
        clusterOf(context);
        return pass;
      },
    },
    {
      id: API_QUERY,
      description: "can query the Kubernetes API",
      hintAnchor: "k8s-api",
      severity: "fatal",
      requires: ["kubernetes-api/can-initialize-client"],
      async run(context) {
        await clusterOf(context).version();
        return pass;
      },
    },
  ],
};

/** Control-plane components whose pods must be ready (the deployments `linkerd install` creates). */
const CONTROL_PLANE_COMPONENTS = ["destination", "identity", "proxy-injector"] as const;

function isRunning(pod: PodInfo): boolean {
  return pod.phase === "Running";
}

/** The first problem with the control-plane pods, or undefined when each component has a ready pod. */
export function controlPlanePodsProblem(pods: PodInfo[]): string | undefined {
  for (const component of CONTROL_PLANE_COMPONENTS) {
    const running = pods.filter(
      (pod) => pod.labels["linkerd.io/control-plane-component"] === component && isRunning(pod),
    );
    if (running.length === 0) return `No running pods for "linkerd-${component}"`;
    // At least one pod of the component must have every container ready.
    const ready = running.some((pod) =>
      pod.containerStatuses
        .filter((s) => !s.isInit || isSidecar(pod, s.name))
        .every((s) => s.ready),
    );
    if (!ready) {
      const pod = running[0] as PodInfo;
      const notReady = pod.containerStatuses.find(
        (s) => (!s.isInit || isSidecar(pod, s.name)) && !s.ready,
      );
      return `pod/${pod.name} container ${notReady?.name ?? "?"} is not ready`;
    }
  }
  return undefined;
}

function isSidecar(pod: PodInfo, containerName: string): boolean {
  return pod.containers.some(
    (c) => c.name === containerName && c.isInit && c.restartPolicy === "Always",
  );
}

function unschedulableProblem(pods: PodInfo[]): string | undefined {
  const stuck = pods.find((pod) =>
    pod.conditions.some(
      (c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable",
    ),
  );
  if (stuck === undefined) return undefined;
  const reason =
    stuck.conditions.find((c) => c.type === "PodScheduled")?.message ?? "Unschedulable";
  return `${stuck.name}: ${reason}`;
}

function problemOutcome(problem: string | undefined): CheckOutcome {
  return problem === undefined ? pass : { status: "fail", message: problem };
}

export const linkerdExistenceCategory: CategoryDefinition = {
  id: "linkerd-existence",
  checks: [
    {
      id: CONFIG_MAP_EXISTS,
      description: "'linkerd-config' config map exists",
      hintAnchor: "l5d-existence-linkerd-config",
      severity: "fatal",
      requires: [API_QUERY],
      async run(context) {
        clusterOf(context);
        // Read and parsed once for the run: the identity and data-plane checks use the values.
        try {
          await context.facts.linkerdValues();
        } catch (error) {
          // Not found or not parsable is the finding; a refused or failed read stays an error.
          if (!(error instanceof CheckFailure)) throw error;
          return { status: "fail", message: firstLine(error) };
        }
        return pass;
      },
    },
    {
      id: "linkerd-existence/replica-sets-ready",
      description: "control plane replica sets are ready",
      hintAnchor: "l5d-existence-replicasets",
      severity: "fatal",
      retry: true,
      requires: [CONFIG_MAP_EXISTS],
      async run(context) {
        const sets = await clusterOf(context).listReplicaSets(context.controlPlaneNamespace);
        // Linkerd only looks for failing ones, after its fatal linkerd-config check; none at all is
        // a control plane that is not there, not a ready one.
        if (sets.length === 0)
          return {
            status: "fail",
            message: `no replica sets in namespace "${context.controlPlaneNamespace}": the control plane's deployments are missing`,
          };
        const notReady = sets.find((rs) => rs.desired > 0 && rs.ready < rs.desired);
        return problemOutcome(
          notReady &&
            `The "${notReady.name}" replica set is not ready: ${notReady.ready}/${notReady.desired} replicas ready`,
        );
      },
    },
    {
      id: "linkerd-existence/no-unschedulable-pods",
      description: "no unschedulable pods",
      hintAnchor: "l5d-existence-unschedulable-pods",
      severity: "warning",
      retry: true,
      surfaceErrorOnRetry: true,
      requires: [CONFIG_MAP_EXISTS],
      async run(context) {
        return problemOutcome(
          unschedulableProblem(await clusterOf(context).listPods(context.controlPlaneNamespace)),
        );
      },
    },
    {
      id: "linkerd-existence/control-plane-pods-ready",
      description: "control plane pods are ready",
      hintAnchor: "l5d-api-control-ready",
      severity: "fatal",
      retry: true,
      surfaceErrorOnRetry: true,
      requires: [CONFIG_MAP_EXISTS],
      async run(context) {
        // Linkerd lists with the selector linkerd.io/control-plane-component; the component
        // filter below reads that label anyway, so the namespace's one list (which "no
        // unschedulable pods" reads at the same moment) serves both.
        const pods = await clusterOf(context).listPods(context.controlPlaneNamespace);
        return problemOutcome(controlPlanePodsProblem(pods));
      },
    },
  ],
};

function missing(kind: string, names: string[]): CheckOutcome {
  return names.length === 0
    ? pass
    : { status: "fail", message: `missing ${kind}: ${names.join(", ")}` };
}

export const linkerdConfigCategory: CategoryDefinition = {
  id: "linkerd-config",
  checks: [
    {
      id: "linkerd-config/namespace-exists",
      description: "control plane Namespace exists",
      hintAnchor: "l5d-existence-ns",
      severity: "fatal",
      requires: [API_QUERY],
      async run(context) {
        const ns = await clusterOf(context).getNamespace(context.controlPlaneNamespace);
        return problemOutcome(
          ns === undefined
            ? `The "${context.controlPlaneNamespace}" namespace does not exist`
            : undefined,
        );
      },
    },
    {
      id: "linkerd-config/cluster-roles-exist",
      description: "control plane ClusterRoles exist",
      hintAnchor: "l5d-existence-cr",
      severity: "fatal",
      requires: [API_QUERY],
      async run(context) {
        const ns = context.controlPlaneNamespace;
        const found = new Set(
          await clusterOf(context).listClusterRoles({
            labelSelector: `linkerd.io/control-plane-ns=${ns}`,
          }),
        );
        return missing(
          "ClusterRoles",
          [`linkerd-${ns}-identity`, `linkerd-${ns}-proxy-injector`].filter(
            (name) => !found.has(name),
          ),
        );
      },
    },
    {
      id: "linkerd-config/service-accounts-exist",
      description: "control plane ServiceAccounts exist",
      hintAnchor: "l5d-existence-sa",
      severity: "fatal",
      requires: ["linkerd-config/namespace-exists"],
      async run(context) {
        const found = new Set(
          await clusterOf(context).listServiceAccounts(context.controlPlaneNamespace),
        );
        return missing(
          "ServiceAccounts",
          ["linkerd-destination", "linkerd-identity", "linkerd-proxy-injector"].filter(
            (name) => !found.has(name),
          ),
        );
      },
    },
    {
      id: "linkerd-config/mutating-webhooks-exist",
      description: "control plane MutatingWebhookConfigurations exist",
      hintAnchor: "l5d-existence-mwc",
      severity: "fatal",
      requires: [API_QUERY],
      async run(context) {
        const name = "linkerd-proxy-injector-webhook-config";
        return missing(
          "MutatingWebhookConfigurations",
          (await clusterOf(context).getMutatingWebhookConfiguration(name)) ? [] : [name],
        );
      },
    },
    {
      id: "linkerd-config/validating-webhooks-exist",
      description: "control plane ValidatingWebhookConfigurations exist",
      hintAnchor: "l5d-existence-vwc",
      severity: "fatal",
      requires: [API_QUERY],
      async run(context) {
        const name = "linkerd-sp-validator-webhook-config";
        return missing(
          "ValidatingWebhookConfigurations",
          (await clusterOf(context).getValidatingWebhookConfiguration(name)) ? [] : [name],
        );
      },
    },
  ],
};
