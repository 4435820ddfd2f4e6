// What an explanation reads, in a few requests whatever the number of proxies: every pod (each
// reduced to what explanations need as it arrives; edges shares its own LIST), every namespace's
// annotations (Linkerd's config.linkerd.io/* annotations apply from the namespace too) and the
// mesh's current trust anchors.
import { createHash, X509Certificate } from "node:crypto";
import { proxyPodLabel } from "../edges/resource-types.js";
import type { EdgeResourceType } from "../edges/types.js";
import { forbiddenNeeds } from "../errors.js";
import { permissionNeeded } from "../k8s/api-errors.js";
import { noIdentityReason, proxyContainerOf, proxyStatusOf } from "../k8s/pods.js";
import { type Cluster, KubeApiError, type PodInfo } from "../k8s/types.js";
import { decodeStoredBundle } from "../shared/pem.js";
import type { AnchorRef, ExplainFacts, ExplainPod, PodAsListed } from "./types.js";

const SKIP_OUTBOUND = "config.linkerd.io/skip-outbound-ports";
const DISABLE_IDENTITY = "config.linkerd.io/disable-identity";
const DEFAULT_INBOUND_POLICY = "config.linkerd.io/default-inbound-policy";
const TRUST_ANCHORS_ENV = "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS";
const TRUST_ROOTS = "linkerd-identity-trust-roots";
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

/** The anchors of a PEM bundle; an unreadable one is none (it verifies nothing). */
function anchorsOf(pem: string): AnchorRef[] {
  const decoded = decodeStoredBundle(pem);
  if (!decoded.ok) return [];
  return decoded.value.map((der) => {
    let commonName = "";
    try {
      commonName = /(?:^|\n)CN=([^\n]*)/.exec(new X509Certificate(der).subject)?.[1] ?? "";
    } catch {
      // Not a certificate Node can read: named by its digest alone.
    }
    return { sha256: createHash("sha256").update(der).digest("hex"), commonName };
  });
}

/**
 * Reduces each pod of a LIST to what explanations need, as it arrives. Thousands of proxies carry
 * a few bundle texts: each distinct text is decoded once and its anchors shared.
 */
export function explainPodReader(): (pod: PodInfo) => PodAsListed {
  const bundles = new Map<string, readonly AnchorRef[]>();
  const trustOf = (pod: PodInfo): ExplainPod["trust"] => {
    const variable = proxyContainerOf(pod)?.env.find((e) => e.name === TRUST_ANCHORS_ENV);
    if (variable === undefined) return undefined;
    if (variable.value === undefined) return { from: "configmap" };
    let anchors = bundles.get(variable.value);
    if (anchors === undefined) {
      anchors = anchorsOf(variable.value);
      bundles.set(variable.value, anchors);
    }
    return { from: "spec", anchors };
  };
  return (pod) => {
    const workloads = workloadsOf(pod);
    const meshed = proxyContainerOf(pod) !== undefined;
    return {
      pod: {
        namespace: pod.namespace,
        name: pod.name,
        workloads,
        owner: ownerOf(workloads, pod),
        meshed,
        noIdentity: meshed ? noIdentityReason(pod) : undefined,
        ready: proxyStatusOf(pod)?.ready === true,
        ingress: pod.annotations["linkerd.io/inject"] === "ingress",
        trust: meshed ? trustOf(pod) : undefined,
      },
      skipOutbound: pod.annotations[SKIP_OUTBOUND],
      disableIdentity: pod.annotations[DISABLE_IDENTITY],
      defaultInboundPolicy: pod.annotations[DEFAULT_INBOUND_POLICY],
    };
  };
}

/** The pod with its namespace's annotations where it has none of its own. */
function resolve(listed: PodAsListed, namespaceAnnotations: Record<string, string>): ExplainPod {
  const annotated = (own: string | undefined, key: string) =>
    own !== undefined
      ? { value: own, where: "pod" }
      : namespaceAnnotations[key] !== undefined
        ? { value: namespaceAnnotations[key] as string, where: `namespace ${listed.pod.namespace}` }
        : undefined;
  const skip = annotated(listed.skipOutbound, SKIP_OUTBOUND);
  const disable = annotated(listed.disableIdentity, DISABLE_IDENTITY);
  return {
    ...listed.pod,
    inboundPolicy: annotated(listed.defaultInboundPolicy, DEFAULT_INBOUND_POLICY),
    skipOutbound: skip && { ports: skip.value, where: skip.where },
    identityDisabledBy:
      disable?.value === "true" ? `${DISABLE_IDENTITY}: "true" on the ${disable.where}` : undefined,
  };
}

async function readCurrentAnchors(
  cluster: Cluster,
  namespace: string,
): Promise<ExplainFacts["currentAnchors"]> {
  try {
    const roots = await cluster.getConfigMap(namespace, TRUST_ROOTS);
    const pem = roots?.data["ca-bundle.crt"];
    if (pem === undefined)
      return {
        unread: `${namespace}/${TRUST_ROOTS} has no ca-bundle.crt: the anchors are not compared`,
      };
    return { anchors: anchorsOf(pem), where: `${namespace}/${TRUST_ROOTS}` };
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.failure !== "forbidden") throw error;
    return {
      unread: `skipped: ${forbiddenNeeds(permissionNeeded(error.target))}: whether the two sides trust the same anchors is not checked`,
    };
  }
}

export interface CollectOptions {
  /** Every pod of the cluster, when a LIST the command made already reduced them. */
  listed?: PodAsListed[];
  /** Where the trust-roots ConfigMap is; undefined: the anchors are not compared (tap). */
  controlPlaneNamespace?: string;
}

export async function collectExplainFacts(
  cluster: Cluster,
  options: CollectOptions = {},
): Promise<ExplainFacts> {
  const current =
    options.controlPlaneNamespace === undefined
      ? Promise.resolve(undefined)
      : readCurrentAnchors(cluster, options.controlPlaneNamespace);
  current.catch(() => undefined);
  const namespaces = new Map(
    (await cluster.listNamespaces()).map((ns) => [ns.name, ns.annotations] as const),
  );
  const listed = options.listed ?? (await cluster.listPods(undefined, {}, explainPodReader()));
  return {
    pods: listed.map((pod) => resolve(pod, namespaces.get(pod.pod.namespace) ?? {})),
    currentAnchors: await current,
  };
}
