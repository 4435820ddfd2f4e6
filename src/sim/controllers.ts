// What kube-controller-manager, the kubelet and Linkerd's proxy injector would do to the objects in
// the store: workloads get ReplicaSets and Pods, annotated Pods get a linkerd-proxy, Pods get a status.
import { createHash } from "node:crypto";
import { load as parseYaml } from "js-yaml";
import type { KubeObject, ObjectStore } from "./store.js";

/** Simulation knobs, set as annotations on a pod template (or a Pod). Documented in the README. */
export const SIM_ANNOTATIONS = {
  /** "false": the pod's containers report not ready. */
  ready: "sim.meshlens.dev/ready",
  /** A pod phase other than Running, e.g. "Pending" or "Failed". */
  phase: "sim.meshlens.dev/phase",
  /** A trust bundle PEM to inject instead of the current one (a pod not restarted after a rotation). */
  trustAnchors: "sim.meshlens.dev/trust-anchors",
  /** "classic": inject the proxy into `containers` (before native sidecars) instead of `initContainers`. */
  sidecar: "sim.meshlens.dev/sidecar",
} as const;

export interface MeshConfig {
  controlPlaneNamespace: string;
  trustDomain: string;
  trustAnchorsPem: string;
  proxyVersion: string;
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: PodSpec;
}

interface Container {
  name: string;
  image?: string;
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  restartPolicy?: string;
  [field: string]: unknown;
}

interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  serviceAccountName?: string;
  [field: string]: unknown;
}

const WORKLOAD_LABEL: Record<string, string> = {
  Deployment: "linkerd.io/proxy-deployment",
  StatefulSet: "linkerd.io/proxy-statefulset",
  DaemonSet: "linkerd.io/proxy-daemonset",
  Job: "linkerd.io/proxy-job",
  ReplicaSet: "linkerd.io/proxy-replicaset",
};

/** The mesh configuration the injector uses, read from the linkerd-config ConfigMap in the store. */
export function readMeshConfig(store: ObjectStore): MeshConfig | undefined {
  const configs = store
    .list({ apiVersion: "v1", kind: "ConfigMap" })
    .filter((cm) => cm.metadata.name === "linkerd-config");
  const config = configs.find((cm) => cm.metadata.namespace === "linkerd") ?? configs[0];
  const valuesText = (config?.data as Record<string, string> | undefined)?.values;
  if (config === undefined || valuesText === undefined) return undefined;
  try {
    const values = (parseYaml(valuesText) ?? {}) as Record<string, unknown>;
    const global = (values.global ?? values) as Record<string, unknown>;
    return {
      controlPlaneNamespace: config.metadata.namespace ?? "linkerd",
      trustDomain: String(
        global.identityTrustDomain ?? values.identityTrustDomain ?? "cluster.local",
      ),
      trustAnchorsPem: String(
        global.identityTrustAnchorsPEM ?? values.identityTrustAnchorsPEM ?? "",
      ),
      proxyVersion: String(
        (values.proxy as { image?: { version?: string } } | undefined)?.image?.version ||
          values.linkerdVersion ||
          "edge-26.8.3",
      ),
    };
  } catch {
    return undefined;
  }
}

function shortHash(text: string, length: number): string {
  // Kubernetes' "safe" alphabet for generated names: no vowels, no confusable digits.
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  const digest = createHash("sha256").update(text).digest();
  let out = "";
  for (let i = 0; i < length; i += 1) out += alphabet[(digest[i] ?? 0) % alphabet.length];
  return out;
}

function hasProxy(spec: PodSpec | undefined): boolean {
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].some(
    (c) => c.name === "linkerd-proxy",
  );
}

const DEFAULT_ADMIN_PORT = 4191;
/** Linkerd's opt-out of identity for a workload (2.x before 2.12; the proxy then has none). */
export const DISABLE_IDENTITY_ANNOTATION = "config.linkerd.io/disable-identity";
const ADMIN_PORT_ANNOTATION = "config.linkerd.io/admin-port";

/**
 * The sidecar Linkerd's injector adds (shape of linkerd2 cli/cmd/testdata/inject_emojivoto_pod.golden.yml):
 * a native sidecar init container with the trust anchors inline, or, for the control plane, from the
 * linkerd-identity-trust-roots ConfigMap.
 */
