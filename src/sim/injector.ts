// What Linkerd's proxy injector does to a pod template at admission: the linkerd-proxy native
// sidecar (or a classic one), its environment and ports, and the labels and annotations it adds.
import { createHash } from "node:crypto";
import { load as parseYaml } from "js-yaml";
import { DISABLE_IDENTITY_ANNOTATION, SIM_ANNOTATIONS } from "./annotations.js";
import type { KubeObject, ObjectStore } from "./store.js";

export interface MeshConfig {
  controlPlaneNamespace: string;
  trustDomain: string;
  trustAnchorsPem: string;
  proxyVersion: string;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: PodSpec;
}

export interface Container {
  name: string;
  image?: string;
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  restartPolicy?: string;
  [field: string]: unknown;
}

export interface PodSpec {
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
function trustRootsOf(store: ObjectStore, namespace: string): string | undefined {
  const roots = store.get(
    { apiVersion: "v1", kind: "ConfigMap" },
    namespace,
    "linkerd-identity-trust-roots",
  );
  const bundle = (roots?.data as Record<string, string> | undefined)?.["ca-bundle.crt"];
  return bundle === undefined || bundle.trim() === "" ? undefined : bundle;
}

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
      // Linkerd's injector reads the trust-roots ConfigMap (mounted) at each admission
      // (controller/proxy-injector/webhook.go); linkerd-config's value when there is none.
      trustAnchorsPem:
        trustRootsOf(store, config.metadata.namespace ?? "linkerd") ??
        String(global.identityTrustAnchorsPEM ?? values.identityTrustAnchorsPEM ?? ""),
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

function hasProxy(spec: PodSpec | undefined): boolean {
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].some(
    (c) => c.name === "linkerd-proxy",
  );
}

const DEFAULT_ADMIN_PORT = 4191;
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
          // A classic sidecar has no restartPolicy (only native sidecars do).
          containers: [withoutRestartPolicy(proxy), ...(template.spec?.containers ?? [])],
        }
      : {
          ...template.spec,
          initContainers: [PROXY_INIT, proxy, ...(template.spec?.initContainers ?? [])],
        },
  };
}

export function wantsInjection(template: PodTemplate, namespace: KubeObject | undefined): boolean {
  const own = template.metadata?.annotations?.["linkerd.io/inject"];
  // "ingress" injects the proxy in ingress mode (it routes by l5d-dst-override).
  if (own !== undefined) return own === "enabled" || own === "ingress";
  return namespace?.metadata.annotations?.["linkerd.io/inject"] === "enabled";
}

function withoutRestartPolicy(container: Container): Container {
  const { restartPolicy: _native, ...classic } = container;
  return classic;
}
