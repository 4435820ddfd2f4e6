// What kube-controller-manager and the kubelet would do to the objects in the store: workloads get
// ReplicaSets and Pods (injected as injector.ts says), Pods get a status, workloads their counts.
import { createHash } from "node:crypto";
import { SIM_ANNOTATIONS } from "./annotations.js";
import {
  type Container,
  injectTemplate,
  type PodSpec,
  type PodTemplate,
  readMeshConfig,
  wantsInjection,
} from "./injector.js";
import type { KubeObject, ObjectStore } from "./store.js";

function shortHash(text: string, length: number): string {
  // Kubernetes' "safe" alphabet for generated names: no vowels, no confusable digits.
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  const digest = createHash("sha256").update(text).digest();
  let out = "";
  for (let i = 0; i < length; i += 1) out += alphabet[(digest[i] ?? 0) % alphabet.length];
  return out;
}

/** Pod IPs come from 10.42.0.0/16, like a k3s cluster; the ones pods hold are skipped. */
class IpAllocator {
  private next = 10;
  private readonly used: Set<string>;
  constructor(used: Iterable<string> = []) {
    this.used = new Set(used);
  }
  allocate(): string {
    for (;;) {
      const n = this.next++;
      const ip = `10.42.${Math.floor(n / 250)}.${(n % 250) + 1}`;
      if (!this.used.has(ip)) return ip;
    }
  }
}

/**
 * A Deployment whose pod template changed (`kubectl rollout restart` stamps an annotation on it)
 * gets a new ReplicaSet: the ReplicaSets of earlier templates and their pods go, at once (the
 * simulator rolls without surge).
 */
function dropOutdatedReplicaSets(
  store: ObjectStore,
  deployment: KubeObject,
  current: string,
): void {
  const namespace = deployment.metadata.namespace ?? "default";
  for (const rs of store.list({ apiVersion: "apps/v1", kind: "ReplicaSet" }, namespace)) {
    const owned = (rs.metadata.ownerReferences ?? []).some(
      (ref) => ref.kind === "Deployment" && ref.name === deployment.metadata.name,
    );
    if (!owned || rs.metadata.name === current) continue;
    for (const pod of store.list({ apiVersion: "v1", kind: "Pod" }, namespace))
      if (
        (pod.metadata.ownerReferences ?? []).some(
          (ref) => ref.kind === "ReplicaSet" && ref.name === rs.metadata.name,
        )
      )
        store.remove("v1", "Pod", namespace, pod.metadata.name);
    store.remove("apps/v1", "ReplicaSet", namespace, rs.metadata.name);
  }
}

function containerStatus(container: Container, ready: boolean, startedAt: string) {
  return {
    name: container.name,
    image: container.image ?? "",
    imageID: "",
    ready,
    started: true,
    restartCount: 0,
    state: { running: { startedAt } },
  };
}

function waitingStatus(container: Container) {
  return {
    name: container.name,
    image: container.image ?? "",
    imageID: "",
    ready: false,
    started: false,
    restartCount: 0,
    state: { waiting: { reason: "PodInitializing" } },
  };
}

/** The status the kubelet would report for a pod spec, with the simulation knobs applied. */
export function podStatus(
  spec: PodSpec,
  annotations: Record<string, string> | undefined,
  ip: string,
  startedAt: string,
) {
  const phase = annotations?.[SIM_ANNOTATIONS.phase] ?? "Running";
  const ready = phase === "Running" && annotations?.[SIM_ANNOTATIONS.ready] !== "false";
  const condition = (type: string, status: boolean) => ({
    type,
    status: status ? "True" : "False",
    lastTransitionTime: startedAt,
  });
  if (phase === "Pending") {
    return {
      phase,
      conditions: [
        condition("PodScheduled", true),
        condition("Initialized", false),
        condition("Ready", false),
      ],
      initContainerStatuses: (spec.initContainers ?? []).map(waitingStatus),
      containerStatuses: (spec.containers ?? []).map(waitingStatus),
    };
  }
  return {
    phase,
    hostIP: "172.18.0.2",
    podIP: ip,
    podIPs: [{ ip }],
    startTime: startedAt,
    conditions: [
      condition("PodScheduled", true),
      condition("Initialized", true),
      condition("ContainersReady", ready),
      condition("Ready", ready),
    ],
    initContainerStatuses: (spec.initContainers ?? []).map((c) =>
      c.restartPolicy === "Always"
        ? containerStatus(c, ready, startedAt)
        : {
            name: c.name,
            image: c.image ?? "",
            imageID: "",
            ready: true,
            started: false,
            restartCount: 0,
            state: {
              terminated: { exitCode: 0, reason: "Completed", startedAt, finishedAt: startedAt },
            },
          },
    ),
    containerStatuses: (spec.containers ?? []).map((c) => containerStatus(c, ready, startedAt)),
  };
}

