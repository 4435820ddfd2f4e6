// Linkerd's inbound policy, as far as the simulator plays it: the proxy admin port's /metrics. A
// proxy whose default inbound policy is `deny` (config.linkerd.io/default-inbound-policy on the pod,
// else its namespace) answers a scrape only when an AuthorizationPolicy in its namespace targets a
// Server on its admin port (`linkerd-admin`, 4191) that selects it, directly or through an HTTPRoute
// that matches /metrics: what `linkerd viz allow-scrapes` writes. Without one Prometheus gets 403
// and viz shows nothing, without saying why (linkerd/linkerd2#9150). Clients are not told apart:
// an authorization lets every scraper in (the API server's pod proxy too).
import { type LabelSelector, matchesSelector } from "../shared/label-selector.js";
import { RESOURCE_TYPES } from "./resources.js";
import type { KubeObject, ObjectStore } from "./store.js";

export const DEFAULT_INBOUND_POLICY = "config.linkerd.io/default-inbound-policy";
const ADMIN_PORTS = new Set<unknown>(["linkerd-admin", 4191, "4191"]);

interface MetaLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** A metav1.LabelSelector as requirements; an operator it does not know matches nothing. */
function requirementsOf(selector: MetaLabelSelector | undefined): LabelSelector | undefined {
  const requirements: LabelSelector = Object.entries(selector?.matchLabels ?? {}).map(
    ([key, value]) => ({ key, op: "=", value }),
  );
  for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
    if (operator === "In") requirements.push({ key, op: "in", values });
    else if (operator === "NotIn") requirements.push({ key, op: "notin", values });
    else if (operator === "Exists") requirements.push({ key, op: "exists" });
    else if (operator === "DoesNotExist") requirements.push({ key, op: "!exists" });
    else return undefined;
  }
  return requirements;
}

/** Every object of a policy kind in a namespace, whichever version it was written in. */
function policyObjects(store: ObjectStore, kind: string, namespace: string): KubeObject[] {
  return RESOURCE_TYPES.filter((t) => t.group === "policy.linkerd.io" && t.kind === kind).flatMap(
    (type) =>
      store
        .list({ apiVersion: `${type.group}/${type.version}`, kind })
        .filter((object) => object.metadata.namespace === namespace),
  );
}

/** The pod's default inbound policy: its own annotation, else its namespace's. */
export function defaultInboundPolicy(store: ObjectStore, pod: KubeObject): string | undefined {
  const namespace = pod.metadata.namespace ?? "default";
  return (
    pod.metadata.annotations?.[DEFAULT_INBOUND_POLICY] ??
    store.get({ apiVersion: "v1", kind: "Namespace" }, undefined, namespace)?.metadata
      .annotations?.[DEFAULT_INBOUND_POLICY]
  );
}

/** Whether the pod's proxy answers /metrics to a scraper. */
export function metricsScrapeAllowed(store: ObjectStore, pod: KubeObject): boolean {
  if (defaultInboundPolicy(store, pod) !== "deny") return true;
  const namespace = pod.metadata.namespace ?? "default";
  const servers = new Set(
    policyObjects(store, "Server", namespace)
      .filter((server) => {
        const spec = server.spec as { port?: unknown; podSelector?: MetaLabelSelector } | undefined;
        const selector = requirementsOf(spec?.podSelector);
        return (
          ADMIN_PORTS.has(spec?.port) &&
          selector !== undefined &&
          matchesSelector(selector, pod.metadata.labels)
        );
      })
      .map((server) => server.metadata.name),
  );
  if (servers.size === 0) return false;
  const routes = new Set(
    policyObjects(store, "HTTPRoute", namespace)
      .filter((route) => {
        const spec = route.spec as
          | {
              parentRefs?: Array<{ kind?: string; name?: string }>;
              rules?: Array<{ matches?: Array<{ path?: { value?: string } }> }>;
            }
          | undefined;
        const onServer = (spec?.parentRefs ?? []).some(
          (ref) => ref.kind === "Server" && servers.has(ref.name ?? ""),
        );
        const matchesMetrics = (spec?.rules ?? []).some(
          (rule) =>
            rule.matches === undefined ||
            rule.matches.some((m) => "/metrics".startsWith(m.path?.value ?? "/")),
        );
        return onServer && matchesMetrics;
      })
      .map((route) => route.metadata.name),
  );
  return policyObjects(store, "AuthorizationPolicy", namespace).some((policy) => {
    const target = (policy.spec as { targetRef?: { kind?: string; name?: string } } | undefined)
      ?.targetRef;
    if (target?.kind === "Server") return servers.has(target.name ?? "");
    if (target?.kind === "HTTPRoute") return routes.has(target.name ?? "");
    return false;
  });
}
