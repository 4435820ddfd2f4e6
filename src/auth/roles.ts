// The least-privilege RBAC objects for one mode: a ClusterRole for what is cluster-scoped or read
// in every namespace, a Role in each namespace for what is read there, named objects by
// resourceNames, each bound to one service account.
import type { ModeId, Permission } from "./types.js";

export interface RbacObject {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "ClusterRole" | "ClusterRoleBinding" | "Role" | "RoleBinding";
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  [field: string]: unknown;
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

/** `check --proxy --no-verify-leaves` -> `meshlens-check-proxy-no-verify-leaves`. */
export function roleName(mode: ModeId): string {
  return `meshlens-${mode.replace(/--/g, "").replace(/\s+/g, "-")}`;
}

function rulesOf(permissions: Permission[]): Rule[] {
  // One rule per resource and verb; reads of named objects share one rule with every name.
  const rules = new Map<string, Rule>();
  for (const p of permissions) {
    const resource = p.subresource ? `${p.resource}/${p.subresource}` : p.resource;
    const key = JSON.stringify([p.group, resource, p.verb, p.names === undefined]);
    const rule = rules.get(key);
    if (rule === undefined)
      rules.set(key, {
        apiGroups: [p.group],
        resources: [resource],
        ...(p.names ? { resourceNames: [...p.names] } : {}),
        verbs: [p.verb],
      });
    else if (rule.resourceNames !== undefined)
      for (const name of p.names ?? [])
        if (!rule.resourceNames.includes(name)) rule.resourceNames.push(name);
  }
  return [...rules.values()];
}

export function leastPrivilegeRoles(
  mode: ModeId,
  permissions: Permission[],
  subject: { namespace: string; name: string },
): RbacObject[] {
  const name = roleName(mode);
  const labels = { "app.kubernetes.io/managed-by": "meshlens", "meshlens.dev/mode": name.slice(9) };
  const serviceAccount = {
    kind: "ServiceAccount",
    name: subject.name,
    namespace: subject.namespace,
  };
  const objects: RbacObject[] = [];
  const cluster = permissions.filter((p) => p.namespace === undefined);
  if (cluster.length > 0)
    objects.push(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name, labels },
        rules: rulesOf(cluster),
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
        subjects: [serviceAccount],
      },
    );
  const namespaces = [...new Set(permissions.flatMap((p) => (p.namespace ? [p.namespace] : [])))];
  for (const namespace of namespaces.sort())
    objects.push(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name, namespace, labels },
        rules: rulesOf(permissions.filter((p) => p.namespace === namespace)),
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name, namespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects: [serviceAccount],
      },
    );
  return objects;
}
