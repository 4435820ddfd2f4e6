/** The API resources the simulated API server serves (DESIGN.md "API subset"). */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
}

// Every object the simulator serves can be written with PATCH and PUT (api-writes.ts).
const VERBS = ["get", "list", "patch", "update"];

function resource(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[] = [],
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    verbs: VERBS,
  };
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  resource("", "v1", "Namespace", "namespaces", false, ["ns"]),
  resource("", "v1", "Node", "nodes", false, ["no"]),
  resource("", "v1", "Pod", "pods", true, ["po"]),
  resource("", "v1", "Service", "services", true, ["svc"]),
  resource("", "v1", "ServiceAccount", "serviceaccounts", true, ["sa"]),
  resource("", "v1", "ConfigMap", "configmaps", true, ["cm"]),
  resource("", "v1", "Secret", "secrets", true),
  resource("", "v1", "Endpoints", "endpoints", true, ["ep"]),
  resource("", "v1", "Event", "events", true, ["ev"]),
  resource("apps", "v1", "Deployment", "deployments", true, ["deploy"]),
  resource("apps", "v1", "ReplicaSet", "replicasets", true, ["rs"]),
  resource("apps", "v1", "StatefulSet", "statefulsets", true, ["sts"]),
  resource("apps", "v1", "DaemonSet", "daemonsets", true, ["ds"]),
  resource("batch", "v1", "Job", "jobs", true),
  resource("batch", "v1", "CronJob", "cronjobs", true, ["cj"]),
  resource(
    "admissionregistration.k8s.io",
    "v1",
    "MutatingWebhookConfiguration",
    "mutatingwebhookconfigurations",
    false,
  ),
  resource(
    "admissionregistration.k8s.io",
    "v1",
    "ValidatingWebhookConfiguration",
    "validatingwebhookconfigurations",
    false,
  ),
  resource("apiregistration.k8s.io", "v1", "APIService", "apiservices", false),
  resource("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, ["netpol"]),
  resource("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
  resource("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
  resource("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
  resource("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
  // trust-manager's, for the cert-manager rotation flow (trust-manager.ts plays its controller).
  resource("trust.cert-manager.io", "v1alpha1", "Bundle", "bundles", false),
  // Linkerd's policy resources, which policy.ts reads for the admin port (`linkerd viz
  // allow-scrapes` writes Server v1beta1 and HTTPRoute v1beta1; newer Linkerd writes v1beta3).
  ...["v1beta1", "v1beta2", "v1beta3"].map((v) =>
    resource("policy.linkerd.io", v, "Server", "servers", true, ["srv"]),
  ),
  ...["v1alpha1", "v1beta1", "v1beta2", "v1beta3"].map((v) =>
    resource("policy.linkerd.io", v, "HTTPRoute", "httproutes", true),
  ),
  resource("policy.linkerd.io", "v1alpha1", "AuthorizationPolicy", "authorizationpolicies", true),
  resource(
    "policy.linkerd.io",
    "v1alpha1",
    "MeshTLSAuthentication",
    "meshtlsauthentications",
    true,
  ),
  resource(
    "policy.linkerd.io",
    "v1alpha1",
    "NetworkAuthentication",
    "networkauthentications",
    true,
  ),
];

export function groupVersion(type: Pick<ResourceType, "group" | "version">): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

export function resourceTypeByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((type) => groupVersion(type) === apiVersion && type.kind === kind);
}

export function resourceTypeByPlural(
  group: string,
  version: string,
  plural: string,
): ResourceType | undefined {
  return RESOURCE_TYPES.find(
    (type) => type.group === group && type.version === version && type.plural === plural,
  );
}
