// What Linkerd knows of a pod from the Kubernetes API, as the labels the proxies and the tap server
// attach to metrics and events.
import { proxyContainer } from "../pod-proxy.js";
import type { KubeObject, ObjectStore } from "../store.js";

/** The workload a pod belongs to: its owner, or the Deployment that owns its ReplicaSet. */
export function ownerOf(
  store: ObjectStore,
  pod: KubeObject,
): { kind: string; name: string } | undefined {
  const owner = pod.metadata.ownerReferences?.[0];
  if (owner === undefined) return undefined;
  if (owner.kind !== "ReplicaSet") return { kind: owner.kind, name: owner.name };
  const rs = store.get(
    { apiVersion: "apps/v1", kind: "ReplicaSet" },
    pod.metadata.namespace,
    owner.name,
  );
  const deployment = rs?.metadata.ownerReferences?.find((ref) => ref.kind === "Deployment");
  return deployment
    ? { kind: "Deployment", name: deployment.name }
    : { kind: "ReplicaSet", name: owner.name };
}

/**
 * What Linkerd knows of a pod from the Kubernetes API (pkg/k8s): its owner by its label name (a Job
 * as `k8s_job`, KindToL5DLabel), namespace, pod, pod_template_hash, serviceaccount, and
 * control_plane_ns when meshed. The destination service gives these to proxies as `dst_*` labels,
 * and the tap server adds them to events.
 */
export function podLabels(store: ObjectStore, pod: KubeObject): Record<string, string> {
  const labels: Record<string, string> = {};
  if (proxyContainer(pod) !== undefined) labels.control_plane_ns = "linkerd";
  const owner = ownerOf(store, pod);
  if (owner !== undefined)
    labels[owner.kind === "Job" ? "k8s_job" : owner.kind.toLowerCase()] = owner.name;
  labels.namespace = pod.metadata.namespace ?? "default";
  labels.pod = pod.metadata.name;
  const hash = pod.metadata.labels?.["pod-template-hash"];
  if (hash !== undefined) labels.pod_template_hash = hash;
  labels.serviceaccount =
    (pod.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? "default";
  return labels;
}

/** The destination metadata the proxy gets from Linkerd's destination service (`dst_*`, sorted). */
export function destinationLabels(
  store: ObjectStore,
  link: { destination: { pod: KubeObject }; service: { name: string } | undefined },
): Record<string, string> {
  const labels: Record<string, string> = {
    ...podLabels(store, link.destination.pod),
    ...(link.service === undefined ? {} : { service: link.service.name }),
  };
  return Object.fromEntries(
    Object.keys(labels)
      .sort()
      .map((key) => [`dst_${key}`, labels[key] as string]),
  );
}
