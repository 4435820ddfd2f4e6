// Linkerd's control plane as `linkerd install` lays it out: linkerd-config, the trust roots, the
// issuer and webhook Secrets, the webhook configurations, the control-plane workloads.
import { dump as toYaml } from "js-yaml";
import { injectTemplate, type MeshConfig } from "../injector.js";
import type { KubeObject } from "../store.js";
import { b64, deployment, namespace, service, serviceAccount } from "./objects.js";
import {
  CONTROL_PLANE_NAMESPACE,
  PROXY_VERSION,
  type ScenarioPki,
  TRUST_DOMAIN,
  WEBHOOKS,
  type WebhookName,
} from "./pki.js";
export function controlPlane(
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
