// The permission model on plain inputs: what each mode needs, kubectl's words, the roles' shape.
import { describe, expect, it } from "vitest";
import { type MODES, requirementsOf } from "../../src/auth/requirements.js";
import { permissionWords } from "../../src/auth/review.js";
import { leastPrivilegeRoles, roleName } from "../../src/auth/roles.js";
import { parseAuthOptions } from "../../src/commands/auth.js";

const scope = {
  controlPlaneNamespace: "linkerd",
  vizNamespace: "linkerd-viz",
  namespace: undefined,
};

describe("what each mode needs", () => {
  it("a permission another grants is left out (pods listed everywhere cover the control plane's)", () => {
    const proxy = requirementsOf("check --proxy", scope).permissions;
    const podLists = proxy.filter((p) => p.resource === "pods" && p.verb === "list");
    expect(podLists).toHaveLength(1);
    expect(podLists[0]?.namespace).toBeUndefined();
    // Scoped to a namespace, the control plane's pods are listed there and the namespace's apart.
    const scoped = requirementsOf("check --proxy", { ...scope, namespace: "shop" }).permissions;
    expect(
      scoped.filter((p) => p.resource === "pods" && p.verb === "list").map((p) => p.namespace),
    ).toEqual(["linkerd", "shop"]);
  });

  it("without leaves, no port-forward; with Prometheus, its service proxy instead", () => {
    const has = (mode: (typeof MODES)[number], resource: string) =>
      requirementsOf(mode, scope).permissions.some(
        (p) => `${p.resource}/${p.subresource ?? ""}` === resource,
      );
    expect(has("check --proxy", "pods/portforward")).toBe(true);
    expect(has("check --proxy --no-verify-leaves", "pods/portforward")).toBe(false);
    expect(has("check --proxy --prometheus viz", "services/proxy")).toBe(true);
    expect(has("rotation --no-verify-leaves", "pods/portforward")).toBe(false);
  });

  it("says a missing permission in kubectl's words", () => {
    expect(
      permissionWords({
        verb: "create",
        group: "",
        resource: "pods",
        subresource: "portforward",
        namespace: "shop",
        why: "",
      }),
    ).toBe('cannot create pods/portforward in namespace "shop"');
    expect(
      permissionWords({
        verb: "watch",
        group: "tap.linkerd.io",
        resource: "deployments",
        subresource: "tap",
        why: "",
      }),
    ).toBe("cannot watch deployments.tap.linkerd.io/tap at the cluster scope");
  });
});

describe("the least roles", () => {
  it("a ClusterRole for what is cluster-wide, a Role per namespace, names merged in one rule", () => {
    const objects = leastPrivilegeRoles("rotation", requirementsOf("rotation", scope).permissions, {
      namespace: "ci",
      name: "meshlens",
    });
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}`)).toEqual([
      "ClusterRole/",
      "ClusterRoleBinding/",
      "Role/linkerd",
      "RoleBinding/linkerd",
    ]);
    expect(objects[2]?.rules).toEqual([
      {
        apiGroups: [""],
        resources: ["configmaps"],
        resourceNames: ["linkerd-config", "linkerd-identity-trust-roots"],
        verbs: ["get"],
      },
      {
        apiGroups: [""],
        resources: ["secrets"],
        resourceNames: ["linkerd-identity-issuer"],
        verbs: ["get"],
      },
    ]);
    expect(objects[1]?.subjects).toEqual([
      { kind: "ServiceAccount", name: "meshlens", namespace: "ci" },
    ]);
    expect(roleName("check --proxy --no-verify-leaves")).toBe(
      "meshlens-check-proxy-no-verify-leaves",
    );
  });
});

describe("parseAuthOptions", () => {
  const flags = {
    output: "table",
    vizNamespace: "linkerd-viz",
    serviceAccount: "meshlens/meshlens",
  };
  it("commands pick their modes; --print-role takes a mode and a service account", () => {
    expect(parseAuthOptions(["tap", "rotation"], flags).modes).toEqual([
      "tap",
      "tap --explain",
      "rotation",
      "rotation --no-verify-leaves",
    ]);
    expect(parseAuthOptions([], { ...flags, printRole: " check   --proxy " }).printRole).toEqual({
      mode: "check --proxy",
      serviceAccount: { namespace: "meshlens", name: "meshlens" },
    });
  });
  it.each([
    [["nope"], {}, 'unknown command "nope"'],
    [[], { printRole: "check --pxoxy" }, 'invalid --print-role "check --pxoxy"'],
    [
      [],
      { printRole: "check", serviceAccount: "meshlens" },
      'invalid --service-account "meshlens"',
    ],
    [[], { output: "yaml" }, 'invalid --output "yaml"'],
  ] as const)("%j %j is a usage error", (commands, extra, message) => {
    expect(() => parseAuthOptions([...commands], { ...flags, ...extra })).toThrow(message);
  });
});
