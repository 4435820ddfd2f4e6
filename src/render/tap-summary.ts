// What a bounded or gated tap says at its end, on stderr: events, requests by `tls=` value, and
// what each value means.
import type { Explanation } from "../explain/types.js";
import { escapeControl } from "./escape.js";

/** What a `tls=` value means, in a line; docs/tap.md has more. */
export const TLS_MEANINGS: Record<string, string> = {
  true: "mutual TLS between two meshed proxies",
  no_tls_from_remote: "the client has no proxy (or skips it) and sent plaintext",
  not_provided_by_service_discovery: "the destination has no proxy or identity: sent in plaintext",
  ingress_without_override: "an ingress proxy without l5d-dst-override: sent in plaintext",
  disabled: "the proxy runs without an identity: plaintext",
  loopback: "traffic to the pod itself",
  port_skipped: "the port skips the proxy: plaintext",
  passthru: "TLS the application made itself, passed through (not the mesh's)",
  "": "no tls label (an event the proxy could not classify)",
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * What the run saw, for stderr: events, and requests by `tls=` value with what each means; with
 * --explain, why each value other than true was seen, as found in the cluster.
 */
export function renderTapSummary(
  events: number,
  requestsByTls: Map<string, number>,
  explanations?: ReadonlyMap<string, Explanation>,
): string {
  const requests = [...requestsByTls.values()].reduce((a, b) => a + b, 0);
  const counts = [...requestsByTls.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([tls, n]) => `tls=${escapeControl(tls)} ${n}`)
    .join(", ");
  const lines = [
    `meshlens: ${plural(events, "event", "events")}, ${plural(requests, "request", "requests")}${counts ? `: ${counts}` : ""}\n`,
  ];
  for (const tls of requestsByTls.keys()) {
    lines.push(`  tls=${escapeControl(tls)}: ${TLS_MEANINGS[tls] ?? "see docs/tap.md"}\n`);
    const why = explanations?.get(tls);
    if (why !== undefined)
      lines.push(
        `    why: ${why.cause}: ${escapeControl(why.evidence)}\n    fix: ${escapeControl(why.fix)}\n`,
      );
  }
  return lines.join("");
}
