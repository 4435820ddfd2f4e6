// linkerd-webhooks-and-apisvc-tls: each Linkerd webhook's serving certificate is valid, chains to
// the webhook configuration's caBundle for its service name, and is not about to expire
// (linkerd2 pkg/healthcheck; linkerd-facts.md 1.8).

import type { CertificateInfo, CertTools } from "../certs/types.js";
import { decodeCertificateBundle } from "../shared/pem.js";
import { rfc3339 } from "../shared/time.js";
import { certificateReport, isExpiringSoon, thresholdPhrase } from "./expiry.js";
import { listProblems, validityError } from "./identity.js";
import { API_QUERY, clusterOf } from "./shared.js";
import {
  type CategoryDefinition,
  type CheckContext,
  type CheckDefinition,
  CheckFailure,
  type CheckOutcome,
  type ExpiryThreshold,
} from "./types.js";

export const WEBHOOKS_CATEGORY = "linkerd-webhooks-and-apisvc-tls";

export interface WebhookSpec {
  name: "proxy-injector" | "sp-validator" | "policy-validator";
  configKind: "mutatingwebhookconfigurations" | "validatingwebhookconfigurations";
  /** Secret names and keys, newest first (older releases used *-tls with crt.pem/key.pem). */
  secrets: Array<{ name: string; crt: string; key: string }>;
  /** A missing policy-validator Secret means it is not installed: the checks do not apply. */
  optional: boolean;
}

/** Linkerd's webhooks and where their serving certificates are kept (`expiry` reads them too). */
export const WEBHOOKS: readonly WebhookSpec[] = [
  {
    name: "proxy-injector",
    configKind: "mutatingwebhookconfigurations",
    secrets: [
      { name: "linkerd-proxy-injector-k8s-tls", crt: "tls.crt", key: "tls.key" },
      { name: "linkerd-proxy-injector-tls", crt: "crt.pem", key: "key.pem" },
    ],
    optional: false,
  },
  {
    name: "sp-validator",
    configKind: "validatingwebhookconfigurations",
    secrets: [
      { name: "linkerd-sp-validator-k8s-tls", crt: "tls.crt", key: "tls.key" },
      { name: "linkerd-sp-validator-tls", crt: "crt.pem", key: "key.pem" },
    ],
    optional: false,
  },
  {
    name: "policy-validator",
    configKind: "validatingwebhookconfigurations",
    secrets: [{ name: "linkerd-policy-validator-k8s-tls", crt: "tls.crt", key: "tls.key" }],
    optional: true,
  },
];

interface WebhookMaterial {
  anchors: CertificateInfo[];
  cert: CertificateInfo;
  chain: CertificateInfo[];
}

function parseBundle(certs: CertTools, pem: string, what: string): CertificateInfo[] {
  const decoded = decodeCertificateBundle(pem);
  if (!decoded.ok) throw new CheckFailure(`${what}: ${decoded.error}`);
  return decoded.value.map((der) => certs.parseCertificate(der));
}

async function loadWebhook(
  context: CheckContext,
  spec: WebhookSpec,
): Promise<WebhookMaterial | "not-installed"> {
  const cluster = clusterOf(context);
  const configName = `linkerd-${spec.name}-webhook-config`;
  const config =
    spec.configKind === "mutatingwebhookconfigurations"
      ? await cluster.getMutatingWebhookConfiguration(configName)
      : await cluster.getValidatingWebhookConfiguration(configName);
  if (config === undefined) {
    if (spec.optional) return "not-installed";
    throw new CheckFailure(
      `${spec.configKind}.admissionregistration.k8s.io "${configName}" not found`,
    );
  }
  if (config.webhooks.length !== 1)
    throw new CheckFailure(`expected 1 webhooks, found ${config.webhooks.length}`);
  const caBundle = Buffer.from(config.webhooks[0]?.caBundle ?? "", "base64").toString("utf8");

  for (const secretSpec of spec.secrets) {
    const secret = await cluster.getSecret(context.controlPlaneNamespace, secretSpec.name);
    if (secret === undefined) continue;
    const crt = secret.data[secretSpec.crt];
    if (crt === undefined)
      throw new CheckFailure(`key ${secretSpec.crt} needs to exist in secret ${secretSpec.name}`);
    const key = secret.data[secretSpec.key];
    if (key === undefined)
      throw new CheckFailure(`key ${secretSpec.key} needs to exist in secret ${secretSpec.name}`);
    const certs = await context.certs();
    const [cert, ...chain] = parseBundle(certs, crt, "could not parse certificate");
    if (cert === undefined)
      throw new CheckFailure("could not parse certificate: not a PEM certificate");
    const pair = certs.checkKeyPair(key, cert);
    if (!pair.ok) throw new CheckFailure(pair.error);
    return { anchors: parseBundle(certs, caBundle, "could not parse caBundle"), cert, chain };
  }
  if (spec.optional) return "not-installed";
  throw new CheckFailure(`secrets "${spec.secrets[0]?.name}" not found`);
}