export function proxyContainer(
  mesh: MeshConfig,
  anchors: "inline" | "configMap",
  adminPort = DEFAULT_ADMIN_PORT,
  withIdentity = true,
): Container {
  const cp = mesh.controlPlaneNamespace;
  const identitySuffix = `serviceaccount.identity.${cp}.${mesh.trustDomain}`;
  const trustAnchors =
    anchors === "inline"
      ? { name: "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", value: mesh.trustAnchorsPem }
      : {
          name: "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS",
          valueFrom: {
            configMapKeyRef: { name: "linkerd-identity-trust-roots", key: "ca-bundle.crt" },
          },
        };
  return {
    name: "linkerd-proxy",
    image: `cr.l5d.io/linkerd/proxy:${mesh.proxyVersion}`,
    imagePullPolicy: "IfNotPresent",
    restartPolicy: "Always",
    env: [
      { name: "_pod_name", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "_pod_ns", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "_pod_nodeName", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      { name: "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", value: `0.0.0.0:${adminPort}` },
      { name: "LINKERD2_PROXY_CONTROL_LISTEN_ADDR", value: "0.0.0.0:4190" },
      { name: "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", value: "0.0.0.0:4143" },
      { name: "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", value: "127.0.0.1:4140" },
      { name: "_pod_sa", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } },
      { name: "_l5d_ns", value: cp },
      { name: "_l5d_trustdomain", value: mesh.trustDomain },
      // Linkerd's proxy template before 2.12: identity disabled replaces the identity variables.
      ...(withIdentity
        ? [
            { name: "LINKERD2_PROXY_IDENTITY_DIR", value: "/var/run/linkerd/identity/end-entity" },
            trustAnchors,
            {
              name: "LINKERD2_PROXY_IDENTITY_TOKEN_FILE",
              value: "/var/run/secrets/tokens/linkerd-identity-token",
            },
            {
              name: "LINKERD2_PROXY_IDENTITY_SVC_ADDR",
              value: `linkerd-identity-headless.${cp}.svc.cluster.local.:8080`,
            },
            {
              name: "LINKERD2_PROXY_IDENTITY_LOCAL_NAME",
              value: `$(_pod_sa).$(_pod_ns).${identitySuffix}`,
            },
            {
              name: "LINKERD2_PROXY_IDENTITY_SVC_NAME",
              value: `linkerd-identity.${cp}.${identitySuffix}`,
            },
          ]
        : [{ name: "LINKERD2_PROXY_IDENTITY_DISABLED", value: "disabled" }]),
      {
        name: "LINKERD2_PROXY_DESTINATION_SVC_NAME",
        value: `linkerd-destination.${cp}.${identitySuffix}`,
      },
    ],
    ports: [
      { containerPort: 4143, name: "linkerd-proxy" },
      { containerPort: adminPort, name: "linkerd-admin" },
    ],
    livenessProbe: { httpGet: { path: "/live", port: adminPort }, initialDelaySeconds: 10 },
    readinessProbe: { httpGet: { path: "/ready", port: adminPort }, initialDelaySeconds: 2 },
    startupProbe: {
      httpGet: { path: "/ready", port: adminPort },
      failureThreshold: 120,
      periodSeconds: 1,
    },
  };
}

const PROXY_INIT: Container = {
  name: "linkerd-init",
  image: "cr.l5d.io/linkerd/proxy-init:v2.4.1",
  args: ["--incoming-proxy-port", "4143", "--outgoing-proxy-port", "4140", "--proxy-uid", "2102"],
};

/** Adds the proxy to a pod template, as the injector webhook does at admission. */
export function injectTemplate(
  template: PodTemplate,
  mesh: MeshConfig,
  workload: { kind: string; name: string; namespace: string },
  anchors: "inline" | "configMap" = "inline",
): PodTemplate {
  if (hasProxy(template.spec)) return template;
  const annotations = template.metadata?.annotations ?? {};
  const pinnedAnchors = annotations[SIM_ANNOTATIONS.trustAnchors];
  // The injector's override of the admin port (linkerd2 charts/partials/templates/_proxy.tpl).
  const adminPort = Number(annotations[ADMIN_PORT_ANNOTATION] ?? DEFAULT_ADMIN_PORT);
  const proxy = proxyContainer(
    pinnedAnchors === undefined ? mesh : { ...mesh, trustAnchorsPem: pinnedAnchors },
    anchors,
    Number.isInteger(adminPort) && adminPort > 0 ? adminPort : DEFAULT_ADMIN_PORT,
    annotations[DISABLE_IDENTITY_ANNOTATION] !== "true",
  );
  const classic = annotations[SIM_ANNOTATIONS.sidecar] === "classic";
  const labels: Record<string, string> = {
    ...template.metadata?.labels,
    "linkerd.io/control-plane-ns": mesh.controlPlaneNamespace,
    "linkerd.io/workload-ns": workload.namespace,
  };
  const workloadLabel = WORKLOAD_LABEL[workload.kind];
  if (workloadLabel !== undefined) labels[workloadLabel] = workload.name;
  return {
    ...template,
    metadata: {
      ...template.metadata,
      labels,
      annotations: {
        ...template.metadata?.annotations,
        "linkerd.io/created-by": "linkerd/proxy-injector meshlens-sim",
        "linkerd.io/proxy-version": mesh.proxyVersion,
        "linkerd.io/trust-root-sha256": createHash("sha256")
          .update(pinnedAnchors ?? mesh.trustAnchorsPem)
          .digest("hex"),
      },
    },
    spec: classic
      ? {
          ...template.spec,
          initContainers: [PROXY_INIT, ...(template.spec?.initContainers ?? [])],
          containers: [
            { ...proxy, restartPolicy: undefined },
            ...(template.spec?.containers ?? []),
          ],
        }
      : {
          ...template.spec,
          initContainers: [PROXY_INIT, proxy, ...(template.spec?.initContainers ?? [])],
        },
  };
}

function wantsInjection(template: PodTemplate, namespace: KubeObject | undefined): boolean {
  const own = template.metadata?.annotations?.["linkerd.io/inject"];
  // "ingress" injects the proxy in ingress mode (it routes by l5d-dst-override).
  if (own !== undefined) return own === "enabled" || own === "ingress";
  return namespace?.metadata.annotations?.["linkerd.io/inject"] === "enabled";
}

/** Pod IPs come from 10.42.0.0/16, like a k3s cluster. */
class IpAllocator {
  private next = 10;
  allocate(): string {
    const n = this.next++;
    return `10.42.${Math.floor(n / 250)}.${(n % 250) + 1}`;
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
  const ips = new IpAllocator();
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
