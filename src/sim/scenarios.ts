// The built-in cluster: a Linkerd control plane, linkerd-viz and emojivoto, with certificates
// generated at start-up, and the named scenarios that break its identity in one way each.
import { dump as toYaml } from "js-yaml";
import {
  DISABLE_IDENTITY_ANNOTATION,
  injectTemplate,
  type MeshConfig,
  SIM_ANNOTATIONS,
} from "./controllers.js";
import { daysFrom, type Issued, issueCertificate, type KeyAlgorithm } from "./pki.js";
import { PROXY_FAULT_ANNOTATION } from "./proxies.js";
import type { KubeObject } from "./store.js";
import { TRAFFIC_API_VERSION, TRAFFIC_KIND } from "./traffic.js";

export const CONTROL_PLANE_NAMESPACE = "linkerd";
export const TRUST_DOMAIN = "cluster.local";
export const IDENTITY_NAME = `identity.${CONTROL_PLANE_NAMESPACE}.${TRUST_DOMAIN}`;
export const PROXY_VERSION = "edge-26.8.3";

interface Validity {
  /** Days from now; negative is in the past. */
  from: number;
  to: number;
}

/** How a scenario's identity PKI is made. */
interface PkiSpec {
  anchors: Array<{ algorithm: KeyAlgorithm; validity: Validity }>;
  issuer: { algorithm: KeyAlgorithm; validity: Validity; signedBy: "anchor" | "stranger" };
  webhooks?: Partial<Record<WebhookName, Validity>>;
  /** Also make the anchor that came before the current one (for rotations). */
  previousAnchor?: boolean;
  /** Also make an earlier issuer under the same anchor (for a drifted identity service). */
  previousIssuer?: boolean;
}

export interface ScenarioPki {
  anchors: Issued[];
  issuer: Issued;
  previousAnchor?: Issued;
  previousIssuer?: Issued;
  webhookCa: Issued;
  webhooks: Record<WebhookName, Issued>;
}

export type WebhookName = "proxy-injector" | "sp-validator" | "policy-validator";
export const WEBHOOKS: readonly WebhookName[] = [
  "proxy-injector",
  "sp-validator",
  "policy-validator",
];

export interface ScenarioDefinition {
  name: string;
  description: string;
  pki?: (base: PkiSpec) => PkiSpec;
  issuerScheme?: "linkerd.io/tls" | "kubernetes.io/tls";
  /** Which issuer the identity service signs proxy leaves with; "previous" is an issuer that drifted. */
  identityIssuer?: "secret" | "previous";
  /** Changes to the generated objects, after the PKI is in place. */
  mutate?: (objects: KubeObject[], pki: ScenarioPki) => void;
}

const HEALTHY_PKI: PkiSpec = {
  anchors: [{ algorithm: "P-256", validity: { from: -1, to: 3650 } }],
  issuer: { algorithm: "P-256", validity: { from: -1, to: 365 }, signedBy: "anchor" },
};

function findObject(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`scenario object ${kind}/${name} is missing`);
  return found;
}

