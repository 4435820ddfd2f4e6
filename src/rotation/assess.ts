// Where a trust-anchor rotation stands, from the facts: every anchor seen, the phase in the
// runbook's words, and the states that break traffic (rotation-multicluster-expiry-facts.md A2, A3,
// A5, A6). Pure: the facts are gathered elsewhere.
import type { CertificateInfo } from "../certs/types.js";
import type {
  AnchorPlace,
  AnchorRow,
  Danger,
  LiveLeaf,
  Phase,
  PodRef,
  PodTrust,
  RotationFacts,
  RotationReport,
} from "./types.js";

const podRef = (pod: PodTrust): PodRef => ({ namespace: pod.namespace, pod: pod.pod });
/** The pod's live leaf, whose chain is known (Prometheus gives only an expiry). */
const liveLeaf = (pod: PodTrust): LiveLeaf | undefined =>
  pod.leaf?.source === "live" ? pod.leaf : undefined;
const fingerprints = (certs: CertificateInfo[]) => new Set(certs.map((c) => c.fingerprintSha256));

/** Every anchor seen, each once, with where it was seen; the bundle's first, in its order. */
function anchorUnion(
  facts: RotationFacts,
): Map<string, { cert: CertificateInfo; places: AnchorPlace[] }> {
  const union = new Map<string, { cert: CertificateInfo; places: AnchorPlace[] }>();
  const add = (certs: CertificateInfo[] | undefined, place: AnchorPlace) => {
    for (const cert of certs ?? []) {
      const entry = union.get(cert.fingerprintSha256);
      if (entry === undefined) union.set(cert.fingerprintSha256, { cert, places: [place] });
      else if (!entry.places.includes(place)) entry.places.push(place);
    }
  };
  add(facts.bundle, facts.bundlePlace);
  add(facts.linkerdConfigAnchors, "linkerd-config");
  add(facts.issuerSecretCa, "issuer-secret-ca");
  add(facts.proxyOnlyAnchors, "proxy");
  return union;
}

function anchorRows(facts: RotationFacts): AnchorRow[] {
  return [...anchorUnion(facts).values()].map(({ cert, places }) => {
    const trusting = facts.pods.filter((pod) => pod.trusts?.includes(cert.fingerprintSha256));
    return {
      fingerprint: cert.fingerprintSha256,
      subject: cert.subject,
      notAfter: cert.notAfter,
      places,
      signedCurrentIssuer: facts.issuerAnchor === cert.fingerprintSha256,
      trustedBy: {
        dataPlane: trusting.filter((pod) => !pod.controlPlane).length,
        controlPlane: trusting.filter((pod) => pod.controlPlane).length,
      },
      leaves:
        facts.leaves === "live"
          ? facts.pods.filter((pod) => liveLeaf(pod)?.anchor === cert.fingerprintSha256).length
          : undefined,
    };
  });
}

/**
 * The pods whose proxy does not trust every anchor of the bundle, or trusts others too, or read
 * the bundle before it last changed.
 */
function podsToRestart(facts: RotationFacts): PodTrust[] {
  const bundle = fingerprints(facts.bundle);
  return facts.pods.filter(
    ({ trusts }) =>
      trusts === undefined ||
      trusts.length !== bundle.size ||
      trusts.some((anchor) => !bundle.has(anchor)),
  );
}

const lacksAny = (pod: PodTrust, anchors: Set<string>) =>
  [...anchors].some((anchor) => !pod.trusts?.includes(anchor));

/** The newest anchor of the bundle (the one a rotation brings in): the latest notBefore. */
function newestAnchor(bundle: CertificateInfo[]): CertificateInfo | undefined {
  return bundle.reduce<CertificateInfo | undefined>(
    (newest, cert) => (newest === undefined || cert.notBefore > newest.notBefore ? cert : newest),
    undefined,
  );
}

