// Trust-anchor rotations caught at one moment (issue 19): each phase of the two documented flows,
// the manual one (linkerd.io/tls, rotation-multicluster-expiry-facts.md A2) and cert-manager with
// trust-manager (kubernetes.io/tls, identity.externalCA=true, A3), and each dangerous state. A
// state says which anchors sit where, which issuer signs and which issued the leaves the running
// proxies hold; the simulator then behaves as the cluster would from there on.
import { load as parseYaml, dump as toYaml } from "js-yaml";
import { SIM_ANNOTATIONS } from "../annotations.js";
import { type Issued, issueCertificate } from "../pki.js";
import type { KubeObject } from "../store.js";
import { annotateTemplates, b64, findObject, namespace } from "./objects.js";
import {
  CONTROL_PLANE_NAMESPACE,
  IDENTITY_NAME,
  type RotationPki,
  type ScenarioPki,
  webhookPki,
} from "./pki.js";

type Anchor = "old" | "new";

export interface RotationState {
  /** The trust-roots ConfigMap's bundle, in its order (the runbook puts the new anchor first). */
  bundle: Anchor[];
  /** linkerd-config's identityTrustAnchorsPEM; default: the bundle (`linkerd upgrade` writes both). */
  linkerdConfig?: Anchor[];
  /** The anchor that signed the issuer in the Secret, which the identity service holds. */
  issuer: Anchor;
  /** The issuer of the leaves the running proxies hold (default: the current one). */
  leavesFrom?: Anchor;
  /** The bundle the data-plane pods were injected with (default: the bundle). */
  dataPlaneTrusts?: Anchor[];
  /** What the control plane loaded when it started, before the bundle last changed (default: it restarted since). */
  controlPlaneTrusts?: Anchor[];
  /** cert-manager issues the issuer, trust-manager writes the bundle. */
  certManager?: boolean;
}

const HOUR_MS = 3_600_000;
const DAY = 1;

async function rotationPki(now: Date): Promise<RotationPki> {
  const days = (n: number) => new Date(now.getTime() + n * DAY * 24 * HOUR_MS);
  const anchor = (from: number, to: number) =>
    issueCertificate({
      commonName: `root.${CONTROL_PLANE_NAMESPACE}.cluster.local`,
      notBefore: days(from),
      notAfter: days(to),
      isCA: true,
      pathLength: 1,
    });
  const [old, next] = [await anchor(-700, 2950), await anchor(-2, 3648)];
  const issuer = (signer: Issued, from: number, to: number) =>
    issueCertificate({
      commonName: IDENTITY_NAME,
      notBefore: days(from),
      notAfter: days(to),
      isCA: true,
      pathLength: 0,
      signer,
    });
  return {
    anchors: { old, new: next },
    issuers: { old: await issuer(old, -300, 65), new: await issuer(next, -1, 364) },
  };
}

const pemOf = (pki: RotationPki, anchors: Anchor[]) =>
  anchors.map((a) => pki.anchors[a].certPem).join("");

/** The scenario's PKI: the bundle as `anchors`, the Secret's issuer, the leaves' issuer apart. */
export async function rotationScenarioPki(state: RotationState, now: Date): Promise<ScenarioPki> {
  const [pki, webhooks] = await Promise.all([rotationPki(now), webhookPki({}, now)]);
  const leaves = state.leavesFrom ?? state.issuer;
  return {
    ...webhooks,
    anchors: state.bundle.map((a) => pki.anchors[a]),
    issuer: pki.issuers[state.issuer],
    previousAnchor: pki.anchors.old,
    ...(leaves === state.issuer ? {} : { previousIssuer: pki.issuers[leaves] }),
    rotation: pki,
  };
}

/** Edits the healthy cluster's objects into the state. */
export function applyRotationState(
  state: RotationState,
  objects: KubeObject[],
  pki: ScenarioPki,
  now: Date,
): void {
  const generations = pki.rotation;
  if (generations === undefined) throw new Error("a rotation scenario needs its PKI");
  const trustRoots = findObject(objects, "ConfigMap", "linkerd-identity-trust-roots");
  // The bundle last changed before the pods started an hour ago, unless the control plane is
  // to be older than the change.
  const changedAt = new Date(
    now.getTime() - (state.controlPlaneTrusts === undefined ? 2 : 0.5) * HOUR_MS,
  );
  trustRoots.metadata.managedFields = [
    {
      manager: state.certManager ? "trust-manager" : "kubectl-client-side-apply",
      operation: "Update",
      apiVersion: "v1",
      time: changedAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
      fieldsType: "FieldsV1",
    },
  ];
  const config = findObject(objects, "ConfigMap", "linkerd-config");
  const data = config.data as Record<string, string>;
  const values = parseYaml(data.values ?? "") as Record<string, unknown>;
  values.identityTrustAnchorsPEM = state.certManager
    ? ""
    : pemOf(generations, state.linkerdConfig ?? state.bundle);
  (values.identity as { externalCA: boolean }).externalCA = state.certManager === true;
  data.values = toYaml(values, { lineWidth: -1 });
  if (state.dataPlaneTrusts !== undefined) {
    const pinned = { [SIM_ANNOTATIONS.trustAnchors]: pemOf(generations, state.dataPlaneTrusts) };
    annotateTemplates(objects, "emojivoto", ["emoji", "vote-bot", "voting", "web"], pinned);
    annotateTemplates(objects, "linkerd-viz", ["metrics-api", "prometheus", "tap", "web"], pinned);
  }
  if (state.controlPlaneTrusts !== undefined) {
    annotateTemplates(
      objects,
      CONTROL_PLANE_NAMESPACE,
      ["linkerd-destination", "linkerd-identity", "linkerd-proxy-injector"],
      { [SIM_ANNOTATIONS.trustAnchors]: pemOf(generations, state.controlPlaneTrusts) },
    );
  }
  if (state.certManager) objects.push(...certManagerObjects(state, generations, objects));
}