/** Adds annotations to the pod templates of some Deployments. */
function annotateTemplates(
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

function issuerSecretData(objects: KubeObject[]): Record<string, string> {
  return findObject(objects, "Secret", "linkerd-identity-issuer").data as Record<string, string>;
}

export const SCENARIOS: readonly ScenarioDefinition[] = [
  {
    name: "healthy",
    description: "Everything valid: P-256 anchor (10 years) and issuer (1 year).",
  },
  {
    name: "issuer-expiring-soon",
    description: "The issuer certificate expires in 30 days: a 60-day warning.",
    pki: (base) => ({ ...base, issuer: { ...base.issuer, validity: { from: -335, to: 30 } } }),
  },
  {
    name: "issuer-expired",
    description: "The issuer certificate expired 5 days ago.",
    pki: (base) => ({ ...base, issuer: { ...base.issuer, validity: { from: -370, to: -5 } } }),
  },
  {
    name: "issuer-not-yet-valid",
    description: "The issuer certificate only becomes valid in 10 days.",
    pki: (base) => ({ ...base, issuer: { ...base.issuer, validity: { from: 10, to: 375 } } }),
  },
  {
    name: "anchor-expired",
    description: "The trust anchor expired 2 days ago (the issuer it signed is still in date).",
    pki: (base) => ({
      ...base,
      anchors: [{ algorithm: "P-256", validity: { from: -3650, to: -2 } }],
    }),
  },
  {
    name: "anchor-expiring-soon",
    description:
      "The trust anchor expires in 20 days: a 60-day warning (the issuer is still in date).",
    pki: (base) => ({
      ...base,
      anchors: [{ algorithm: "P-256", validity: { from: -3630, to: 20 } }],
    }),
  },
  {
    name: "issuer-untrusted",
    description: "The issuer was signed by a CA that is not in the trust bundle.",
    pki: (base) => ({ ...base, issuer: { ...base.issuer, signedBy: "stranger" } }),
  },
  {
    name: "rsa-anchor",
    description: "An RSA-2048 trust anchor signing a P-256 issuer (allowed).",
    pki: (base) => ({
      ...base,
      anchors: [{ algorithm: "RSA-2048", validity: { from: -1, to: 3650 } }],
    }),
  },
  {
    name: "issuer-p384",
    description: "A P-384 issuer certificate (Linkerd requires P-256).",
    pki: (base) => ({ ...base, issuer: { ...base.issuer, algorithm: "P-384" } }),
  },
  {
    name: "anchor-rotation",
    description:
      "Two anchors in the bundle during a rotation; emojivoto pods carry the same bundle in another order and layout (equal as certificates).",
    pki: (base) => ({
      ...base,
      anchors: [
        { algorithm: "P-256", validity: { from: -300, to: 3350 } },
        { algorithm: "P-256", validity: { from: -1, to: 3650 } },
      ],
    }),
    mutate: (objects, pki) => {
      // Linkerd compares these strings and would ask for a restart (linkerd/linkerd2#7449, #7484).
      const reordered = `${[...pki.anchors]
        .reverse()
        .map((a) => a.certPem)
        .join("\n")}\n`;
      annotateTemplates(objects, "emojivoto", ["web", "emoji"], {
        [SIM_ANNOTATIONS.trustAnchors]: reordered,
      });
    },
  },
  {
    name: "stale-trust-bundle",
    description:
      "A trust anchor rotation is done, but emojivoto's web and voting pods were not restarted: they still carry the old bundle.",
    pki: (base) => ({ ...base, previousAnchor: true }),
    mutate: (objects, pki) => {
      annotateTemplates(objects, "emojivoto", ["web", "voting"], {
        [SIM_ANNOTATIONS.trustAnchors]: pki.previousAnchor?.certPem ?? "",
      });
    },
  },
  {
    name: "issuer-drift",
    description:
      "The issuer Secret was rotated but the identity service still signs leaves with the previous issuer (linkerd/linkerd2#15109).",
    pki: (base) => ({ ...base, previousIssuer: true }),
    identityIssuer: "previous",
  },
  {
    name: "expired-leaf",
    description: "The voting proxy could not renew its certificate: its leaf expired an hour ago.",
    mutate: (objects) =>
      annotateTemplates(objects, "emojivoto", ["voting"], {
        [PROXY_FAULT_ANNOTATION]: "expired-leaf",
      }),
  },
  {
    name: "proxies-not-ready",
    description: "The web proxy is not ready and the emoji pod is stuck Pending.",
    mutate: (objects) => {
      annotateTemplates(objects, "emojivoto", ["web"], { [SIM_ANNOTATIONS.ready]: "false" });
      annotateTemplates(objects, "emojivoto", ["emoji"], { [SIM_ANNOTATIONS.phase]: "Pending" });
    },
  },
  {
    name: "scale",
    description:
      "Many meshed pods across many namespaces, for benchmarks (demo --pods N --namespaces M).",
  },
  {
    name: "proxies-unresponsive",
    description:
      "The voting proxy accepts connections but never answers; the emoji proxy refuses them.",
    mutate: (objects) => {
      annotateTemplates(objects, "emojivoto", ["voting"], { [PROXY_FAULT_ANNOTATION]: "hang" });
      annotateTemplates(objects, "emojivoto", ["emoji"], { [PROXY_FAULT_ANNOTATION]: "refuse" });
    },
  },
  {
    name: "malformed-pem",
    description: "The issuer certificate in the Secret is cut short (not a PEM certificate).",
    mutate: (objects) => {
      const data = issuerSecretData(objects);
      const pem = Buffer.from(data["crt.pem"] ?? "", "base64").toString("utf8");
      data["crt.pem"] = Buffer.from(pem.slice(0, Math.floor(pem.length / 2))).toString("base64");
    },
  },
  {
    name: "issuer-key-mismatch",
    description: "The issuer Secret's key.pem does not belong to its crt.pem.",
    mutate: (objects, pki) => {
      issuerSecretData(objects)["key.pem"] = Buffer.from(pki.webhookCa.keyPem).toString("base64");
    },
  },
  {
    name: "missing-secret-key",
    description: "The issuer Secret has no key.pem.",
    mutate: (objects) => {
      delete issuerSecretData(objects)["key.pem"];
    },
  },
  {
    name: "external-issuer",
    description:
      "Issuer scheme kubernetes.io/tls (cert-manager): ca.crt, tls.crt, tls.key in the Secret.",
    issuerScheme: "kubernetes.io/tls",
  },
  {
    name: "control-plane-not-ready",
    description: "The linkerd-destination pod's containers are not ready.",
    mutate: (objects) => {
      const deployment = findObject(objects, "Deployment", "linkerd-destination");
      const template = (
        deployment.spec as { template: { metadata: { annotations?: Record<string, string> } } }
      ).template;
      template.metadata.annotations = {
        ...template.metadata.annotations,
        "sim.meshlens.dev/ready": "false",
      };
    },
  },
  {
    name: "unmeshed-client",
    description:
      "A client without a proxy (curl in namespace unmeshed) calls web: plaintext Linkerd's edges never shows.",
    mutate: (objects) => {
      objects.push(
        ...workloadElsewhere({
          ns: "unmeshed",
          name: "curl",
          serviceAccount: "default",
          image: "curlimages/curl:8.11.0",
          flows: [
            { from: "deploy/curl", to: "emojivoto/svc/web-svc:80", protocol: "http", rps: 1 },
          ],
        }),
      );
    },
  },
  {
    name: "unmeshed-service",
    description:
      "web calls a service with no proxy (legacy/ledger): Not Provided By Service Discovery.",
    mutate: (objects) => {
      objects.push(
        ...workloadElsewhere({
          ns: "legacy",
          name: "ledger",
          serviceAccount: "ledger",
          image: "ghcr.io/meshlens/ledger:1",
          ports: [8080],
          flows: [],
        }),
        service("legacy", "ledger", "ledger", 8080),
        traffic("emojivoto", "ledger", [
          { from: "deploy/web", to: "legacy/svc/ledger:8080", protocol: "http", rps: 1 },
        ]),
      );
    },
  },
  {
    name: "skip-and-opaque-ports",
    description:
      "vote-bot's proxy skips port 80 (plaintext to web, unseen outbound); voting's port 8080 is opaque (still mTLS).",
    mutate: (objects) => {
      annotateTemplates(objects, "emojivoto", ["vote-bot"], {
        "config.linkerd.io/skip-outbound-ports": "80",
      });
      annotateTemplates(objects, "emojivoto", ["voting"], {
        "config.linkerd.io/opaque-ports": "8080",
      });
    },
  },
  {
    name: "tls-disabled",
    description:
      "vote-bot's proxy runs without identity (config.linkerd.io/disable-identity): its connections to web are tls=\"disabled\" (Linkerd's edges shows √).",
    mutate: (objects) => {
      annotateTemplates(objects, "emojivoto", ["vote-bot"], {
        [DISABLE_IDENTITY_ANNOTATION]: "true",
      });
    },
  },
  {
    name: "ingress-without-override",
    description:
      "An ingress proxy (linkerd.io/inject: ingress) calls web without l5d-dst-override: no mTLS, √ in Linkerd's edges.",
    mutate: (objects) => {
      objects.push(
        ...workloadElsewhere({
          ns: "ingress",
          name: "ingress-nginx",
          serviceAccount: "ingress-nginx",
          image: "registry.k8s.io/ingress-nginx/controller:v1.12.0",
          ports: [80],
          annotations: { "linkerd.io/inject": "ingress" },
          flows: [
            {
              from: "deploy/ingress-nginx",
              to: "emojivoto/svc/web-svc:80",
              protocol: "http",
              rps: 3,
            },
          ],
        }),
      );
    },
  },
  {
    name: "closed-connections",
    description:
      "A meshed job (emojivoto/report) that calls voting with short connections: none open now.",
    mutate: (objects) => {
      objects.push(
        {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: { name: "report", namespace: "emojivoto" },
          spec: {
            template: {
              metadata: { labels: { app: "report" } },
              spec: {
                serviceAccountName: "default",
                restartPolicy: "Never",
                containers: [{ name: "report", image: "ghcr.io/meshlens/report:1" }],
              },
            },
          },
        },
        traffic("emojivoto", "report", [
          {
            from: "job/report",
            to: "svc/voting-svc:8080",
            protocol: "grpc",
            rps: 0.5,
            connections: "short",
          },
        ]),
      );
    },
  },
  {
    name: "webhook-cert-expiring-soon",
    description: "The proxy-injector webhook certificate expires in 10 days.",
    pki: (base) => ({ ...base, webhooks: { "proxy-injector": { from: -355, to: 10 } } }),
  },
];

export function scenarioNames(): string[] {
  return SCENARIOS.map((scenario) => scenario.name);
}

export function findScenario(name: string): ScenarioDefinition | undefined {
  return SCENARIOS.find((scenario) => scenario.name === name);
}

async function makePki(spec: PkiSpec, now: Date): Promise<ScenarioPki> {
  const anchors: Issued[] = [];
  for (const anchor of spec.anchors) {
    anchors.push(
      await issueCertificate({
        commonName: `root.${IDENTITY_NAME.replace(/^identity\./, "")}`,
        algorithm: anchor.algorithm,
        notBefore: daysFrom(now, anchor.validity.from),
        notAfter: daysFrom(now, anchor.validity.to),
        isCA: true,
        pathLength: 1,
      }),
    );
  }
  const stranger =
    spec.issuer.signedBy === "stranger"
      ? await issueCertificate({
          commonName: `root.${IDENTITY_NAME.replace(/^identity\./, "")}`,
          notBefore: daysFrom(now, -1),
          notAfter: daysFrom(now, 3650),
          isCA: true,
        })
      : undefined;
  // During a rotation the issuer is still signed by the first (current) anchor.
  const signer = stranger ?? anchors[0];
  const issuer = await issueCertificate({
    commonName: IDENTITY_NAME,
    algorithm: spec.issuer.algorithm,
    notBefore: daysFrom(now, spec.issuer.validity.from),
    notAfter: daysFrom(now, spec.issuer.validity.to),
    isCA: true,
    pathLength: 0,
    ...(signer === undefined ? {} : { signer }),
  });
  const previousAnchor = spec.previousAnchor
    ? await issueCertificate({
        commonName: `root.${IDENTITY_NAME.replace(/^identity\./, "")}`,
        notBefore: daysFrom(now, -3000),
        notAfter: daysFrom(now, 650),
        isCA: true,
        pathLength: 1,
      })
    : undefined;
  const previousIssuer =
    spec.previousIssuer && signer !== undefined
      ? await issueCertificate({
          commonName: IDENTITY_NAME,
          notBefore: daysFrom(now, -360),
          notAfter: daysFrom(now, 5),
          isCA: true,
          pathLength: 0,
          signer,
        })
      : undefined;
  const webhookCa = await issueCertificate({
    commonName: "webhook.linkerd.cluster.local",
    notBefore: daysFrom(now, -1),
    notAfter: daysFrom(now, 3650),
    isCA: true,
  });
  const webhooks = {} as Record<WebhookName, Issued>;
  for (const name of WEBHOOKS) {
    const validity = spec.webhooks?.[name] ?? { from: -1, to: 365 };
    webhooks[name] = await issueCertificate({
      commonName: `linkerd-${name}.${CONTROL_PLANE_NAMESPACE}.svc`,
      dnsNames: [`linkerd-${name}.${CONTROL_PLANE_NAMESPACE}.svc`],
      notBefore: daysFrom(now, validity.from),
      notAfter: daysFrom(now, validity.to),
      serverAuth: true,
      signer: webhookCa,
    });
  }
  return {
    anchors,
    issuer,
    webhookCa,
    webhooks,
    ...(previousAnchor ? { previousAnchor } : {}),
    ...(previousIssuer ? { previousIssuer } : {}),
  };
}

const b64 = (text: string) => Buffer.from(text).toString("base64");

function namespace(name: string, annotations?: Record<string, string>): KubeObject {
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

function serviceAccount(ns: string, name: string, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  };
}

function service(
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
function workloadElsewhere(options: {
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
function traffic(ns: string, name: string, flows: Array<Record<string, unknown>>): KubeObject {
  return {
    apiVersion: TRAFFIC_API_VERSION,
    kind: TRAFFIC_KIND,
    metadata: { name, namespace: ns },
    spec: { flows },
  };
}

interface DeploymentOptions {
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

function deployment(options: DeploymentOptions): KubeObject {
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

function controlPlane(
  pki: ScenarioPki,
  scheme: "linkerd.io/tls" | "kubernetes.io/tls",
): KubeObject[] {
  const ns = CONTROL_PLANE_NAMESPACE;
  const anchorsPem = pki.anchors.map((a) => a.certPem).join("");
  const cpLabels = (component: string) => ({
    "linkerd.io/control-plane-component": component,
    "linkerd.io/control-plane-ns": ns,
  });
  const values = {
    cliVersion: `linkerd/cli ${PROXY_VERSION}`,
    clusterDomain: TRUST_DOMAIN,
    controllerReplicas: 1,
    identityTrustAnchorsPEM: anchorsPem,
    identityTrustDomain: TRUST_DOMAIN,
    identity: {
      externalCA: false,
      issuer: {
        scheme,
        clockSkewAllowance: "20s",
        issuanceLifetime: "24h0m0s",
        tls: scheme === "linkerd.io/tls" ? { crtPEM: pki.issuer.certPem } : undefined,
      },
    },
    linkerdVersion: PROXY_VERSION,
    proxy: {
      image: { name: "cr.l5d.io/linkerd/proxy", version: PROXY_VERSION },
      nativeSidecar: true,
    },
    proxyInjector: { externalSecret: false, caBundle: "" },
    profileValidator: { externalSecret: false, caBundle: "" },
    policyValidator: { externalSecret: false, caBundle: "" },
  };
  const issuerSecret: KubeObject =
    scheme === "linkerd.io/tls"
      ? {
          apiVersion: "v1",
          kind: "Secret",
          metadata: {
            name: "linkerd-identity-issuer",
            namespace: ns,
            labels: cpLabels("identity"),
          },
          type: "Opaque",
          data: { "crt.pem": b64(pki.issuer.certPem), "key.pem": b64(pki.issuer.keyPem) },
        }
      : {
          apiVersion: "v1",
          kind: "Secret",
          metadata: {
            name: "linkerd-identity-issuer",
            namespace: ns,
            annotations: { "cert-manager.io/issuer-name": "linkerd-trust-anchor" },
          },
          type: "kubernetes.io/tls",
          data: {
            "ca.crt": b64(anchorsPem),
            "tls.crt": b64(pki.issuer.certPem),
            "tls.key": b64(pki.issuer.keyPem),
          },
        };
  const webhookConfig = (
    kind: string,
    name: string,
    webhook: string,
    service: string,
  ): KubeObject => ({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind,
    metadata: {
      name,
      labels: cpLabels(
        webhook === "linkerd-proxy-injector.linkerd.io" ? "proxy-injector" : "destination",
      ),
    },
    webhooks: [
      {
        name: webhook,
        clientConfig: {
          service: { name: service, namespace: ns, path: "/" },
          caBundle: b64(pki.webhookCa.certPem),
        },
        failurePolicy: kind === "MutatingWebhookConfiguration" ? "Ignore" : "Fail",
        sideEffects: "None",
        admissionReviewVersions: ["v1", "v1beta1"],
      },
    ],
  });
  const webhookSecret = (name: WebhookName): KubeObject => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: `linkerd-${name}-k8s-tls`,
      namespace: ns,
      labels: { "linkerd.io/control-plane-ns": ns },
    },
    type: "kubernetes.io/tls",
    data: { "tls.crt": b64(pki.webhooks[name].certPem), "tls.key": b64(pki.webhooks[name].keyPem) },
  });
  const mesh: MeshConfig = {
    controlPlaneNamespace: ns,
    trustDomain: TRUST_DOMAIN,
    trustAnchorsPem: anchorsPem,
    proxyVersion: PROXY_VERSION,
  };
  // `linkerd install` renders control-plane pods already injected, reading anchors from the ConfigMap.
  const injected = (d: KubeObject): KubeObject => {
    const spec = d.spec as { template: Parameters<typeof injectTemplate>[0] };
    return {
      ...d,
      spec: {
        ...spec,
        template: injectTemplate(
          spec.template,
          mesh,
          { kind: "Deployment", name: d.metadata.name, namespace: ns },
          "configMap",
        ),
      },
    };
  };
  return [
    namespace(ns, { "linkerd.io/inject": "disabled" }),
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "linkerd-config", namespace: ns, labels: cpLabels("controller") },
      data: {
        "linkerd-crds-chart-version": "linkerd-crds-1.0.0-edge",
        values: toYaml(values, { lineWidth: -1 }),
      },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "linkerd-identity-trust-roots",
        namespace: ns,
        labels: cpLabels("identity"),
      },
      data: { "ca-bundle.crt": anchorsPem },
    },
    issuerSecret,
    ...WEBHOOKS.map(webhookSecret),
    webhookConfig(
      "MutatingWebhookConfiguration",
      "linkerd-proxy-injector-webhook-config",
      "linkerd-proxy-injector.linkerd.io",
      "linkerd-proxy-injector",
    ),
    webhookConfig(
      "ValidatingWebhookConfiguration",
      "linkerd-sp-validator-webhook-config",
      "linkerd-sp-validator.linkerd.io",
      "linkerd-sp-validator",
    ),
    webhookConfig(
      "ValidatingWebhookConfiguration",
      "linkerd-policy-validator-webhook-config",
      "linkerd-policy-validator.linkerd.io",
      "linkerd-policy-validator",
    ),
    ...[
      "linkerd-destination",
      "linkerd-identity",
      "linkerd-proxy-injector",
      "linkerd-heartbeat",
    ].map((sa) => serviceAccount(ns, sa, cpLabels(sa.replace(/^linkerd-/, "")))),
    ...["linkerd-destination", "linkerd-identity", "linkerd-proxy-injector"].map((sa) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: {
        name: `linkerd-${ns}-${sa.replace(/^linkerd-/, "")}`,
        labels: cpLabels(sa.replace(/^linkerd-/, "")),
      },
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
    })),
    service(ns, "linkerd-identity", "identity", 8080),
    service(ns, "linkerd-dst", "destination", 8086),
    service(ns, "linkerd-proxy-injector", "proxy-injector", 443),
    service(ns, "linkerd-sp-validator", "destination", 443),
    service(ns, "linkerd-policy-validator", "destination", 443),
    injected(
      deployment({
        ns,
        name: "linkerd-identity",
        image: `cr.l5d.io/linkerd/controller:${PROXY_VERSION}`,
        serviceAccount: "linkerd-identity",
        labels: { ...cpLabels("identity"), app: "identity" },
        ports: [8080],
      }),
    ),
    injected(
      deployment({
        ns,
        name: "linkerd-destination",
        image: `cr.l5d.io/linkerd/controller:${PROXY_VERSION}`,
        serviceAccount: "linkerd-destination",
        labels: { ...cpLabels("destination"), app: "destination" },
        ports: [8086, 8090, 9443],
      }),
    ),
    injected(
      deployment({
        ns,
        name: "linkerd-proxy-injector",
        image: `cr.l5d.io/linkerd/controller:${PROXY_VERSION}`,
        serviceAccount: "linkerd-proxy-injector",
        labels: { ...cpLabels("proxy-injector"), app: "proxy-injector" },
        ports: [8443],
      }),
    ),
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "linkerd-heartbeat", namespace: ns, labels: cpLabels("heartbeat") },
      spec: {
        schedule: "12 4 * * *",
        jobTemplate: {
          spec: {
            template: {
              spec: {
                serviceAccountName: "linkerd-heartbeat",
                containers: [
                  { name: "heartbeat", image: `cr.l5d.io/linkerd/controller:${PROXY_VERSION}` },
                ],
                restartPolicy: "Never",
              },
            },
          },
        },
      },
    },
  ];
}

