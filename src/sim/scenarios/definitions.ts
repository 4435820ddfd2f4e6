// What each built-in scenario changes in the healthy cluster: its PKI, its issuer scheme, the
// issuer the identity service signs with, or the objects. Keyed by the catalogue's names.
import {
  DISABLE_IDENTITY_ANNOTATION,
  PROXY_FAULT_ANNOTATION,
  SIM_ANNOTATIONS,
} from "../annotations.js";
import { DEFAULT_INBOUND_POLICY } from "../policy.js";
import type { KubeObject } from "../store.js";
import type { ScenarioName } from "./catalogue.js";
import {
  annotateTemplates,
  findObject,
  issuerSecretData,
  service,
  traffic,
  workloadElsewhere,
} from "./objects.js";
import type { PkiSpec, ScenarioPki } from "./pki.js";
import {
  applyRotationState,
  ROTATION_STATES,
  type RotationScenarioName,
  type RotationState,
  rotationScenarioPki,
} from "./rotation.js";

export interface ScenarioBehaviour {
  pki?: (base: PkiSpec) => PkiSpec;
  /** Makes the whole PKI instead of changing the healthy one's spec (the rotation scenarios). */
  makePki?: (now: Date) => Promise<ScenarioPki>;
  issuerScheme?: "linkerd.io/tls" | "kubernetes.io/tls";
  /** Which issuer the identity service signs proxy leaves with; "previous" is an issuer that drifted. */
  identityIssuer?: "secret" | "previous";
  /**
   * "previous": the running proxies' leaves came from an earlier issuer (pki.previousIssuer) that
   * the identity service no longer holds, as just after an issuer rotation.
   */
  leavesIssuer?: "previous";
  /** Changes to the generated objects, after the PKI is in place. */
  mutate?: (objects: KubeObject[], pki: ScenarioPki, now: Date) => void;
}

const ROTATION_BEHAVIOURS = Object.fromEntries(
  (Object.entries(ROTATION_STATES) as Array<[RotationScenarioName, RotationState]>).map(
    ([name, state]): [RotationScenarioName, ScenarioBehaviour] => [
      name,
      {
        makePki: (now) => rotationScenarioPki(state, now),
        issuerScheme: state.certManager ? "kubernetes.io/tls" : "linkerd.io/tls",
        ...((state.leavesFrom ?? state.issuer) === state.issuer
          ? {}
          : { leavesIssuer: "previous" as const }),
        mutate: (objects, pki, now) => applyRotationState(state, objects, pki, now),
      },
    ],
  ),
) as Record<RotationScenarioName, ScenarioBehaviour>;

