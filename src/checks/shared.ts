// What the check categories share: the ids other categories require, the cluster and the data
// plane of a run, and the layout of a failed check's list.
import type { Cluster } from "../k8s/types.js";
import {
  type CheckContext,
  CheckFailure,
  type CheckOutcome,
  type DataPlaneFacts,
} from "./types.js";

export const API_QUERY = "kubernetes-api/can-query-api";
export const CONFIG_MAP_EXISTS = "linkerd-existence/linkerd-config-exists";
export const CERT_CONFIG = "linkerd-identity/cert-config-valid";

export const pass: CheckOutcome = { status: "pass" };

export function clusterOf(context: CheckContext): Cluster {
  if (context.cluster === undefined)
    throw new CheckFailure("no cluster: this check needs the Kubernetes API", "access");
  return context.cluster;
}

export function dataPlaneOf(context: CheckContext): DataPlaneFacts {
  if (context.dataPlane === undefined) throw new CheckFailure("data-plane checks need --proxy");
  return context.dataPlane;
}

/** A heading and its items, as Linkerd lists them under a failed check (`\t* item`). */
export function listing(heading: string, lines: string[]): string {
  return `${heading}${lines.map((line) => `\n\t* ${line}`).join("")}`;
}
