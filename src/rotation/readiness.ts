// The gate: may the next step of a rotation be taken now? One question per run (`--ready-for`),
// answered ready (0), not ready with every reason and the pods it concerns (1), or cannot tell with
// what was missing (3). The rules follow the runbooks (rotation-multicluster-expiry-facts.md A2, A3)
// and the failures users hit (A5); `linkerd upgrade`'s own gate checks only the issuer against
// non-control-plane pods (cli/cmd/upgrade.go ensureIssuerCertWorksWithAllProxies).
import type { CertificateInfo, ChainVerification, VerifyOptions } from "../certs/types.js";
import { issuerAlgorithmError, validityError } from "../checks/identity.js";
import type {
  PodRef,
  PodTrust,
  Readiness,
  ReadinessReason,
  RotationFacts,
  RotationStep,
} from "./types.js";

export type VerifyChain = (
  leaf: CertificateInfo,
  intermediates: CertificateInfo[],
  roots: CertificateInfo[],
  options: VerifyOptions,
) => Promise<ChainVerification>;

const podRef = (pod: PodTrust): PodRef => ({ namespace: pod.namespace, pod: pod.pod });
const short = (fingerprint: string) => fingerprint.slice(0, 16);

function answer(reasons: ReadinessReason[], notes: string[] = []): Readiness {
  return reasons.length === 0 ? { answer: "ready", notes } : { answer: "not-ready", reasons };
}

/**
 * A new issuer: a CA on Linkerd's algorithm, in date, chaining to an anchor of the current bundle
 * that every proxy trusts, the control plane's and the identity controller's included (an issuer
 * from an anchor a proxy lacks gets its new leaves rejected: A1). Leaves are not needed.
 */
async function issuerReadiness(
  issuer: CertificateInfo,
  facts: RotationFacts,
  verifyChain: VerifyChain,
): Promise<Readiness> {
  const reasons: ReadinessReason[] = [];
  const say = (message: string, pods: PodRef[] = []) => reasons.push({ message, pods });
  if (!issuer.isCA) say("the issuer certificate is not a CA (basicConstraints CA:TRUE)");
  const algorithm = issuerAlgorithmError(issuer);
  if (algorithm !== undefined) say(algorithm);
  const validity = validityError(issuer, facts.now);
  if (validity !== undefined) say(`the issuer certificate is ${validity}`);
  const verified = await verifyChain(issuer, [], facts.bundle, {
    now: facts.now,
    ignoreValidity: true,
  });
  if (!verified.ok) {
    say(
      `the issuer certificate does not chain to an anchor of the current bundle: ${verified.error}`,
    );
    return answer(reasons);
  }
  const anchor = verified.chain.at(-1)?.fingerprintSha256 ?? "";
  const lacking = facts.pods.filter(
    (pod) => pod.trusts !== undefined && !pod.trusts.includes(anchor),
  );
  if (lacking.length > 0)
    say(
      `proxies that do not trust its anchor ${short(anchor)} yet (they would reject every new leaf): restart them first`,
      lacking.map(podRef),
    );
  const stale = facts.pods.filter((pod) => pod.startedBeforeBundleChange);
  if (stale.length > 0)
    say(
      "control-plane pods started before the bundle last changed (they may hold the old anchors): restart them first",
      stale.map(podRef),
    );
  return answer(reasons, facts.pods.length === 0 ? ["no proxies were asked (no cluster)"] : []);
}

/**
 * A new bundle: it parses, holds no expired anchor, holds the current issuer's anchor, and every
 * live leaf still chains to an anchor in it. A bundle holding every anchor of the current one is
 * ready without leaves: nothing trusted today stops being trusted.
 */
function bundleReadiness(anchors: CertificateInfo[], facts: RotationFacts): Readiness {
  const reasons: ReadinessReason[] = [];
  const say = (message: string, pods: PodRef[] = []) => reasons.push({ message, pods });
  if (anchors.length === 0) say("the new bundle holds no certificate");
  const next = new Set(anchors.map((cert) => cert.fingerprintSha256));
  for (const cert of anchors)
    if (cert.notAfter < facts.now)
      say(
        `the new bundle holds an expired anchor ${short(cert.fingerprintSha256)} (${cert.subject})`,
      );
  if (facts.issuerAnchor !== undefined && !next.has(facts.issuerAnchor))
    say(
      `the new bundle lacks the current issuer's anchor ${short(facts.issuerAnchor)}: every new leaf would be rejected`,
    );
  const keepsEverything = facts.bundle.every((cert) => next.has(cert.fingerprintSha256));
  if (!keepsEverything) {
    if (facts.leaves !== "live" && facts.pods.length > 0 && reasons.length === 0)
      return {
        answer: "cannot-tell",
        missing:
          facts.leaves === "prometheus"
            ? "the new bundle drops an anchor of the current one, and Prometheus gives the leaves' expiry, not the anchor they chain to (leave out --prometheus to read them live)"
            : "the new bundle drops an anchor of the current one, and the live leaves were not fetched (without --no-verify-leaves they are)",
      };
    const stranded = facts.pods.filter(
      (pod) =>
        pod.leaf?.source === "live" &&
        (pod.leaf.anchor === undefined || !next.has(pod.leaf.anchor)),
    );
    if (stranded.length > 0)
      say(
        "live leaves that chain to no anchor of the new bundle (restarted peers would reject them): wait for them to renew from the current issuer, or restart them",
        stranded.map(podRef),
      );
  }
  return answer(reasons);
}

export async function stepReadiness(
  step: RotationStep,
  facts: RotationFacts,
  verifyChain: VerifyChain,
): Promise<Readiness> {
  switch (step.kind) {
    case "issuer":
      return issuerReadiness(step.certificate, facts, verifyChain);
    case "bundle":
      return bundleReadiness(step.anchors, facts);
    case "remove-anchor": {
      // A fingerprint, or its first 16 hex digits as the table shows them.
      const removed = facts.bundle.filter((cert) =>
        cert.fingerprintSha256.startsWith(step.fingerprint),
      );
      const refuse = (message: string): Readiness => ({
        answer: "not-ready",
        reasons: [{ message, pods: [] }],
      });
      if (removed.length === 0)
        return refuse(`the current bundle has no anchor ${short(step.fingerprint)}`);
      if (removed.length > 1)
        return refuse(
          `${step.fingerprint} names ${removed.length} anchors of the bundle: give more of it`,
        );
      return bundleReadiness(
        facts.bundle.filter((cert) => !removed.includes(cert)),
        facts,
      );
    }
  }
}
