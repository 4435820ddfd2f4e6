// Builders of the Kubernetes objects the scenarios are made of, and the edits scenarios make.

import type { KubeObject } from "../store.js";
import { TRAFFIC_API_VERSION, TRAFFIC_KIND } from "../traffic/flows.js";

export function findObject(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`scenario object ${kind}/${name} is missing`);
  return found;
}

/** Adds annotations to the pod templates of some Deployments. */
export function annotateTemplates(
  objects: KubeObject[],
  namespace: string,
  names: string[],
  annotations: Record<string, string>,
): void {
  for (const name of names) {
    const deployment = objects.find(
      (o) =>
        o.kind === "Deployment" && o.metadata.namespace === namespace && o.metadata.name === name,
    );
    if (deployment === undefined)
      throw new Error(`scenario deployment ${namespace}/${name} is missing`);
    const template = (
      deployment.spec as { template: { metadata: { annotations?: Record<string, string> } } }
    ).template;
    template.metadata.annotations = { ...template.metadata.annotations, ...annotations };
  }
}

export function issuerSecretData(objects: KubeObject[]): Record<string, string> {
  return findObject(objects, "Secret", "linkerd-identity-issuer").data as Record<string, string>;
}

export const b64 = (text: string) => Buffer.from(text).toString("base64");

export function namespace(name: string, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: { "kubernetes.io/metadata.name": name },
      ...(annotations ? { annotations } : {}),
    },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

export function serviceAccount(
  ns: string,
  name: string,
  labels?: Record<string, string>,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  };
}

export function service(
  ns: string,
  name: string,
  app: string,
  port: number,
  targetPort = port,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: ns },
    spec: {
      selector: { app },
      ports: [{ name: "http", port, targetPort }],
      type: "ClusterIP",
    },
  };
}

/**
 * A namespace of its own with one Deployment in it (meshed only when `annotations` ask for it) and
 * the traffic it sends: the extra actors of the traffic scenarios.
 */
export function workloadElsewhere(options: {
  ns: string;
  name: string;
  serviceAccount: string;
  image: string;
  ports?: number[];
  annotations?: Record<string, string>;
  flows: Array<Record<string, unknown>>;
}): KubeObject[] {
  return [
    namespace(options.ns),
    serviceAccount(options.ns, options.serviceAccount),
    deployment({ ...options, labels: { app: options.name } }),
    traffic(options.ns, options.name, options.flows),
  ];
}

/** A `Traffic` object of the simulator (sim/traffic.ts): who calls whom. */
export function traffic(
  ns: string,
  name: string,
  flows: Array<Record<string, unknown>>,
): KubeObject {
  return {
    apiVersion: TRAFFIC_API_VERSION,
    kind: TRAFFIC_KIND,
    metadata: { name, namespace: ns },
    spec: { flows },
  };
}

export interface DeploymentOptions {
  ns: string;
  name: string;
  image: string;
  serviceAccount: string;
  labels: Record<string, string>;
  ports?: number[];
  annotations?: Record<string, string>;
  replicas?: number;
  volumes?: unknown[];
}

export function deployment(options: DeploymentOptions): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: options.name, namespace: options.ns, labels: options.labels },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: options.labels },
      template: {
        metadata: {
          labels: options.labels,
          ...(options.annotations ? { annotations: options.annotations } : {}),
        },
        spec: {
          serviceAccountName: options.serviceAccount,
          containers: [
            {
              name: options.name.replace(/^linkerd-/, ""),
              image: options.image,
              ports: (options.ports ?? []).map((containerPort) => ({ containerPort })),
            },
          ],
          ...(options.volumes ? { volumes: options.volumes } : {}),
        },
      },
    },
  };
}
