// `edges --prometheus --explain`: the meshed pods Prometheus does not scrape, whose edges are then
// missing without a word (linkerd/linkerd2#9150: a default-deny policy refuses the scrapes of the
// proxies' admin port). Read from the same Prometheus, one instant query of `up` for the proxies'
// job (linkerd-viz's is `linkerd-proxy`, labelled `namespace` and `pod`).
import type { Cluster } from "../k8s/types.js";
import { queryPrometheus } from "../proxy/prometheus.js";
import type { PrometheusSource } from "../proxy/types.js";
import type { ExplainFacts, UnscrapedNamespace } from "./types.js";

const PROXY_JOB = "linkerd-proxy";

export function upQuery(namespace: string | undefined): string {
  const matchers = [`job="${PROXY_JOB}"`, ...(namespace ? [`namespace="${namespace}"`] : [])];
  return `up{${matchers.join(", ")}}`;
}

/** The meshed, ready pods (in `namespace`, or all) whose `up` is 0 or absent, by namespace. */
export function unscrapedNamespaces(
  facts: ExplainFacts,
  up: ReadonlyMap<string, number>,
  namespace: string | undefined,
): UnscrapedNamespace[] {
  const byNamespace = new Map<string, UnscrapedNamespace>();
  for (const pod of facts.pods) {
    if (!pod.meshed || !pod.ready) continue;
    if (namespace !== undefined && pod.namespace !== namespace) continue;
    const value = up.get(`${pod.namespace}/${pod.name}`);
    if (value === 1) continue;
    let entry = byNamespace.get(pod.namespace);
    if (entry === undefined) {
      entry = { namespace: pod.namespace, pods: [], denyPolicyOn: undefined };
      byNamespace.set(pod.namespace, entry);
    }
    entry.pods.push({ name: pod.name, up: value === undefined ? "absent" : "failing" });
    if (pod.inboundPolicy?.value === "deny") entry.denyPolicyOn ??= pod.inboundPolicy.where;
  }
  return [...byNamespace.values()].sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
}

export async function findUnscraped(
  source: PrometheusSource,
  cluster: Cluster,
  facts: ExplainFacts,
  namespace: string | undefined,
): Promise<UnscrapedNamespace[]> {
  const series = await queryPrometheus(source, cluster, upQuery(namespace));
  const up = new Map<string, number>();
  for (const { metric, value } of series) {
    if (metric?.namespace === undefined || metric.pod === undefined) continue;
    // A pod scraped by several targets counts as scraped when any succeeds.
    const key = `${metric.namespace}/${metric.pod}`;
    up.set(key, Math.max(up.get(key) ?? 0, Number(value?.[1] ?? 0)));
  }
  return unscrapedNamespaces(facts, up, namespace);
}