export function webhooksCategory(threshold: ExpiryThreshold): CategoryDefinition {
  const loaded = new WeakMap<
    CheckContext,
    Map<string, Promise<WebhookMaterial | "not-installed">>
  >();
  const material = (context: CheckContext, spec: WebhookSpec) => {
    let forContext = loaded.get(context);
    if (forContext === undefined) {
      forContext = new Map();
      loaded.set(context, forContext);
    }
    let promise = forContext.get(spec.name);
    if (promise === undefined) {
      promise = loadWebhook(context, spec);
      forContext.set(spec.name, promise);
    }
    return promise;
  };
  const reports = (context: CheckContext, m: WebhookMaterial) => [
    certificateReport(`${m.cert.commonName || "webhook"}`, m.cert, context.now()),
    ...m.anchors.map((anchor) => certificateReport("caBundle", anchor, context.now())),
  ];

  const checksFor = (spec: WebhookSpec): CheckDefinition[] => {
    const validId = `${WEBHOOKS_CATEGORY}/${spec.name}-cert-valid`;
    const serviceName = (context: CheckContext) =>
      `linkerd-${spec.name}.${context.controlPlaneNamespace}.svc`;
    return [
      {
        id: validId,
        description: `${spec.name} webhook has valid cert`,
        hintAnchor: `l5d-${spec.name}-webhook-cert-valid`,
        severity: "fatal",
        requires: [API_QUERY],
        async run(context): Promise<CheckOutcome> {
          const m = await material(context, spec);
          if (m === "not-installed")
            return { status: "not-applicable", reason: `${spec.name} not installed` };
          const now = context.now();
          const anchorProblems = m.anchors.flatMap((cert) => {
            const error = validityError(cert, now);
            return error === undefined ? [] : [{ cert, error }];
          });
          let message: string | undefined;
          if (anchorProblems.length > 0)
            message = listProblems("anchors not within their validity period:", anchorProblems);
          const certProblem = validityError(m.cert, now);
          if (message === undefined && certProblem !== undefined)
            message = `certificate is ${certProblem}`;
          if (message === undefined) {
            const verification = await (await context.certs()).verifyChain(
              m.cert,
              m.chain,
              m.anchors,
              {
                now,
                dnsName: serviceName(context),
              },
            );
            if (!verification.ok)
              message = `cert is not issued by the trust anchor: ${verification.error}`;
          }
          return message === undefined
            ? { status: "pass", certificates: reports(context, m) }
            : { status: "fail", message, certificates: reports(context, m) };
        },
      },
      {
        id: `${WEBHOOKS_CATEGORY}/${spec.name}-cert-not-expiring-soon`,
        description: `${spec.name} cert is valid for at least ${thresholdPhrase(threshold, "singular")}`,
        hintAnchor: `l5d-${spec.name}-webhook-cert-not-expiring-soon`,
        severity: "warning",
        requires: [validId],
        async run(context): Promise<CheckOutcome> {
          const m = await material(context, spec);
          if (m === "not-installed")
            return { status: "not-applicable", reason: `${spec.name} not installed` };
          const now = context.now();
          // Linkerd looks at the certificate and its own chain, not at the caBundle.
          const soon = m.chain.filter((cert) => isExpiringSoon(cert, context.expiryThreshold, now));
          if (soon.length > 0) {
            return {
              status: "fail",
              message: listProblems(
                "Anchors expiring soon:",
                soon.map((cert) => ({ cert, error: `will expire on ${rfc3339(cert.notAfter)}` })),
              ),
              certificates: reports(context, m),
            };
          }
          if (isExpiringSoon(m.cert, context.expiryThreshold, now)) {
            return {
              status: "fail",
              message: `certificate will expire on ${rfc3339(m.cert.notAfter)}`,
              certificates: reports(context, m),
            };
          }
          return { status: "pass", certificates: reports(context, m) };
        },
      },
    ];
  };

  return { id: WEBHOOKS_CATEGORY, checks: WEBHOOKS.flatMap(checksFor) };
}