/**
 * What cert-manager and trust-manager keep (A3): the anchor Secrets in `cert-manager`, the
 * issuer Secret with the anchor that signed it as ca.crt, and the Bundle that writes the ConfigMap.
 */
function certManagerObjects(
  state: RotationState,
  pki: RotationPki,
  objects: KubeObject[],
): KubeObject[] {
  const issuerSecret = findObject(objects, "Secret", "linkerd-identity-issuer");
  (issuerSecret.data as Record<string, string>)["ca.crt"] = b64(pki.anchors[state.issuer].certPem);
  const trustRoots = findObject(objects, "ConfigMap", "linkerd-identity-trust-roots");
  const controlPlane = findObject(objects, "Namespace", CONTROL_PLANE_NAMESPACE);
  controlPlane.metadata.labels = {
    ...controlPlane.metadata.labels,
    "linkerd.io/is-control-plane": "true",
  };
  const anchorSecret = (name: string, anchor: Anchor): KubeObject => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: "cert-manager" },
    type: "kubernetes.io/tls",
    data: {
      "tls.crt": b64(pki.anchors[anchor].certPem),
      "tls.key": b64(pki.anchors[anchor].keyPem),
      "ca.crt": b64(pki.anchors[anchor].certPem),
    },
  });
  // The bundle's first anchor is the current one; a second is the copy kept as "previous".
  const [current = "old", previous = current] = state.bundle;
  trustRoots.metadata.annotations = { "trust.cert-manager.io/hash": "simulated" };
  return [
    namespace("cert-manager"),
    anchorSecret("linkerd-trust-anchor", current),
    anchorSecret("linkerd-previous-anchor", previous),
    {
      apiVersion: "trust.cert-manager.io/v1alpha1",
      kind: "Bundle",
      metadata: { name: "linkerd-identity-trust-roots" },
      spec: {
        sources: [
          { secret: { name: "linkerd-trust-anchor", key: "tls.crt" } },
          { secret: { name: "linkerd-previous-anchor", key: "tls.crt" } },
        ],
        target: {
          configMap: { key: "ca-bundle.crt" },
          namespaceSelector: { matchLabels: { "linkerd.io/is-control-plane": "true" } },
        },
      },
    },
  ];
}

/** The states, by scenario name: every phase of both flows, then the dangerous ones. */
export const ROTATION_STATES = {
  "rotation-new-anchor-bundled": {
    bundle: ["new", "old"],
    issuer: "old",
    dataPlaneTrusts: ["old"],
  },
  "rotation-bundle-everywhere": { bundle: ["new", "old"], issuer: "old" },
  "rotation-issuer-rotated": { bundle: ["new", "old"], issuer: "new", leavesFrom: "old" },
  "rotation-ready-to-remove-old-anchor": { bundle: ["new", "old"], issuer: "new" },
  "rotation-old-anchor-removed": {
    bundle: ["new"],
    issuer: "new",
    dataPlaneTrusts: ["new", "old"],
  },
  "rotation-cm-new-anchor-bundled": {
    bundle: ["new", "old"],
    issuer: "old",
    dataPlaneTrusts: ["old"],
    certManager: true,
  },
  "rotation-cm-bundle-everywhere": { bundle: ["new", "old"], issuer: "old", certManager: true },
  "rotation-cm-issuer-rotated": {
    bundle: ["new", "old"],
    issuer: "new",
    leavesFrom: "old",
    certManager: true,
  },
  "rotation-cm-ready-to-remove-old-anchor": {
    bundle: ["new", "old"],
    issuer: "new",
    certManager: true,
  },
  "rotation-cm-old-anchor-removed": {
    bundle: ["new"],
    issuer: "new",
    dataPlaneTrusts: ["new", "old"],
    certManager: true,
  },
  "rotation-issuer-before-bundle": {
    bundle: ["new", "old"],
    issuer: "new",
    leavesFrom: "old",
    dataPlaneTrusts: ["old"],
  },
  "rotation-anchor-removed-early": {
    bundle: ["new"],
    issuer: "new",
    leavesFrom: "old",
    dataPlaneTrusts: ["new", "old"],
  },
  "rotation-control-plane-not-restarted": {
    bundle: ["new", "old"],
    issuer: "old",
    controlPlaneTrusts: ["old"],
    certManager: true,
  },
  "rotation-config-disagrees": { bundle: ["new", "old"], issuer: "old", linkerdConfig: ["old"] },
} satisfies Record<string, RotationState>;

export type RotationScenarioName = keyof typeof ROTATION_STATES;
