// The identity PKI of a scenario: trust anchors, the issuer, the webhooks' certificates, made
// fresh at start-up relative to the simulator's clock, from a spec each scenario may change.
import { daysFrom, type Issued, issueCertificate, type KeyAlgorithm } from "../pki.js";

export const CONTROL_PLANE_NAMESPACE = "linkerd";
export const TRUST_DOMAIN = "cluster.local";
export const IDENTITY_NAME = `identity.${CONTROL_PLANE_NAMESPACE}.${TRUST_DOMAIN}`;
export const PROXY_VERSION = "edge-26.8.3";

export interface Validity {
  /** Days from now; negative is in the past. */
  from: number;
  to: number;
}

/** How a scenario's identity PKI is made. */
export interface PkiSpec {
  anchors: Array<{ algorithm: KeyAlgorithm; validity: Validity }>;
  issuer: { algorithm: KeyAlgorithm; validity: Validity; signedBy: "anchor" | "stranger" };
  webhooks?: Partial<Record<WebhookName, Validity>>;
  /** Also make the anchor that came before the current one (for rotations). */
  previousAnchor?: boolean;
  /** Also make an earlier issuer under the same anchor (for a drifted identity service). */
  previousIssuer?: boolean;
}

/** Two generations of a trust-anchor rotation: each anchor and the issuer it signed. */
export interface RotationPki {
  anchors: Record<"old" | "new", Issued>;
  issuers: Record<"old" | "new", Issued>;
}

export interface ScenarioPki {
  anchors: Issued[];
  issuer: Issued;
  previousAnchor?: Issued;
  previousIssuer?: Issued;
  /** A rotation scenario's two generations. */
  rotation?: RotationPki;
  webhookCa: Issued;
  webhooks: Record<WebhookName, Issued>;
  /** linkerd-viz's tap API service and tap-injector webhook, from the same CA. */
  vizServing: Record<"tap" | "tap-injector", Issued>;
}

export type WebhookName = "proxy-injector" | "sp-validator" | "policy-validator";
export const WEBHOOKS: readonly WebhookName[] = [
  "proxy-injector",
  "sp-validator",
  "policy-validator",
];

export const HEALTHY_PKI: PkiSpec = {
  anchors: [{ algorithm: "P-256", validity: { from: -1, to: 3650 } }],
  issuer: { algorithm: "P-256", validity: { from: -1, to: 365 }, signedBy: "anchor" },
};

export async function makePki(spec: PkiSpec, now: Date): Promise<ScenarioPki> {
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
  return {
    anchors,
    issuer,
    ...(await webhookPki(spec, now)),
    ...(previousAnchor ? { previousAnchor } : {}),
    ...(previousIssuer ? { previousIssuer } : {}),
  };
}

/** The webhooks' CA and serving certificates (one year unless the spec says otherwise). */
export async function webhookPki(
  spec: Pick<PkiSpec, "webhooks">,
  now: Date,
): Promise<Pick<ScenarioPki, "webhookCa" | "webhooks" | "vizServing">> {
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
  const vizServing = {} as ScenarioPki["vizServing"];
  for (const name of ["tap", "tap-injector"] as const)
    vizServing[name] = await issueCertificate({
      commonName: `${name}.linkerd-viz.svc`,
      dnsNames: [`${name}.linkerd-viz.svc`],
      notBefore: daysFrom(now, -1),
      notAfter: daysFrom(now, 365),
      serverAuth: true,
      signer: webhookCa,
    });
  return { webhookCa, webhooks, vizServing };
}