interface Owner {
  kind: string;
  name: string;
  namespace: string;
  uid: string;
  apiVersion: string;
}

/**
 * Brings the store to the state controllers would reach: a ReplicaSet per Deployment, the Pods of
 * every ReplicaSet, StatefulSet, DaemonSet and Job, injected when annotated, each with a status.
 */
export function reconcileWorkloads(store: ObjectStore, startedAt: string): void {
  const mesh = readMeshConfig(store);
  const ips = new IpAllocator(
    store
      .list({ apiVersion: "v1", kind: "Pod" })
      .map((pod) => (pod.status as { podIP?: string } | undefined)?.podIP ?? ""),
  );
  const namespaces = new Map(
    store.list({ apiVersion: "v1", kind: "Namespace" }).map((ns) => [ns.metadata.name, ns]),
  );
  const existingPods = store.list({ apiVersion: "v1", kind: "Pod" });
  const ownedPods = new Set(
    existingPods.flatMap((pod) =>
      (pod.metadata.ownerReferences ?? []).map(
        (ref) => `${pod.metadata.namespace}/${ref.kind}/${ref.name}`,
      ),
    ),
  );

  const createPods = (
    owner: Owner,
    template: PodTemplate,
    names: string[],
    workloadForLabels: { kind: string; name: string },
  ) => {
    if (ownedPods.has(`${owner.namespace}/${owner.kind}/${owner.name}`)) return;
    const injected =
      mesh !== undefined && wantsInjection(template, namespaces.get(owner.namespace))
        ? injectTemplate(template, mesh, { ...workloadForLabels, namespace: owner.namespace })
        : template;
    for (const name of names) {
      const spec: PodSpec = {
        serviceAccountName: "default",
        ...injected.spec,
        nodeName: "sim-node-1",
      };
      store.put({
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name,
          namespace: owner.namespace,
          labels: { ...injected.metadata?.labels },
          annotations: { ...injected.metadata?.annotations },
          ownerReferences: [
            {
              apiVersion: owner.apiVersion,
              kind: owner.kind,
              name: owner.name,
              uid: owner.uid,
              controller: true,
            },
          ],
        },
        spec,
        status: podStatus(spec, injected.metadata?.annotations, ips.allocate(), startedAt),
      });
    }
  };

  const ownerOf = (object: KubeObject): Owner => ({
    kind: object.kind,
    name: object.metadata.name,
    namespace: object.metadata.namespace ?? "default",
    uid: object.metadata.uid ?? "",
    apiVersion: object.apiVersion,
  });
  const replicasOf = (object: KubeObject): number => {
    const replicas = (object.spec as { replicas?: number } | undefined)?.replicas;
    return typeof replicas === "number" ? replicas : 1;
  };
  const templateOf = (object: KubeObject): PodTemplate =>
    ((object.spec as { template?: PodTemplate } | undefined)?.template ?? {}) as PodTemplate;

  for (const deployment of store.list({ apiVersion: "apps/v1", kind: "Deployment" })) {
    const template = templateOf(deployment);
    const hash = shortHash(JSON.stringify(template), 10);
    const name = `${deployment.metadata.name}-${hash}`;
    dropOutdatedReplicaSets(store, deployment, name);
    const replicas = replicasOf(deployment);
    const labels = { ...template.metadata?.labels, "pod-template-hash": hash };
    const rs = store.put({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name,
        namespace: deployment.metadata.namespace ?? "default",
        labels,
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: deployment.metadata.name,
            uid: deployment.metadata.uid ?? "",
            controller: true,
          },
        ],
      },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: { ...template, metadata: { ...template.metadata, labels } },
      },
    });
    const podNames = Array.from(
      { length: replicas },
      (_, i) => `${name}-${shortHash(`${name}/${i}`, 5)}`,
    );
    createPods(ownerOf(rs), { ...template, metadata: { ...template.metadata, labels } }, podNames, {
      kind: "Deployment",
      name: deployment.metadata.name,
    });
  }
  for (const kind of ["StatefulSet", "DaemonSet"] as const) {
    for (const workload of store.list({ apiVersion: "apps/v1", kind })) {
      const name = workload.metadata.name;
      const count = kind === "DaemonSet" ? 1 : replicasOf(workload);
      const podNames = Array.from({ length: count }, (_, i) =>
        kind === "StatefulSet" ? `${name}-${i}` : `${name}-${shortHash(`${name}/${i}`, 5)}`,
      );
      createPods(ownerOf(workload), templateOf(workload), podNames, { kind, name });
    }
  }
  for (const job of store.list({ apiVersion: "batch/v1", kind: "Job" })) {
    const name = job.metadata.name;
    createPods(ownerOf(job), templateOf(job), [`${name}-${shortHash(name, 5)}`], {
      kind: "Job",
      name,
    });
  }

  // Statuses for pods users wrote without one, and for workloads from the pods they own.
  for (const pod of store.list({ apiVersion: "v1", kind: "Pod" })) {
    if (pod.status === undefined) {
      store.put({
        ...pod,
        status: podStatus(
          (pod.spec ?? {}) as PodSpec,
          pod.metadata.annotations,
          ips.allocate(),
          startedAt,
        ),
      });
    }
  }
  updateWorkloadStatuses(store);
}