function viz(pki: ScenarioPki): KubeObject[] {
  const ns = "linkerd-viz";
  const labels = (component: string) => ({
    "linkerd.io/extension": "viz",
    component,
    app: component,
  });
  return [
    namespace(ns, { "linkerd.io/inject": "enabled" }),
    ...["metrics-api", "prometheus", "tap", "web"].map((name) => serviceAccount(ns, name)),
    ...["metrics-api", "prometheus", "tap", "web"].map((name) =>
      deployment({
        ns,
        name,
        image: `cr.l5d.io/linkerd/${name}:${PROXY_VERSION}`,
        serviceAccount: name,
        labels: labels(name),
        ports: [name === "prometheus" ? 9090 : 8085],
      }),
    ),
    service(ns, "prometheus", "prometheus", 9090),
    service(ns, "tap", "tap", 443),
    service(ns, "metrics-api", "metrics-api", 8085),
    // linkerd-viz's role for tap users (viz/charts/linkerd-viz/templates/tap-rbac.yaml), to bind.
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "linkerd-linkerd-viz-tap-admin", labels: labels("tap") },
      rules: [
        { apiGroups: [""], resources: ["namespaces"], verbs: ["list"] },
        { apiGroups: ["tap.linkerd.io"], resources: ["*"], verbs: ["watch"] },
      ],
    },
    // linkerd-viz's Prometheus scrapes every meshed proxy's admin port, every 10 s.
    traffic(ns, "prometheus", [
      { from: "deploy/prometheus", to: "proxies/admin", protocol: "http", rps: 0.1 },
    ]),
    {
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      metadata: { name: "v1alpha1.tap.linkerd.io", labels: { "linkerd.io/extension": "viz" } },
      spec: {
        group: "tap.linkerd.io",
        version: "v1alpha1",
        groupPriorityMinimum: 1000,
        versionPriority: 100,
        service: { name: "tap", namespace: ns },
        caBundle: b64(pki.webhookCa.certPem),
      },
      status: {
        conditions: [
          { type: "Available", status: "True", reason: "Passed", message: "all checks passed" },
        ],
      },
    },
  ];
}

