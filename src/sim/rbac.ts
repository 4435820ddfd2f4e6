// RBAC as kube-apiserver's authorizer applies it (k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac),
// over the Roles, ClusterRoles and their bindings in the simulator's store, for a user the request
// impersonates (`kubectl --as`). Plus the bootstrap roles every API server creates for itself
// (cluster-admin, view, system:discovery), as far as meshlens' reads touch them.
import type { RequestInfo } from "./request-info.js";
import type { KubeObject, ObjectStore } from "./store.js";

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

const RBAC = "rbac.authorization.k8s.io/v1";
const READ = ["get", "list", "watch"];

/**
 * The bootstrap ClusterRoles meshlens' commands meet (k8s.io/kubernetes/plugin/pkg/auth/authorizer/
 * rbac/bootstrappolicy), `view` with the rules for the resources the simulator serves. `view` has
 * no secrets, no pods/proxy and no pods/portforward: what a read-only tenant is given.
 */
export const BOOTSTRAP_CLUSTER_ROLES: KubeObject[] = [
  {
    apiVersion: RBAC,
    kind: "ClusterRole",
    metadata: { name: "cluster-admin", labels: { "kubernetes.io/bootstrapping": "rbac-defaults" } },
    rules: [
      { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
      { nonResourceURLs: ["*"], verbs: ["*"] },
    ],
  },
  {
    apiVersion: RBAC,
    kind: "ClusterRole",
    metadata: { name: "view", labels: { "kubernetes.io/bootstrapping": "rbac-defaults" } },
    rules: [
      {
        apiGroups: [""],
        resources: [
          "configmaps",
          "endpoints",
          "namespaces",
          "pods",
          "pods/log",
          "pods/status",
          "replicationcontrollers",
          "serviceaccounts",
          "services",
        ],
        verbs: READ,
      },
      {
        apiGroups: ["apps"],
        resources: ["daemonsets", "deployments", "replicasets", "statefulsets"],
        verbs: READ,
      },
      { apiGroups: ["batch"], resources: ["cronjobs", "jobs"], verbs: READ },
    ],
  },
  {
    apiVersion: RBAC,
    kind: "ClusterRole",
    metadata: {
      name: "system:discovery",
      labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
    },
    rules: [
      {
        nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/version", "/version/"],
        verbs: ["get"],
      },
    ],
  },
  {
    apiVersion: RBAC,
    kind: "ClusterRole",
    metadata: {
      name: "system:basic-user",
      labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
    },
    rules: [
      {
        apiGroups: ["authorization.k8s.io"],
        resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
        verbs: ["create"],
      },
    ],
  },
  // Every authenticated user may ask what it may do; system:masters is an administrator.
  ...[
    ["system:basic-user", "system:authenticated"],
    ["cluster-admin", "system:masters"],
  ].map(([role, group]) => ({
    apiVersion: RBAC,
    kind: "ClusterRoleBinding",
    metadata: { name: role as string, labels: { "kubernetes.io/bootstrapping": "rbac-defaults" } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role as string },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: group as string }],
  })),
  {
    apiVersion: RBAC,
    kind: "ClusterRoleBinding",
    metadata: {
      name: "system:discovery",
      labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
    },
    roleRef: {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "system:discovery",
    },
    subjects: [
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" },
    ],
  },
];

/**
 * The groups the API server gives an impersonated user besides those asked for: every user is
 * authenticated, a service account is in its own groups (k8s.io/apiserver/pkg/authentication/
 * serviceaccount).
 */
export function impersonatedUser(name: string, groups: readonly string[]): UserInfo {
  const account = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
  const implied = account
    ? ["system:serviceaccounts", `system:serviceaccounts:${account[1]}`, "system:authenticated"]
    : ["system:authenticated"];
  return { name, groups: [...new Set([...groups, ...implied])] };
}

function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string | undefined) {
  switch (subject.kind) {
    case "User":
      return subject.name === user.name;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount":
      return (
        user.name ===
        `system:serviceaccount:${subject.namespace ?? bindingNamespace ?? ""}:${subject.name}`
      );
    default:
      return false;
  }
}

/** A ClusterRole's rules, with an aggregationRule's selected roles' rules (the controller's job). */
function clusterRoleRules(
  store: ObjectStore,
  name: string,
  seen = new Set<string>(),
): PolicyRule[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const role = store.get({ apiVersion: RBAC, kind: "ClusterRole" }, undefined, name);
  if (role === undefined) return [];
  const own = ((role as { rules?: PolicyRule[] }).rules ?? []).slice();
  const selectors =
    (
      role as {
        aggregationRule?: {
          clusterRoleSelectors?: Array<{ matchLabels?: Record<string, string> }>;
        };
      }
    ).aggregationRule?.clusterRoleSelectors ?? [];
  for (const selector of selectors)
    for (const other of store.list({ apiVersion: RBAC, kind: "ClusterRole" })) {
      const labels = other.metadata.labels ?? {};
      if (Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v))
        own.push(...clusterRoleRules(store, other.metadata.name, seen));
    }
  return own;
}

