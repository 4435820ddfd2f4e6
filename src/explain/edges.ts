// Why an edge is not mTLS, found by looking at the two sides in the cluster, not by mapping the
// reason string alone (linkerd2#2708, #3523, #5808, #3498 asked for this and were closed). Each
// cause is a fact about the pods; a combination that fits none says so, with the raw labels.
import type { Edge, EdgeResourceType } from "../edges/types.js";
import type { ExplainFacts, ExplainPod, Explanation } from "./types.js";

const UNMESHED = "(unmeshed)";
const MAX_NAMED = 3;

function named(pods: readonly ExplainPod[], describe: (pod: ExplainPod) => string): string {
  const shown = pods.slice(0, MAX_NAMED).map(describe);
  return pods.length > MAX_NAMED
    ? `${shown.join(", ")} and ${pods.length - MAX_NAMED} more`
    : shown.join(", ");
}

const podName = (pod: ExplainPod) => `${pod.namespace}/${pod.name}`;

function podsOf(
  facts: ExplainFacts,
  type: EdgeResourceType,
  namespace: string,
  workload: string,
): ExplainPod[] {
  return facts.pods.filter(
    (pod) => pod.namespace === namespace && pod.workloads[type] === workload,
  );
}

function unknown(edge: Edge, reason: string): Explanation {
  return {
    cause: "cause-unknown",
    evidence: `no cause found in the cluster for ${edge.src || UNMESHED} -> ${edge.dst}: no_tls_reason="${reason}"${edge.serverId ? ` server_id="${edge.serverId}"` : ""}`,
    fix: "see docs/edges.md for what each reason means",
  };
}

/** Plaintext a destination saw from clients it cannot name: who in the cluster could send it. */
function unmeshedClient(facts: ExplainFacts, edge: Edge): Explanation {
  const withoutProxy = facts.pods.filter((pod) => !pod.meshed && pod.namespace !== "kube-system");
  const skipping = facts.pods.filter((pod) => pod.meshed && pod.skipOutbound !== undefined);
  const noProxy = `pods without a proxy: ${named(withoutProxy, (p) => `${podName(p)}${p.owner ? ` (${p.owner})` : ""}`)}`;
  const skips = `meshed pods that skip outbound ports: ${named(skipping, (p) => `${podName(p)} (config.linkerd.io/skip-outbound-ports "${p.skipOutbound?.ports}" on the ${p.skipOutbound?.where})`)}`;
  const seen = `${edge.dstNamespace}/${edge.dst}'s proxy received plaintext from clients it cannot name (no_tls_from_remote)`;
  if (withoutProxy.length > 0 && skipping.length === 0)
    return {
      cause: "source-not-meshed",
      evidence: `${seen}; ${noProxy}`,
      fix: "mesh the client (linkerd.io/inject: enabled on it or its namespace), then restart it",
    };
  if (skipping.length > 0 && withoutProxy.length === 0)
    return {
      cause: "port-skipped",
      evidence: `${seen}; ${skips}`,
      fix: "remove the port from config.linkerd.io/skip-outbound-ports (or use opaque-ports, which keeps mTLS), then restart the pods",
    };
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
      evidence: `${named(unmeshed, (p) => `${podName(p)}${p.owner ? ` (${p.owner})` : ""}`)} ${unmeshed.length === 1 ? "has" : "have"} no proxy`,
      fix: "mesh the client (linkerd.io/inject: enabled on it or its namespace), then restart it",
    };
  const disabled = src.filter((pod) => pod.noIdentity !== undefined);
  if (disabled.length > 0)
    return {
      cause: "identity-disabled",
      evidence: named(disabled, (p) => `${podName(p)}: ${p.identityDisabledBy ?? p.noIdentity}`),
      fix: "remove config.linkerd.io/disable-identity (Linkerd 2.12 and later give every proxy an identity), then restart",
    };
  const ingress = src.filter((pod) => pod.ingress);
  if (ingress.length > 0)
    return {
      cause: "ingress-without-override",
      evidence: `${named(ingress, podName)} ${ingress.length === 1 ? "is an ingress proxy" : "are ingress proxies"} (linkerd.io/inject: ingress) that forwarded requests without an l5d-dst-override header`,
      fix: "make the ingress controller set l5d-dst-override to the service's cluster name",
    };
  const skipping = src.filter((pod) => pod.skipOutbound !== undefined);
  if (skipping.length > 0)
    return {
      cause: "port-skipped",
      evidence: named(
        skipping,
        (p) =>
          `${podName(p)} (config.linkerd.io/skip-outbound-ports "${p.skipOutbound?.ports}" on the ${p.skipOutbound?.where})`,
      ),
      fix: "remove the port from config.linkerd.io/skip-outbound-ports (or use opaque-ports, which keeps mTLS), then restart the pods",
    };
  return undefined;
}

export function explainEdge(
  edge: Edge,
  facts: ExplainFacts,
  type: EdgeResourceType,
): Explanation | undefined {
  if (edge.security.mtls) return undefined;
  const reason = edge.security.reason;
  if (edge.src === UNMESHED) return unmeshedClient(facts, edge);
  const src = podsOf(facts, type, edge.srcNamespace, edge.src);
  const dst = podsOf(facts, type, edge.dstNamespace, edge.dst);
  switch (reason) {
    case "disabled": {
      const disabled = src.filter((pod) => pod.noIdentity !== undefined);
      if (disabled.length === 0) break;
      return {
        cause: "identity-disabled",
        evidence: named(disabled, (p) => `${podName(p)}: ${p.identityDisabledBy ?? p.noIdentity}`),
        fix: "remove config.linkerd.io/disable-identity (Linkerd 2.12 and later give every proxy an identity), then restart",
      };
    }
    case "ingress_without_override": {
      const ingress = src.filter((pod) => pod.ingress);
      if (ingress.length === 0) break;
      return {
        cause: "ingress-without-override",
        evidence: `${named(ingress, podName)} ${ingress.length === 1 ? "is an ingress proxy" : "are ingress proxies"} (linkerd.io/inject: ingress) that forwarded requests without an l5d-dst-override header`,
        fix: "make the ingress controller set l5d-dst-override to the service's cluster name",
      };
    }
    // The destination's side of a connection from a client it can name (tap labels the source).
    case "no_tls_from_remote": {
      const found = namedClient(src);
      if (found !== undefined) return found;
      break;
    }
    case "not_provided_by_service_discovery": {
      const found = destinationNoIdentity(edge, dst);
      if (found !== undefined) return found;
      break;
    }
    default:
      break;
  }
  return unknown(edge, reason);
}