/** Namespaces of meshed Deployments for the scale scenario: `pods` pods spread over `namespaces`. */
export function scaleObjects(pods: number, namespaces: number): KubeObject[] {
  const objects: KubeObject[] = [];
  const perNamespace = Math.ceil(pods / namespaces);
  let remaining = pods;
  for (let n = 0; n < namespaces && remaining > 0; n += 1) {
    const ns = `scale-${String(n).padStart(3, "0")}`;
    objects.push(namespace(ns, { "linkerd.io/inject": "enabled" }), serviceAccount(ns, "default"));
    let inNamespace = Math.min(perNamespace, remaining);
    remaining -= inNamespace;
    const flows: Array<Record<string, unknown>> = [];
    for (let d = 0; inNamespace > 0; d += 1) {
      const replicas = Math.min(10, inNamespace);
      inNamespace -= replicas;
      objects.push(
        deployment({
          ns,
          name: `app-${d}`,
          image: "ghcr.io/meshlens/sim-app:1",
          serviceAccount: "default",
          labels: { app: `app-${d}` },
          ports: [8080],
          replicas,
        }),
        service(ns, `app-${d}`, `app-${d}`, 8080),
      );
      // A chain inside the namespace: app-0 -> app-1 -> ... (the first link of each goes on below).
      if (d > 0) flows.push({ from: `deploy/app-${d - 1}`, to: `svc/app-${d}:8080`, rps: 5 });
    }
    // ... and app-0 of each namespace calls app-0 of the next one.
    if (n > 0)
      flows.push({
        from: `scale-${String(n - 1).padStart(3, "0")}/deploy/app-0`,
        to: `svc/app-0:8080`,
        protocol: "grpc",
        rps: 5,
      });
    objects.push(traffic(ns, "scale", flows));
  }
  return objects;
}

