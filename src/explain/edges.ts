// Why an edge is not mTLS, found by looking at the two sides in the cluster, not by mapping the
// reason string alone (linkerd2#2708, #3523, #5808, #3498 asked for this and were closed). Each
// cause is a fact about the pods; a combination that fits none says so, with the raw labels.
import type { Edge, EdgeResourceType } from "../edges/types.js";
import type { AnchorRef, ExplainFacts, ExplainPod, Explanation } from "./types.js";

const UNMESHED = "(unmeshed)";
const MAX_NAMED = 3;

function named(pods: readonly ExplainPod[], describe: (pod: ExplainPod) => string): string {
  const shown = pods.slice(0, MAX_NAMED).map(describe);
  return pods.length > MAX_NAMED
    ? `${shown.join(", ")} and ${pods.length - MAX_NAMED} more`
    : shown.join(", ");
}

const podName = (pod: ExplainPod) => `${pod.namespace}/${pod.name}`;

/** Pods by workload, indexed once per facts and type: rows are many, lookups must not scan. */
const indexes = new WeakMap<ExplainFacts, Map<EdgeResourceType, Map<string, ExplainPod[]>>>();

function podsOf(
  facts: ExplainFacts,
  type: EdgeResourceType,
  namespace: string,
  workload: string,
): ExplainPod[] {
  const byType = indexes.get(facts) ?? new Map<EdgeResourceType, Map<string, ExplainPod[]>>();
  indexes.set(facts, byType);
  let index = byType.get(type);
  if (index === undefined) {
    index = new Map();
    byType.set(type, index);
    for (const pod of facts.pods) {
      const name = pod.workloads[type];
      if (name === undefined) continue;
      const id = `${pod.namespace}/${name}`;
      const known = index.get(id);
      if (known === undefined) index.set(id, [pod]);
      else known.push(pod);
    }
  }
  return index.get(`${namespace}/${workload}`) ?? [];
}

const anchorsText = (anchors: readonly AnchorRef[]) =>
  anchors.length === 0
    ? "no anchor"
    : anchors
        .map((a) => `${a.commonName ? `CN=${a.commonName} ` : ""}sha256 ${a.sha256.slice(0, 16)}`)
        .join(" and ");

/**
 * Sides whose proxies verify peers with anchors the mesh no longer uses (injected before a
 * rotation, not restarted since): each fails the other side's handshake, whatever discovery
 * labelled the connection (linkerd/linkerd2#4287, #13613; the stale-trust-bundle case).
 */
function trustDiffers(facts: ExplainFacts, sides: readonly ExplainPod[]): Explanation | undefined {
  const current = facts.currentAnchors;
  if (current === undefined || !("anchors" in current)) return undefined;
  const digests = new Set(current.anchors.map((a) => a.sha256));
  const stale = sides.filter(
    (pod) => pod.trust?.from === "spec" && !pod.trust.anchors.some((a) => digests.has(a.sha256)),
  );
  if (stale.length === 0) return undefined;
  const trusts = (pod: ExplainPod) =>
    `${podName(pod)} trusts ${pod.trust?.from === "spec" ? anchorsText(pod.trust.anchors) : "the current bundle"}`;
  const owners = [...new Set(stale.map((pod) => pod.owner || podName(pod)))];
  return {
    cause: "trust-anchors-differ",
    evidence: `${named(stale, trusts)}; the mesh's current bundle (${current.where}) holds ${anchorsText(current.anchors)}: the two sides cannot verify each other, so new connections fail in the mTLS handshake`,
    fix: `restart ${owners.slice(0, MAX_NAMED).join(", ")}${owners.length > MAX_NAMED ? " and the rest" : ""} (kubectl rollout restart) so their proxies are given the current bundle`,
  };
}

function unknown(edge: Edge, reason: string): Explanation {
  return {
    cause: "cause-unknown",
    evidence: `no cause found in the cluster for ${edge.src || UNMESHED} -> ${edge.dst}: no_tls_reason="${reason}"${edge.serverId ? ` server_id="${edge.serverId}"` : ""}`,
    fix: "see docs/edges.md for what each reason means",
  };
}

const withOwner = (pod: ExplainPod) => `${podName(pod)}${pod.owner ? ` (${pod.owner})` : ""}`;
const withSkip = (pod: ExplainPod) =>
  `${podName(pod)} (config.linkerd.io/skip-outbound-ports "${pod.skipOutbound?.ports}" on the ${pod.skipOutbound?.where})`;

const MESH_THE_CLIENT =
  "mesh the client (linkerd.io/inject: enabled on it or its namespace), then restart it";
const UNSKIP_THE_PORT =
  "remove the port from config.linkerd.io/skip-outbound-ports (or use opaque-ports, which keeps mTLS), then restart the pods";

/** Sources whose proxy has no identity, or undefined when none of `pods` is one. */
function identityDisabled(pods: readonly ExplainPod[]): Explanation | undefined {
  const disabled = pods.filter((pod) => pod.noIdentity !== undefined);
  if (disabled.length === 0) return undefined;
  return {
    cause: "identity-disabled",
    evidence: named(disabled, (p) => `${podName(p)}: ${p.identityDisabledBy ?? p.noIdentity}`),
    fix: "remove config.linkerd.io/disable-identity (Linkerd 2.12 and later give every proxy an identity), then restart",
  };
}

