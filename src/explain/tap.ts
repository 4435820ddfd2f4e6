// `tap --explain`: each distinct tls value other than true, explained as edges --explain explains
// a row, from the first event that showed it (its two ends' pods, as the tap server labels them).
import type { Edge } from "../edges/types.js";
import type { TapEvent } from "../tap/types.js";
import { explainEdge } from "./edges.js";
import type { ExplainFacts, Explanation } from "./types.js";

/** The ends of an event as an edge row by pod: an end the tap server could not label has no proxy. */
function asEdge(event: TapEvent, tls: string): Edge {
  const { source, destination } = event;
  const unmeshedSource = source.labels.pod === undefined;
  return {
    src: unmeshedSource ? "(unmeshed)" : (source.labels.pod ?? ""),
    srcNamespace: source.labels.namespace ?? "",
    dst: destination.labels.pod ?? "",
    dstNamespace: destination.labels.namespace ?? "",
    clientId: "",
    serverId: "",
    security: { mtls: false, reason: tls },
  };
}

export function explainTlsValues(
  firstSeen: ReadonlyMap<string, TapEvent>,
  facts: ExplainFacts,
): Map<string, Explanation> {
  const explained = new Map<string, Explanation>();
  for (const [tls, event] of firstSeen) {
    if (tls === "true") continue;
    const explanation = explainEdge(asEdge(event, tls), facts, "pod");
    if (explanation !== undefined) explained.set(tls, explanation);
  }
  return explained;
}
