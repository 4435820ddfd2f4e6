// The linkerd-identity category: Linkerd's eight checks with its descriptions, severities, hint
// anchors and messages (linkerd2 pkg/healthcheck, pkg/issuercerts; linkerd-facts.md 1.6).

import type { CertificateInfo } from "../certs/types.js";
import { rfc3339 } from "../shared/time.js";
import { certificateReport, isExpiringSoon, thresholdPhrase } from "./expiry.js";
import type {
  CategoryDefinition,
  CertificateReport,
  CheckContext,
  CheckOutcome,
  ExpiryThreshold,
} from "./types.js";

export const IDENTITY_CATEGORY = "linkerd-identity";

const ids = {
  certConfig: `${IDENTITY_CATEGORY}/cert-config-valid`,
  anchorsAlgorithm: `${IDENTITY_CATEGORY}/trust-anchors-algorithm`,
  anchorsValidity: `${IDENTITY_CATEGORY}/trust-anchors-time-valid`,
  anchorsExpiry: `${IDENTITY_CATEGORY}/trust-anchors-not-expiring-soon`,
  issuerAlgorithm: `${IDENTITY_CATEGORY}/issuer-cert-algorithm`,
  issuerValidity: `${IDENTITY_CATEGORY}/issuer-cert-time-valid`,
  issuerExpiry: `${IDENTITY_CATEGORY}/issuer-cert-not-expiring-soon`,
  issuedByAnchor: `${IDENTITY_CATEGORY}/issuer-cert-issued-by-trust-anchor`,
} as const;

/** Go's `P-%d` uses the curve's bit size. */
function ecdsaRules(cert: CertificateInfo): string | undefined {
  const key = cert.publicKey;
  if ("bits" in key && key.bits !== 256)
    return `must use P-256 curve for public key, instead P-${key.bits} was used`;
  if (cert.signatureAlgorithm !== "ECDSA-SHA256" && cert.signatureAlgorithm !== "SHA256-RSA") {
    return `must be signed by an ECDSA P-256 key, instead ${cert.signatureAlgorithm} was used`;
  }
  return undefined;
}

/** issuercerts.CheckTrustAnchorAlgoRequirements. RSA anchors must be 2048 or 4096 bits (after version-2.20). */
export function trustAnchorAlgorithmError(cert: CertificateInfo): string | undefined {
  const key = cert.publicKey;
  if (key.algorithm === "ECDSA") return ecdsaRules(cert);
  if (key.algorithm === "RSA" && "bits" in key) {
    if (key.bits !== 2048 && key.bits !== 4096) {
      return `RSA must use a 2048 or 4096 bit public key, instead ${key.bits} bit public key was used`;
    }
    if (cert.signatureAlgorithm !== "SHA256-RSA") {
      return `must be signed by an RSA 2048/4096 bit key, instead ${cert.signatureAlgorithm} was used`;
    }
    return undefined;
  }
  return `trust anchor must use ECDSA or RSA for public key algorithm, instead ${key.algorithm} was used`;
}

/** issuercerts.CheckIssuerCertAlgoRequirements: the issuer key must be ECDSA P-256. */
export function issuerAlgorithmError(cert: CertificateInfo): string | undefined {
  if (cert.publicKey.algorithm !== "ECDSA") {
    return `issuer certificate must use ECDSA for public key algorithm, instead ${cert.publicKey.algorithm} was used`;
  }
  return ecdsaRules(cert);
}

/** issuercerts.CheckCertValidityPeriod, with no clock-skew allowance. */
export function validityError(cert: CertificateInfo, now: Date): string | undefined {
  if (cert.notBefore > now) return `not valid before: ${rfc3339(cert.notBefore)}`;
  if (cert.notAfter < now) return `not valid anymore. Expired on ${rfc3339(cert.notAfter)}`;
  return undefined;
}

/** `\n\t* <serial> <CN> <error>` lines, as Linkerd lists bad anchors. */
export function listProblems(
  heading: string,
  problems: Array<{ cert: CertificateInfo; error: string }>,
): string {
  return `${heading}${problems.map(({ cert, error }) => `\n\t* ${cert.serial} ${cert.commonName} ${error}`).join("")}`;
}

function anchorProblems(
  anchors: CertificateInfo[],
  rule: (cert: CertificateInfo) => string | undefined,
) {
  return anchors.flatMap((cert) => {
    const error = rule(cert);
    return error === undefined ? [] : [{ cert, error }];
  });
}

function outcome(failure: string | undefined, certificates: CertificateReport[]): CheckOutcome {
  return failure === undefined
    ? { status: "pass", certificates }
    : { status: "fail", message: failure, certificates };
}

