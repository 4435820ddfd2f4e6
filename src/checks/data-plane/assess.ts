// The judgement of one proxy's certificate: issued by the current issuer (or at least chaining to
// the trust anchors), in date, not about to expire, naming the pod's own identity. Plain inputs in,
// problems out: the run's facts (data-plane/facts.ts) feed it; tests call it directly.
import type { CertificateInfo, CertTools } from "../../certs/types.js";
import type { PodInfo } from "../../k8s/types.js";
import { rfc3339 } from "../../shared/time.js";
import { isExpiringSoon } from "../expiry.js";
import type { ExpiryThreshold, LeafProblem, ProxyAssessment, ProxyFinding } from "../types.js";

/** Linkerd's leaves live 24 hours: what a leaf known only by its expiry (Prometheus) is taken to. */
const DEFAULT_LEAF_LIFETIME_MS = 86_400_000;

/** What every proxy is judged against, known before the first proxy is seen. */
export interface AssessmentBasis {
  now: Date;
  verifyChain: CertTools["verifyChain"];
  /** The current issuer and anchors; undefined when the identity material is unusable. */
  issuerMaterial:
    | { issuer: CertificateInfo; issuerChain: CertificateInfo[]; anchors: CertificateInfo[] }
    | undefined;
  leafThreshold: ExpiryThreshold;
}

/** The identity Linkerd's identity service gives a pod (its service account, namespace, domain). */
export function expectedIdentity(
  pod: Pick<PodInfo, "serviceAccountName" | "namespace">,
  controlPlaneNamespace: string,
  trustDomain: string,
): string {
  return `${pod.serviceAccountName}.${pod.namespace}.serviceaccount.identity.${controlPlaneNamespace}.${trustDomain}`;
}

/** Judges one proxy's certificate against the current issuer, the clock, the threshold and its pod. */
export async function assessProxy(
  finding: ProxyFinding,
  expected: string | undefined,
  basis: AssessmentBasis,
): Promise<ProxyAssessment> {
  const { now, verifyChain, issuerMaterial, leafThreshold } = basis;
  const problems: LeafProblem[] = [];
  if (finding.status === "no-identity")
    problems.push({ kind: "identity", text: `has no identity: ${finding.reason}` });
  const leaf = finding.leaf;
  if (leaf && issuerMaterial) {
    const { issuer, issuerChain, anchors } = issuerMaterial;
    const fromIssuer = await verifyChain(leaf, [], [issuer], {
      now,
      ignoreValidity: true,
    });
    if (!fromIssuer.ok) {
      // Not the current issuer: does it reach the anchors through what the proxy presented?
      const toAnchors = await verifyChain(
        leaf,
        [...(finding.intermediates ?? []), ...issuerChain],
        anchors,
        { now, ignoreValidity: true },
      );
      const signer = finding.intermediates?.[0];
      problems.push({
        kind: "issuer",
        text: toAnchors.ok
          ? `issued by "${leaf.issuer}"${signer ? ` (serial ${signer.serial})` : ""}, not by the current issuer (serial ${issuer.serial}); the identity service may still sign with an old issuer`
          : `issued by "${leaf.issuer}", which does not chain to the trust anchors: ${toAnchors.error}`,
      });
    }
  }
  if (leaf && leaf.notBefore > now)
    problems.push({ kind: "validity", text: `not valid before: ${rfc3339(leaf.notBefore)}` });
  if (finding.notAfter && finding.notAfter < now) {
    const errors = finding.metrics?.refreshErrors
      ? ` (the proxy counts ${finding.metrics.refreshErrors} failed refreshes)`
      : "";
    problems.push({
      kind: "validity",
      text: `not valid anymore. Expired on ${rfc3339(finding.notAfter)}${errors}`,
    });
  } else if (finding.notAfter) {
    const validity = leaf ?? {
      notAfter: finding.notAfter,
      notBefore: new Date(finding.notAfter.getTime() - DEFAULT_LEAF_LIFETIME_MS),
    };
    if (isExpiringSoon(validity, leafThreshold, now))
      problems.push({ kind: "expiry", text: `will expire on ${rfc3339(finding.notAfter)}` });
  }
  if (leaf && expected !== undefined && !leaf.dnsNames.includes(expected)) {
    problems.push({
      kind: "identity",
      text: `certificate names ${leaf.dnsNames.join(", ") || leaf.commonName}, expected ${expected}`,
    });
  }
  return { finding, problems, issuerJudged: issuerMaterial !== undefined };
}