/** Sources that are ingress proxies, or undefined when none of `pods` is one. */
function ingressWithoutOverride(pods: readonly ExplainPod[]): Explanation | undefined {
  const ingress = pods.filter((pod) => pod.ingress);
  if (ingress.length === 0) return undefined;
  return {
    cause: "ingress-without-override",
    evidence: `${named(ingress, podName)} ${ingress.length === 1 ? "is an ingress proxy" : "are ingress proxies"} (linkerd.io/inject: ingress) that forwarded requests without an l5d-dst-override header`,
    fix: "make the ingress controller set l5d-dst-override to the service's cluster name",
  };
}

/** Plaintext a destination saw from clients it cannot name: who in the cluster could send it. */
function unmeshedClient(facts: ExplainFacts, edge: Edge): Explanation {
  const withoutProxy = facts.pods.filter((pod) => !pod.meshed && pod.namespace !== "kube-system");
  const skipping = facts.pods.filter((pod) => pod.meshed && pod.skipOutbound !== undefined);
  const noProxy = `pods without a proxy: ${named(withoutProxy, withOwner)}`;
  const skips = `meshed pods that skip outbound ports: ${named(skipping, withSkip)}`;
  const seen = `${edge.dstNamespace}/${edge.dst}'s proxy received plaintext from clients it cannot name (no_tls_from_remote)`;
  if (withoutProxy.length > 0 && skipping.length === 0)
    return { cause: "source-not-meshed", evidence: `${seen}; ${noProxy}`, fix: MESH_THE_CLIENT };
  if (skipping.length > 0 && withoutProxy.length === 0)
    return { cause: "port-skipped", evidence: `${seen}; ${skips}`, fix: UNSKIP_THE_PORT };
  return {
    cause: "cause-unknown",
    evidence: `${seen}; could be ${withoutProxy.length > 0 ? noProxy : "no pod without a proxy"} or ${skipping.length > 0 ? skips : "no pod that skips ports"}`,
    fix: "see docs/edges.md",
  };
}

function destinationNoIdentity(edge: Edge, dst: ExplainPod[]): Explanation | undefined {
  if (dst.length === 0) return undefined;
  const unmeshed = dst.filter((pod) => !pod.meshed);
  if (unmeshed.length === dst.length)
    return {
      cause: "destination-not-meshed",
      evidence: `${edge.dstNamespace}/${edge.dst} has no proxy: ${named(unmeshed, podName)} run without linkerd-proxy, so service discovery gives the caller no identity to verify`,
      fix: `mesh ${edge.dstNamespace}/${edge.dst} (linkerd.io/inject: enabled), then restart it`,
    };
  const withoutIdentity = dst.filter(
    (pod) => pod.meshed && (pod.noIdentity !== undefined || !pod.ready),
  );
  if (withoutIdentity.length > 0)
    return {
      cause: "destination-without-identity",
      evidence: named(withoutIdentity, (p) =>
        p.noIdentity !== undefined
          ? `${podName(p)}: ${p.identityDisabledBy ?? p.noIdentity}`
          : `${podName(p)}: its proxy is not ready`,
      ),
      fix: "give the destination's proxy an identity (remove config.linkerd.io/disable-identity) or let it become ready",
    };
  return {
    cause: "addressed-by-ip",
    evidence: `${edge.dstNamespace}/${edge.dst} is meshed and has an identity, yet discovery gave the caller none: it was addressed by pod IP or a ClusterIP environment variable, not a service name (linkerd/linkerd2#3498)`,
    fix: "call the destination by its service name",
  };
}

/** Why a client the destination can name sent plaintext: what its pods show. */
function namedClient(src: ExplainPod[]): Explanation | undefined {
  const unmeshed = src.filter((pod) => !pod.meshed);
  if (unmeshed.length > 0)
    return {
      cause: "source-not-meshed",
      evidence: `${named(unmeshed, withOwner)} ${unmeshed.length === 1 ? "has" : "have"} no proxy`,
      fix: MESH_THE_CLIENT,
    };
  const skipping = src.filter((pod) => pod.skipOutbound !== undefined);
  return (
    identityDisabled(src) ??
    ingressWithoutOverride(src) ??
    (skipping.length > 0
      ? { cause: "port-skipped", evidence: named(skipping, withSkip), fix: UNSKIP_THE_PORT }
      : undefined)
  );
}

export function explainEdge(
  edge: Edge,
  facts: ExplainFacts,
  type: EdgeResourceType,
): Explanation | undefined {
  if (edge.src === UNMESHED) return edge.security.mtls ? undefined : unmeshedClient(facts, edge);
  const src = podsOf(facts, type, edge.srcNamespace, edge.src);
  const dst = podsOf(facts, type, edge.dstNamespace, edge.dst);
  // A row labelled mTLS is explained only when its handshakes cannot succeed.
  if (edge.security.mtls) return trustDiffers(facts, [...src, ...dst]);
  const reason = edge.security.reason;
  const otherwise = () => trustDiffers(facts, [...src, ...dst]) ?? unknown(edge, reason);
  switch (reason) {
    case "disabled":
      return identityDisabled(src) ?? otherwise();
    case "ingress_without_override":
      return ingressWithoutOverride(src) ?? otherwise();
    // The destination's side of a connection from a client it can name (tap labels the source).
    case "no_tls_from_remote":
      return namedClient(src) ?? otherwise();
    case "not_provided_by_service_discovery":
      return destinationNoIdentity(edge, dst) ?? otherwise();
    default:
      return otherwise();
  }
}
