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
}

export interface ExplainFacts {
  pods: ExplainPod[];
}