function phaseOf(facts: RotationFacts): Phase {
  const restart = podsToRestart(facts);
  const bundle = fingerprints(facts.bundle);
  if (bundle.size <= 1) {
    // One anchor: steady, unless proxies still hold a bundle with another (the old one removed).
    // A pod whose bundle is not known only says the ConfigMap was written since it started.
    return restart.some((pod) => pod.trusts !== undefined)
      ? { id: "old-anchor-removed", workloadsToRestart: restart.length }
      : { id: "steady" };
  }
  const lacking = restart.filter((pod) => lacksAny(pod, bundle));
  if (lacking.length > 0) return { id: "new-anchor-bundled", workloadsToRestart: lacking.length };
  // Every proxy holds the whole bundle. Has the issuer moved to the newest anchor yet?
  const newest = newestAnchor(facts.bundle);
  if (facts.issuerAnchor === undefined || facts.issuerAnchor !== newest?.fingerprintSha256)
    return { id: "bundle-everywhere" };
  if (facts.leaves !== "live")
    return { id: "issuer-rotated", oldLeaves: undefined, lastOldLeafExpiresAt: undefined };
  const issuer = facts.issuer?.fingerprintSha256;
  const old = facts.pods.filter((pod) => {
    const leaf = liveLeaf(pod);
    return leaf !== undefined && leaf.issuer !== issuer;
  });
  if (old.length > 0)
    return {
      id: "issuer-rotated",
      oldLeaves: old.length,
      lastOldLeafExpiresAt: new Date(
        Math.max(...old.map((pod) => (pod.leaf as { notAfter: Date }).notAfter.getTime())),
      ),
    };
  return { id: "ready-to-remove-old-anchor" };
}

function dangersOf(facts: RotationFacts): Danger[] {
  const dangers: Danger[] = [];
  const bundle = fingerprints(facts.bundle);
  // An issuer from an anchor some proxies lack: they reject every new leaf and keep the old one
  // until it expires (proxy creds/store.rs), then traffic to and from them fails.
  if (facts.issuerAnchor !== undefined) {
    // A pod whose bundle is not known is named as started before the change, not here.
    const lacking = facts.pods.filter(
      (pod) => pod.trusts !== undefined && !pod.trusts.includes(facts.issuerAnchor as string),
    );
    if (lacking.length > 0) {
      const expiries = lacking.flatMap((pod) => (pod.leaf ? [pod.leaf.notAfter.getTime()] : []));
      dangers.push({
        kind: "issuer-anchor-missing",
        pods: lacking.map(podRef),
        firstLeafExpiresAt: expiries.length > 0 ? new Date(Math.min(...expiries)) : undefined,
      });
    }
  }
  // Live leaves that chain only to an anchor the bundle no longer has (linkerd2#4287), or to no
  // anchor seen anywhere: peers restarted with the bundle reject them.
  const byAnchor = new Map<string | undefined, PodRef[]>();
  for (const pod of facts.pods) {
    const leaf = liveLeaf(pod);
    if (leaf === undefined) continue;
    const anchor = leaf.anchor;
    if (anchor === undefined || !bundle.has(anchor))
      byAnchor.set(anchor, [...(byAnchor.get(anchor) ?? []), podRef(pod)]);
  }
  for (const [anchor, pods] of byAnchor)
    dangers.push({ kind: "leaves-of-removed-anchor", anchor, pods });
  // The control plane's proxies and the identity controller read the bundle only at start
  // (linkerd2#9022, website#1392, #13613).
  const stale = facts.pods.filter(
    (pod) => (pod.controlPlane || pod.identityController) && pod.startedBeforeBundleChange,
  );
  if (stale.length > 0)
    dangers.push({ kind: "started-before-bundle-change", pods: stale.map(podRef) });
  // What `linkerd check` reads (linkerd-config) and what proxies get (the ConfigMap) disagree.
  if (facts.linkerdConfigAnchors !== undefined) {
    const config = fingerprints(facts.linkerdConfigAnchors);
    const onlyInConfig = [...config].filter((anchor) => !bundle.has(anchor));
    const onlyInBundle = [...bundle].filter((anchor) => !config.has(anchor));
    if (onlyInConfig.length > 0 || onlyInBundle.length > 0)
      dangers.push({ kind: "linkerd-config-disagrees", onlyInConfig, onlyInBundle });
  }
  // An expired anchor left in a bundle fails Linkerd's check; one expiring soon warns (#5800).
  for (const { cert } of anchorUnion(facts).values()) {
    const left = cert.notAfter.getTime() - facts.now.getTime();
    if (left <= 0)
      dangers.push({
        kind: "anchor-expired",
        anchor: cert.fingerprintSha256,
        notAfter: cert.notAfter,
      });
    else if (left < facts.expiryThresholdMs)
      dangers.push({
        kind: "anchor-expiring",
        anchor: cert.fingerprintSha256,
        notAfter: cert.notAfter,
      });
  }
  return dangers;
}

export function assessRotation(facts: RotationFacts): RotationReport {
  return {
    anchors: anchorRows(facts),
    phase: phaseOf(facts),
    dangers: dangersOf(facts),
    proxies: {
      dataPlane: facts.pods.filter((pod) => !pod.controlPlane).length,
      controlPlane: facts.pods.filter((pod) => pod.controlPlane).length,
    },
    pods: facts.pods,
    leaves: facts.leaves,
    unread: facts.unread,
  };
}
