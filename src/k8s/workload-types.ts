// The resource types Linkerd's viz commands take, by kubectl's friendly names (linkerd2 pkg/k8s
// CanonicalResourceNameFromFriendlyName): edges and tap share them; tap also takes namespaces.
import type { WorkloadType } from "./types.js";

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

/** The names a user types for the types (completion offers them): `deployment`, `deploy` ... */
export function workloadTypeWords(types: readonly WorkloadType[]): string[] {
  return types.flatMap((type) => (SHORT_NAMES[type] === type ? [type] : [type, SHORT_NAMES[type]]));
}

export const WORKLOAD_TYPES = Object.keys(SHORT_NAMES) as WorkloadType[];

/** `deploy`, `deployment`, `deployments` (any case) -> `deployment`; undefined for others. */
export function workloadTypeOf(text: string): WorkloadType | undefined {
  const name = text.toLowerCase();
  for (const [type, short] of Object.entries(SHORT_NAMES) as Array<[WorkloadType, string]>)
    if (name === type || name === `${type}s` || name === short) return type;
  return undefined;
}
