// What an explanation reads, in two LISTs whatever the number of proxies: every pod (each reduced
// to what explanations need as it arrives) and every namespace's annotations (Linkerd's
// config.linkerd.io/* annotations apply from the namespace too).
import { proxyPodLabel } from "../edges/resource-types.js";
import type { EdgeResourceType } from "../edges/types.js";
import { noIdentityReason, proxyContainerOf, proxyStatusOf } from "../k8s/pods.js";
import type { Cluster, PodInfo } from "../k8s/types.js";
import type { ExplainFacts, ExplainPod } from "./types.js";

const SKIP_OUTBOUND = "config.linkerd.io/skip-outbound-ports";
const DISABLE_IDENTITY = "config.linkerd.io/disable-identity";
/** The types Linkerd's injector labels each meshed pod with (linkerd2 pkg/k8s labels.go). */
const PROXY_LABELLED: readonly EdgeResourceType[] = [
  "deployment",
  "statefulset",
  "daemonset",
  "job",
  "cronjob",
  "replicaset",
  "replicationcontroller",
];

/** The pod's workload of each type: its proxy's labels, or for a pod without one, its owners. */
function workloadsOf(pod: PodInfo): Record<string, string> {
  const workloads: Record<string, string> = { pod: pod.name, namespace: pod.namespace };
  for (const type of PROXY_LABELLED) {
    const name = pod.labels[proxyPodLabel(type)];
    if (name !== undefined) workloads[type] = name;
  }
  for (const owner of pod.ownerReferences) {
    const type = owner.kind.toLowerCase();
    workloads[type] ??= owner.name;
    // A Deployment's ReplicaSet is named after it, with the pod template's hash.
    const hash = pod.labels["pod-template-hash"];
    if (type === "replicaset" && hash !== undefined && owner.name.endsWith(`-${hash}`))
      workloads.deployment ??= owner.name.slice(0, -hash.length - 1);
  }
  return workloads;
}

function ownerOf(workloads: Record<string, string>, pod: PodInfo): string {
  if (workloads.deployment !== undefined) return `Deployment/${workloads.deployment}`;
  const owner = pod.ownerReferences[0];
  return owner === undefined ? "" : `${owner.kind}/${owner.name}`;
}

export function explainPod(pod: PodInfo, namespaceAnnotations: Record<string, string>): ExplainPod {
  const workloads = workloadsOf(pod);
  const annotated = (key: string) =>
    pod.annotations[key] !== undefined
      ? { value: pod.annotations[key] as string, where: "pod" }
      : namespaceAnnotations[key] !== undefined
        ? { value: namespaceAnnotations[key] as string, where: `namespace ${pod.namespace}` }
        : undefined;
  const skip = annotated(SKIP_OUTBOUND);
  const disable = annotated(DISABLE_IDENTITY);
  const meshed = proxyContainerOf(pod) !== undefined;
  return {
    namespace: pod.namespace,
    name: pod.name,
    workloads,
    owner: ownerOf(workloads, pod),
    meshed,
    noIdentity: meshed ? noIdentityReason(pod) : undefined,
    ready: proxyStatusOf(pod)?.ready === true,
    ingress: pod.annotations["linkerd.io/inject"] === "ingress",
    skipOutbound: skip && { ports: skip.value, where: skip.where },
    identityDisabledBy:
      disable?.value === "true" ? `${DISABLE_IDENTITY}: "true" on the ${disable.where}` : undefined,
  };
}

export async function collectExplainFacts(cluster: Cluster): Promise<ExplainFacts> {
  const namespaces = new Map(
    (await cluster.listNamespaces()).map((ns) => [ns.name, ns.annotations] as const),
  );
  const pods = await cluster.listPods(undefined, {}, (pod) =>
    explainPod(pod, namespaces.get(pod.namespace) ?? {}),
  );
  return { pods };
}