export const SCENARIO_BEHAVIOURS: Record<ScenarioName, ScenarioBehaviour> = {
  ...ROTATION_BEHAVIOURS,
  healthy: {},
  "issuer-expiring-soon": {
    pki: (base) => ({ ...base, issuer: { ...base.issuer, validity: { from: -335, to: 30 } } }),
  },
  "issuer-expiring-within-week": {
    pki: (base) => ({ ...base, issuer: { ...base.issuer, validity: { from: -360, to: 5 } } }),
  },
  "issuer-expired": {
    pki: (base) => ({ ...base, issuer: { ...base.issuer, validity: { from: -370, to: -5 } } }),
  },
  "issuer-not-yet-valid": {
    pki: (base) => ({ ...base, issuer: { ...base.issuer, validity: { from: 10, to: 375 } } }),
  },
  "anchor-expired": {
    pki: (base) => ({
      ...base,
      anchors: [{ algorithm: "P-256", validity: { from: -3650, to: -2 } }],
    }),
  },
  "anchor-expiring-soon": {
    pki: (base) => ({
      ...base,
      anchors: [{ algorithm: "P-256", validity: { from: -3630, to: 20 } }],
    }),
  },
  "issuer-untrusted": {
    pki: (base) => ({ ...base, issuer: { ...base.issuer, signedBy: "stranger" } }),
  },
  "rsa-anchor": {
    pki: (base) => ({
      ...base,
      anchors: [{ algorithm: "RSA-2048", validity: { from: -1, to: 3650 } }],
    }),
  },
  "issuer-p384": {
    pki: (base) => ({ ...base, issuer: { ...base.issuer, algorithm: "P-384" } }),
  },
  "anchor-rotation": {
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
  "stale-trust-bundle": {
    pki: (base) => ({ ...base, previousAnchor: true }),
    mutate: (objects, pki) => {
      annotateTemplates(objects, "emojivoto", ["web", "voting"], {
        [SIM_ANNOTATIONS.trustAnchors]: pki.previousAnchor?.certPem ?? "",
      });
    },
  },
  "issuer-drift": {
    pki: (base) => ({ ...base, previousIssuer: true }),
    identityIssuer: "previous",
  },
  "expired-leaf": {
    mutate: (objects) =>
      annotateTemplates(objects, "emojivoto", ["voting"], {
        [PROXY_FAULT_ANNOTATION]: "expired-leaf",
      }),
  },
  "proxies-not-ready": {
    mutate: (objects) => {
      annotateTemplates(objects, "emojivoto", ["web"], { [SIM_ANNOTATIONS.ready]: "false" });
      annotateTemplates(objects, "emojivoto", ["emoji"], { [SIM_ANNOTATIONS.phase]: "Pending" });
    },
  },
  scale: {},
  "proxies-unresponsive": {
    mutate: (objects) => {
      annotateTemplates(objects, "emojivoto", ["voting"], { [PROXY_FAULT_ANNOTATION]: "hang" });
      annotateTemplates(objects, "emojivoto", ["emoji"], { [PROXY_FAULT_ANNOTATION]: "refuse" });
    },
  },
  "malformed-pem": {
    mutate: (objects) => {
      const data = issuerSecretData(objects);
      const pem = Buffer.from(data["crt.pem"] ?? "", "base64").toString("utf8");
      data["crt.pem"] = Buffer.from(pem.slice(0, Math.floor(pem.length / 2))).toString("base64");
    },
  },
  "issuer-key-mismatch": {
    mutate: (objects, pki) => {
      issuerSecretData(objects)["key.pem"] = Buffer.from(pki.webhookCa.keyPem).toString("base64");
    },
  },
  "missing-secret-key": {
    mutate: (objects) => {
      delete issuerSecretData(objects)["key.pem"];
    },
  },
  "external-issuer": {
    issuerScheme: "kubernetes.io/tls",
  },
  "control-plane-not-ready": {
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
  "unmeshed-client": {
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
  "unmeshed-service": {
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
  "skip-and-opaque-ports": {
    mutate: (objects) => {
      annotateTemplates(objects, "emojivoto", ["vote-bot"], {
        "config.linkerd.io/skip-outbound-ports": "80",
      });
      annotateTemplates(objects, "emojivoto", ["voting"], {
        "config.linkerd.io/opaque-ports": "8080",
      });
    },
  },
  "addressed-by-ip": {
    mutate: (objects) => {
      objects.push(
        traffic("emojivoto", "by-ip", [
          { from: "deploy/vote-bot", to: "svc/voting-svc:8080", protocol: "grpc", by: "pod-ip" },
        ]),
      );
    },
  },
  "scrape-denied": {
    mutate: (objects) => {
      const namespace = objects.find(
        (o) => o.kind === "Namespace" && o.metadata.name === "emojivoto",
      );
      if (namespace !== undefined)
        namespace.metadata.annotations = {
          ...namespace.metadata.annotations,
          [DEFAULT_INBOUND_POLICY]: "deny",
        };
    },
  },
  "tls-disabled": {
    mutate: (objects) => {
      annotateTemplates(objects, "emojivoto", ["vote-bot"], {
        [DISABLE_IDENTITY_ANNOTATION]: "true",
      });
    },
  },
  "ingress-without-override": {
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
  "closed-connections": {
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
  "webhook-cert-expiring-soon": {
    pki: (base) => ({ ...base, webhooks: { "proxy-injector": { from: -355, to: 10 } } }),
  },
};