function emojivoto(): KubeObject[] {
  const ns = "emojivoto";
  const app = (name: string, image: string, appLabel: string, sa: string, ports: number[]) =>
    deployment({
      ns,
      name,
      image: `docker.l5d.io/buoyantio/emojivoto-${image}:v11`,
      serviceAccount: sa,
      labels: { app: appLabel, "app.kubernetes.io/part-of": "emojivoto", version: "v11" },
      ports,
    });
  const objects = [
    namespace(ns, { "linkerd.io/inject": "enabled" }),
    ...["emoji", "voting", "web"].map((sa) => serviceAccount(ns, sa)),
    serviceAccount(ns, "default"),
    app("emoji", "emoji-svc", "emoji-svc", "emoji", [8080]),
    app("voting", "voting-svc", "voting-svc", "voting", [8080]),
    app("web", "web", "web-svc", "web", [8080]),
    app("vote-bot", "web", "vote-bot", "default", []),
    service(ns, "emoji-svc", "emoji-svc", 8080),
    service(ns, "voting-svc", "voting-svc", 8080),
    service(ns, "web-svc", "web-svc", 80, 8080),
    // The seed's emojivoto: vote-bot calls web, web calls emoji and voting over gRPC.
    traffic(ns, "emojivoto", [
      {
        from: "deploy/vote-bot",
        to: "svc/web-svc:80",
        protocol: "http",
        rps: 2,
        statuses: { 200: 95, 500: 5 },
        paths: ["/api/list", "/api/vote?choice=:doughnut:", "/api/vote?choice=:rocket:"],
        // vote-bot calls WEB_HOST=web-svc.emojivoto:80, as in emojivoto's manifests.
        authority: "web-svc.emojivoto:80",
      },
      {
        from: "deploy/web",
        to: "svc/emoji-svc:8080",
        protocol: "grpc",
        rps: 4,
        paths: ["/emojivoto.v1.EmojiService/ListAll", "/emojivoto.v1.EmojiService/FindByShortcode"],
        resets: 0.02,
      },
      // emojivoto's voting service fails a share of its calls (its famous "vote for the doughnut").
      {
        from: "deploy/web",
        to: "svc/voting-svc:8080",
        protocol: "grpc",
        rps: 2,
        statuses: { 0: 85, 2: 15 },
        paths: [
          "/emojivoto.v1.VotingService/VoteDoughnut",
          "/emojivoto.v1.VotingService/VoteRocket",
        ],
      },
    ]),
  ];
  // vote-bot keeps the proxy as a classic sidecar in `containers`, as pods injected before native
  // sidecars (edge-23.11.4) still do.
  annotateTemplates(objects, ns, ["vote-bot"], { [SIM_ANNOTATIONS.sidecar]: "classic" });
  return objects;
}

/** The objects of a named scenario, with fresh certificates relative to `now`. */
export async function buildScenario(
  definition: ScenarioDefinition,
  now: Date,
  scale: { pods: number; namespaces: number } = { pods: 1000, namespaces: 20 },
): Promise<{ objects: KubeObject[]; pki: ScenarioPki }> {
  const spec = definition.pki ? definition.pki(HEALTHY_PKI) : HEALTHY_PKI;
  const pki = await makePki(spec, now);
  const objects = [
    namespace("default"),
    namespace("kube-system"),
    ...controlPlane(pki, definition.issuerScheme ?? "linkerd.io/tls"),
    ...viz(pki),
    ...emojivoto(),
  ];
  if (definition.name === "scale") objects.push(...scaleObjects(scale.pods, scale.namespaces));
  definition.mutate?.(objects, pki);
  return { objects, pki };
}
