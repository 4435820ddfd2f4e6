import { describe, expect, it } from "vitest";
import { expandReferences, resolveEnv } from "../../src/shared/env-expansion.js";

describe("$(VAR) expansion as the kubelet does it", () => {
  const defined = new Map([
    ["A", "alpha"],
    ["B", "beta"],
  ]);
  it.each([
    ["$(A).$(B)", "alpha.beta"],
    ["$(A)$(A)", "alphaalpha"],
    ["$(MISSING).x", "$(MISSING).x"],
    ["$$(A)", "$(A)"],
    ["cost: 5$", "cost: 5$"],
    ["$x$(A)", "$xalpha"],
    ["$(A", "$(A"],
    ["$(A$(B)", "$(A$(B)"],
    ["plain", "plain"],
  ])("%j → %j", (text, expected) => {
    expect(expandReferences(text, defined)).toBe(expected);
  });
});

describe("a container's environment", () => {
  const pod: Record<string, string> = {
    "metadata.namespace": "emojivoto",
    "spec.serviceAccountName": "web",
  };
  it("expands with variables defined earlier only, and resolves the pod's own fields", () => {
    const env = resolveEnv(
      [
        { name: "_pod_ns", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "_pod_sa", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } },
        { name: "_l5d_ns", value: "linkerd" },
        {
          name: "LOCAL_NAME",
          value: "$(_pod_sa).$(_pod_ns).serviceaccount.identity.$(_l5d_ns).$(_l5d_trustdomain)",
        },
        { name: "_l5d_trustdomain", value: "cluster.local" },
        { name: "UNKNOWN_FIELD", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      ],
      (path) => pod[path],
    );
    // _l5d_trustdomain comes after LOCAL_NAME, so the kubelet leaves that reference alone.
    expect(env.get("LOCAL_NAME")).toBe(
      "web.emojivoto.serviceaccount.identity.linkerd.$(_l5d_trustdomain)",
    );
    expect(env.has("UNKNOWN_FIELD")).toBe(false);
  });
});