/** The category; descriptions name the expiry threshold (Linkerd's is always 60 days). */
export function identityCategory(threshold: ExpiryThreshold): CategoryDefinition {
  const anchorReports = (context: CheckContext, anchors: CertificateInfo[]) =>
    anchors.map((cert, i) =>
      certificateReport(
        anchors.length > 1 ? `trust-anchor-${i + 1}` : "trust-anchor",
        cert,
        context.now(),
      ),
    );
  /** Linkerd's per-anchor checks: every anchor that breaks `rule`, listed under `heading`. */
  const anchorsOutcome = async (
    context: CheckContext,
    heading: string,
    rule: (cert: CertificateInfo) => string | undefined,
  ): Promise<CheckOutcome> => {
    const { anchors } = await context.facts.identity();
    const problems = anchorProblems(anchors, rule);
    return outcome(
      problems.length ? listProblems(heading, problems) : undefined,
      anchorReports(context, anchors),
    );
  };
  const issuerReport = (context: CheckContext, issuer: CertificateInfo) => [
    certificateReport("issuer", issuer, context.now()),
  ];

  return {
    id: IDENTITY_CATEGORY,
    checks: [
      {
        id: ids.certConfig,
        description: "certificate config is valid",
        hintAnchor: "l5d-identity-cert-config-valid",
        severity: "fatal",
        async run(context) {
          const material = await context.facts.identity();
          return {
            status: "pass",
            certificates: [
              ...anchorReports(context, material.anchors),
              ...issuerReport(context, material.issuer),
            ],
          };
        },
      },
      {
        id: ids.anchorsAlgorithm,
        description: "trust anchors are using supported crypto algorithm",
        hintAnchor: "l5d-identity-trustAnchors-use-supported-crypto",
        severity: "fatal",
        requires: [ids.certConfig],
        async run(context) {
          return anchorsOutcome(context, "Invalid trustAnchors:", trustAnchorAlgorithmError);
        },
      },
      {
        id: ids.anchorsValidity,
        description: "trust anchors are within their validity period",
        hintAnchor: "l5d-identity-trustAnchors-are-time-valid",
        severity: "fatal",
        requires: [ids.certConfig],
        async run(context) {
          return anchorsOutcome(context, "Invalid anchors:", (cert) =>
            validityError(cert, context.now()),
          );
        },
      },
      {
        id: ids.anchorsExpiry,
        description: `trust anchors are valid for at least ${thresholdPhrase(threshold, "plural")}`,
        hintAnchor: "l5d-identity-trustAnchors-not-expiring-soon",
        severity: "warning",
        requires: [ids.anchorsValidity],
        async run(context) {
          return anchorsOutcome(context, "Anchors expiring soon:", (cert) =>
            isExpiringSoon(cert, context.expiryThreshold, context.now())
              ? `will expire on ${rfc3339(cert.notAfter)}`
              : undefined,
          );
        },
      },
      {
        id: ids.issuerAlgorithm,
        description: "issuer cert is using supported crypto algorithm",
        hintAnchor: "l5d-identity-issuer-cert-uses-supported-crypto",
        severity: "fatal",
        requires: [ids.certConfig],
        async run(context) {
          const { issuer } = await context.facts.identity();
          const error = issuerAlgorithmError(issuer);
          // Linkerd prefixes the check's own words, so "issuer certificate" can appear twice.
          return outcome(
            error === undefined ? undefined : `issuer certificate ${error}`,
            issuerReport(context, issuer),
          );
        },
      },
      {
        id: ids.issuerValidity,
        description: "issuer cert is within its validity period",
        hintAnchor: "l5d-identity-issuer-cert-is-time-valid",
        severity: "fatal",
        requires: [ids.certConfig],
        async run(context) {
          const { issuer } = await context.facts.identity();
          const error = validityError(issuer, context.now());
          return outcome(
            error === undefined ? undefined : `issuer certificate is ${error}`,
            issuerReport(context, issuer),
          );
        },
      },
      {
        id: ids.issuerExpiry,
        description: `issuer cert is valid for at least ${thresholdPhrase(threshold, "singular")}`,
        hintAnchor: "l5d-identity-issuer-cert-not-expiring-soon",
        severity: "warning",
        requires: [ids.issuerValidity],
        async run(context) {
          const { issuer } = await context.facts.identity();
          const soon = isExpiringSoon(issuer, context.expiryThreshold, context.now());
          return outcome(
            soon ? `issuer certificate will expire on ${rfc3339(issuer.notAfter)}` : undefined,
            issuerReport(context, issuer),
          );
        },
      },
      {
        id: ids.issuedByAnchor,
        description: "issuer cert is issued by the trust anchor",
        hintAnchor: "l5d-identity-issuer-cert-issued-by-trust-anchor",
        severity: "error",
        requires: [ids.certConfig],
        async run(context) {
          const { issuer, issuerChain, anchors } = await context.facts.identity();
          const verification = await (await context.certs()).verifyChain(
            issuer,
            issuerChain,
            anchors,
            {
              now: context.now(),
            },
          );
          return outcome(verification.ok ? undefined : verification.error, [
            ...issuerReport(context, issuer),
            ...anchorReports(context, anchors),
          ]);
        },
      },
    ],
  };
}
