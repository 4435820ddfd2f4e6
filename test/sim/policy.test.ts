// The simulator's admin-port policy (src/sim/policy.ts): deny answers a scrape only when an
// AuthorizationPolicy reaches /metrics on a Server that selects the pod (linkerd/linkerd2#9150).
import { describe, expect, it } from "vitest";
import { DEFAULT_INBOUND_POLICY, metricsScrapeAllowed } from "../../src/sim/policy.js";
import { type KubeObject, ObjectStore } from "../../src/sim/store.js";

const pod: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web-1", namespace: "shop", labels: { "linkerd.io/proxy-deployment": "web" } },
};

function store(namespaceAnnotations: Record<string, string>, ...objects: KubeObject[]) {
  const s = new ObjectStore(new Date("2026-12-04T00:00:00Z"));
  s.put({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "shop", annotations: namespaceAnnotations },
  });
  for (const object of objects) s.put(object);
  return s;
}

const server = (selector: object, port: unknown = "linkerd-admin"): KubeObject => ({
  apiVersion: "policy.linkerd.io/v1beta3",
  kind: "Server",
  metadata: { name: "admin", namespace: "shop" },
  spec: { podSelector: selector, port },
});
const route = (path: string): KubeObject => ({
  apiVersion: "policy.linkerd.io/v1beta1",
  kind: "HTTPRoute",
  metadata: { name: "scrapes", namespace: "shop" },
  spec: {
    parentRefs: [{ kind: "Server", name: "admin", group: "policy.linkerd.io" }],
    rules: [{ matches: [{ path: { value: path } }] }],
  },
});
const authorize = (kind: string, name: string): KubeObject => ({
  apiVersion: "policy.linkerd.io/v1alpha1",
  kind: "AuthorizationPolicy",
  metadata: { name: "prometheus", namespace: "shop" },
  spec: { targetRef: { group: "policy.linkerd.io", kind, name } },
});
const DENY = { [DEFAULT_INBOUND_POLICY]: "deny" };
const EXISTS = { matchExpressions: [{ key: "linkerd.io/proxy-deployment", operator: "Exists" }] };

describe("metricsScrapeAllowed", () => {
  it("answers under any policy but deny", () => {
    expect(metricsScrapeAllowed(store({}), pod)).toBe(true);
    expect(
      metricsScrapeAllowed(store({ [DEFAULT_INBOUND_POLICY]: "all-authenticated" }), pod),
    ).toBe(true);
    expect(metricsScrapeAllowed(store(DENY), pod)).toBe(false);
    // The pod's own annotation wins over its namespace's.
    const open = {
      ...pod,
      metadata: {
        ...pod.metadata,
        annotations: { [DEFAULT_INBOUND_POLICY]: "all-unauthenticated" },
      },
    };
    expect(metricsScrapeAllowed(store(DENY), open)).toBe(true);
  });

  it("under deny, only an authorization that reaches /metrics on the pod's admin port lets it", () => {
    expect(
      metricsScrapeAllowed(
        store(DENY, server(EXISTS), route("/metrics"), authorize("HTTPRoute", "scrapes")),
        pod,
      ),
    ).toBe(true);
    expect(
      metricsScrapeAllowed(store(DENY, server(EXISTS, 4191), authorize("Server", "admin")), pod),
    ).toBe(true);
    // A route for the probes only, a Server on another port, one that selects other pods, or no
    // AuthorizationPolicy: still refused.
    expect(
      metricsScrapeAllowed(
        store(DENY, server(EXISTS), route("/ready"), authorize("HTTPRoute", "scrapes")),
        pod,
      ),
    ).toBe(false);
    expect(
      metricsScrapeAllowed(store(DENY, server(EXISTS, 8080), authorize("Server", "admin")), pod),
    ).toBe(false);
    expect(
      metricsScrapeAllowed(
        store(DENY, server({ matchLabels: { app: "api" } }), authorize("Server", "admin")),
        pod,
      ),
    ).toBe(false);
    expect(metricsScrapeAllowed(store(DENY, server(EXISTS), route("/metrics")), pod)).toBe(false);
  });
});
