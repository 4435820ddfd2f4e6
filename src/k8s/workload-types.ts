// The resource types Linkerd's viz commands take, by kubectl's friendly names (linkerd2 pkg/k8s
// CanonicalResourceNameFromFriendlyName): edges and tap share them; tap also takes namespaces.

export type WorkloadType =
  | "cronjob"
  | "daemonset"
  | "deployment"
  | "job"
  | "namespace"
  | "pod"
  | "replicaset"
  | "replicationcontroller"
  | "statefulset";

const SHORT_NAMES: Record<WorkloadType, string> = {
  cronjob: "cj",
  daemonset: "ds",
  deployment: "deploy",
  job: "job",
  namespace: "ns",
  pod: "po",
  replicaset: "rs",
  replicationcontroller: "rc",
  statefulset: "sts",
};

/** `deploy`, `deployment`, `deployments` (any case) -> `deployment`; undefined for others. */
export function workloadTypeOf(text: string): WorkloadType | undefined {
  const name = text.toLowerCase();
  for (const [type, short] of Object.entries(SHORT_NAMES) as Array<[WorkloadType, string]>)
    if (name === type || name === `${type}s` || name === short) return type;
  return undefined;
}