function isPodReady(pod: KubeObject): boolean {
  const conditions = (
    pod.status as { conditions?: Array<{ type: string; status: string }> } | undefined
  )?.conditions;
  return conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

function updateWorkloadStatuses(store: ObjectStore): void {
  const pods = store.list({ apiVersion: "v1", kind: "Pod" });
  const podsOf = (namespace: string | undefined, kind: string, name: string) =>
    pods.filter(
      (pod) =>
        pod.metadata.namespace === namespace &&
        pod.metadata.ownerReferences?.some((ref) => ref.kind === kind && ref.name === name),
    );
  for (const rs of store.list({ apiVersion: "apps/v1", kind: "ReplicaSet" })) {
    const owned = podsOf(rs.metadata.namespace, "ReplicaSet", rs.metadata.name);
    const ready = owned.filter(isPodReady).length;
    store.put({
      ...rs,
      status: {
        replicas: owned.length,
        readyReplicas: ready,
        availableReplicas: ready,
        fullyLabeledReplicas: owned.length,
      },
    });
  }
  const replicaSets = store.list({ apiVersion: "apps/v1", kind: "ReplicaSet" });
  for (const deployment of store.list({ apiVersion: "apps/v1", kind: "Deployment" })) {
    const owned = replicaSets.filter(
      (rs) =>
        rs.metadata.namespace === deployment.metadata.namespace &&
        rs.metadata.ownerReferences?.some(
          (ref) => ref.kind === "Deployment" && ref.name === deployment.metadata.name,
        ),
    );
    const sum = (field: "replicas" | "readyReplicas") =>
      owned.reduce(
        (total, rs) => total + ((rs.status as Record<string, number> | undefined)?.[field] ?? 0),
        0,
      );
    const replicas = sum("replicas");
    const ready = sum("readyReplicas");
    store.put({
      ...deployment,
      status: {
        replicas,
        readyReplicas: ready,
        availableReplicas: ready,
        updatedReplicas: replicas,
        unavailableReplicas: replicas - ready,
      },
    });
  }
}