function rulesOf(store: ObjectStore, binding: KubeObject): PolicyRule[] {
  const ref = (binding as { roleRef?: { kind: string; name: string } }).roleRef;
  if (ref === undefined) return [];
  if (ref.kind === "ClusterRole") return clusterRoleRules(store, ref.name);
  const role = store.get({ apiVersion: RBAC, kind: "Role" }, binding.metadata.namespace, ref.name);
  return (role as { rules?: PolicyRule[] } | undefined)?.rules ?? [];
}

const has = (list: readonly string[] | undefined, value: string) =>
  (list ?? []).includes("*") || (list ?? []).includes(value);

function ruleAllows(rule: PolicyRule, request: RequestInfo): boolean {
  if (!has(rule.verbs, request.verb)) return false;
  if (request.kind === "non-resource")
    return (rule.nonResourceURLs ?? []).some(
      (url) =>
        url === "*" ||
        url === request.path ||
        (url.endsWith("*") && request.path.startsWith(url.slice(0, -1))),
    );
  if (!has(rule.apiGroups, request.group)) return false;
  const combined = request.subresource
    ? `${request.resource}/${request.subresource}`
    : request.resource;
  const resources = rule.resources ?? [];
  const resourceOk =
    resources.includes("*") ||
    resources.includes(combined) ||
    (request.subresource !== "" && resources.includes(`*/${request.subresource}`));
  if (!resourceOk) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (request.name !== undefined && names.includes(request.name));
}

/** The bindings that apply to `user`: every cluster binding, and the namespace's bindings. */
function bindingsOf(store: ObjectStore, user: UserInfo, namespace: string | undefined) {
  return [
    ...store.list({ apiVersion: RBAC, kind: "ClusterRoleBinding" }),
    ...(namespace === undefined
      ? []
      : store.list({ apiVersion: RBAC, kind: "RoleBinding" }, namespace)),
  ].filter((binding) =>
    ((binding as { subjects?: Subject[] }).subjects ?? []).some((s) =>
      subjectMatches(s, user, binding.metadata.namespace),
    ),
  );
}

/** Whether RBAC lets `user` do `request`: a cluster binding, or a binding in the namespace. */
export function authorize(store: ObjectStore, user: UserInfo, request: RequestInfo): boolean {
  return allowedBy(store, user, request) !== undefined;
}

/** kube-apiserver's reason for an allowed request, or undefined when nothing allows it. */
export function allowedBy(
  store: ObjectStore,
  user: UserInfo,
  request: RequestInfo,
): string | undefined {
  const namespace = request.kind === "resource" ? request.namespace : undefined;
  for (const binding of bindingsOf(store, user, namespace)) {
    if (!rulesOf(store, binding).some((rule) => ruleAllows(rule, request))) continue;
    const ref = (binding as { roleRef?: { kind: string; name: string } }).roleRef;
    const where = binding.metadata.namespace ? ` in namespace "${binding.metadata.namespace}"` : "";
    return `RBAC: allowed by ${binding.kind} "${binding.metadata.name}"${where} of ${ref?.kind} "${ref?.name}"`;
  }
  return undefined;
}

/** Every rule that applies to `user` in `namespace` (SelfSubjectRulesReview). */
export function rulesFor(
  store: ObjectStore,
  user: UserInfo,
  namespace: string | undefined,
): PolicyRule[] {
  return bindingsOf(store, user, namespace).flatMap((binding) => rulesOf(store, binding));
}

/** kube-apiserver's words for a refusal (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters). */
export function forbiddenMessage(user: UserInfo, request: RequestInfo): string {
  if (request.kind === "non-resource")
    return `forbidden: User "${user.name}" cannot ${request.verb} path "${request.path}"`;
  const qualified =
    request.group === "" ? request.resource : `${request.resource}.${request.group}`;
  const subject = request.name === undefined ? qualified : `${qualified} "${request.name}"`;
  const resource = request.subresource
    ? `${request.resource}/${request.subresource}`
    : request.resource;
  const scope =
    request.namespace === undefined
      ? " at the cluster scope"
      : ` in the namespace "${request.namespace}"`;
  return `${subject} is forbidden: User "${user.name}" cannot ${request.verb} resource "${resource}" in API group "${request.group}"${scope}`;
}
