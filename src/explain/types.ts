// Why a connection is not mTLS (`edges --explain`): a stable cause, what in the cluster shows it,
// and what to do. Types only.

/** docs/edges.md has a line for each. */
export type CauseId =
  /** A client with no proxy: the destination's proxy saw plaintext it cannot name. */
  | "source-not-meshed"
  /** A meshed client whose proxy skips the port (config.linkerd.io/skip-outbound-ports). */
  | "port-skipped"
  /** The destination has no proxy, so service discovery gave no identity. */
  | "destination-not-meshed"
  /** The destination's proxy has no identity: disabled, or not ready. */
  | "destination-without-identity"
  /** The destination is meshed with an identity: the caller did not use service discovery. */
  | "addressed-by-ip"
  /** The source's proxy runs with identity disabled (tls="disabled"). */
  | "identity-disabled"
  /** An ingress proxy forwarded without l5d-dst-override. */
  | "ingress-without-override"
  /**
   * A side's proxy was given anchors that are not the mesh's current ones (not restarted after a
   * rotation): the two sides fail each other's handshakes, though discovery labels the row mTLS.
   */
  | "trust-anchors-differ"
  /** None of the above fits what the cluster shows: the raw labels are said, nothing guessed. */
  | "cause-unknown";

export interface Explanation {
  cause: CauseId;
  /** What was found in the cluster, with where (pod, annotation, namespace). */
  evidence: string;
  fix: string;
}

/** The little of a pod an explanation needs, kept for every pod listed. */
export interface ExplainPod {
  namespace: string;
  name: string;
  /** The workload it belongs to, by resource type (the proxy's labels, else its owner). */
  workloads: Record<string, string>;
  /** "Deployment/web", from its owners; "" when none. */
  owner: string;
  meshed: boolean;
  /** Why its proxy has no identity, when it has none. */
  noIdentity: string | undefined;
  /** Its proxy's readiness, when meshed. */
  ready: boolean;
  ingress: boolean;
  /** config.linkerd.io/skip-outbound-ports, on the pod or its namespace, and where. */
  skipOutbound: { ports: string; where: string } | undefined;
  /** config.linkerd.io/disable-identity: "true", and where. */
  identityDisabledBy: string | undefined;
  /**
   * The anchors its proxy verifies peers with: those written into its spec at injection, or the
   * trust-roots ConfigMap it reads (the current bundle); undefined without a proxy.
   */
  trust: { from: "spec"; anchors: readonly AnchorRef[] } | { from: "configmap" } | undefined;
  /** config.linkerd.io/default-inbound-policy, and where; undefined: the cluster's default. */
  inboundPolicy: { value: string; where: string } | undefined;
}

/**
 * A pod as a LIST gives it, before its namespace's annotations apply (the namespace LIST may come
 * after): its own config.linkerd.io/* values, which win over the namespace's.
 */
export interface PodAsListed {
  pod: Omit<ExplainPod, "skipOutbound" | "identityDisabledBy" | "inboundPolicy">;
  skipOutbound: string | undefined;
  disableIdentity: string | undefined;
  defaultInboundPolicy: string | undefined;
}

/**
 * Meshed, ready pods a Prometheus does not scrape (linkerd/linkerd2#9150): their edges are missing
 * from its answer. Named once per namespace, with what in the cluster explains it.
 */
export interface UnscrapedNamespace {
  namespace: string;
  /** `failing`: `up` is 0 for the pod's target; `absent`: Prometheus has no target for it. */
  pods: Array<{ name: string; up: "failing" | "absent" }>;
  /** config.linkerd.io/default-inbound-policy "deny" where it is set, when it is. */
  denyPolicyOn: string | undefined;
}

/** A trust anchor, as evidence names it. */
export interface AnchorRef {
  /** SHA-256 of the DER, hex. */
  sha256: string;
  commonName: string;
}

export interface ExplainFacts {
  pods: ExplainPod[];
  /**
   * The mesh's current anchors (the trust-roots ConfigMap), or why they could not be read;
   * undefined when not asked for (tap: no event shows a failed handshake).
   */
  currentAnchors: { anchors: readonly AnchorRef[]; where: string } | { unread: string } | undefined;
}
