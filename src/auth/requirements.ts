// The permissions each command and mode needs: exactly the API calls it makes (recorded against the
// simulator, and proven in test/e2e/auth-roles.test.ts: a service account bound to these and
// nothing else runs the command without a 403, and without any one of them it does not).
import type { ModeId, ModeRequirements, Permission, Scope } from "./types.js";

const CORE = "";
const ADMISSION = "admissionregistration.k8s.io";

/** The webhook Secrets and configurations `check` reads (Linkerd's healthcheck.go). */
const WEBHOOKS = ["proxy-injector", "sp-validator", "policy-validator"] as const;

/** What `linkerd check`'s identity and webhook checks read, as meshlens check reads it. */
function check(scope: Scope): Permission[] {
  const cp = scope.controlPlaneNamespace;
  return [
    {
      verb: "get",
      group: CORE,
      resource: "namespaces",
      names: [cp],
      why: "the control plane's namespace",
    },
    {
      verb: "get",
      group: CORE,
      resource: "configmaps",
      namespace: cp,
      names: ["linkerd-config"],
      why: "the trust anchors linkerd check reads",
    },
    {
      verb: "get",
      group: CORE,
      resource: "secrets",
      namespace: cp,
      names: ["linkerd-identity-issuer", ...WEBHOOKS.map((w) => `linkerd-${w}-k8s-tls`)],
      why: "the issuer and webhook certificates",
    },
    { verb: "list", group: CORE, resource: "pods", namespace: cp, why: "the control-plane pods" },
    {
      verb: "list",
      group: CORE,
      resource: "serviceaccounts",
      namespace: cp,
      why: "the control plane's service accounts",
    },
    {
      verb: "list",
      group: "apps",
      resource: "replicasets",
      namespace: cp,
      why: "the control plane's replica sets",
    },
    {
      verb: "list",
      group: "rbac.authorization.k8s.io",
      resource: "clusterroles",
      why: "the control plane's cluster roles",
    },
    {
      verb: "get",
      group: ADMISSION,
      resource: "mutatingwebhookconfigurations",
      names: ["linkerd-proxy-injector-webhook-config"],
      why: "the proxy injector's caBundle",
    },
    {
      verb: "get",
      group: ADMISSION,
      resource: "validatingwebhookconfigurations",
      names: ["linkerd-sp-validator-webhook-config", "linkerd-policy-validator-webhook-config"],
      why: "the validators' caBundles",
    },
  ];
}

const trustRoots = (scope: Scope): Permission => ({
  verb: "get",
  group: CORE,
  resource: "configmaps",
  namespace: scope.controlPlaneNamespace,
  names: ["linkerd-identity-trust-roots"],
  why: "the trust bundle proxies get",
});

const pods = (scope: Scope, why: string): Permission => ({
  verb: "list",
  group: CORE,
  resource: "pods",
  ...(scope.namespace === undefined ? {} : { namespace: scope.namespace }),
  why,
});

const portForward = (scope: Scope): Permission => ({
  verb: "create",
  group: CORE,
  resource: "pods",
  subresource: "portforward",
  ...(scope.namespace === undefined ? {} : { namespace: scope.namespace }),
  why: "each proxy's served certificate, on its admin port",
});

/** Read to say `-n typo` does not exist; forbidden, the command goes on and says it did not check. */
const namespaceItself = (scope: Scope): Permission[] =>
  scope.namespace === undefined
    ? []
    : [
        {
          verb: "get",
          group: CORE,
          resource: "namespaces",
          names: [scope.namespace],
          why: "that the namespace exists",
        },
      ];

const vizPrometheus = (scope: Scope): Permission => ({
  verb: "get",
  group: CORE,
  resource: "services",
  subresource: "proxy",
  namespace: scope.vizNamespace,
  names: ["prometheus:9090"],
  why: "linkerd-viz's Prometheus, through the API server",
});

/** Every mode, in the order `meshlens auth` lists them. */
export const MODES: readonly ModeId[] = [
  "check",
  "check --proxy",
  "check --proxy --no-verify-leaves",
  "check --proxy --prometheus viz",
  "identity",
  "edges",
  "edges --explain",
  "edges --prometheus viz",
  "tap",
  "tap --explain",
  "rotation",
  "rotation --no-verify-leaves",
  "expiry",
  "expiry --no-verify-leaves",
  "exporter",
];

export function requirementsOf(mode: ModeId, scope: Scope): ModeRequirements {
  const cp = scope.controlPlaneNamespace;
  const proxies = [...namespaceItself(scope), trustRoots(scope), pods(scope, "the meshed pods")];
  const permissions: Record<ModeId, () => Permission[]> = {
    check: () => check(scope),
    "check --proxy": () => [...check(scope), ...proxies, portForward(scope)],
    "check --proxy --no-verify-leaves": () => [...check(scope), ...proxies],
    "check --proxy --prometheus viz": () => [...check(scope), ...proxies, vizPrometheus(scope)],
    identity: () => [trustRoots(scope), pods(scope, "the pods asked for"), portForward(scope)],
    // Sources in every namespace call the namespace's pods: every proxy is read (docs/edges.md).
    edges: () => [
      ...namespaceItself(scope),
      pods({ ...scope, namespace: undefined }, "every meshed pod, the sources of the edges"),
      {
        verb: "get",
        group: CORE,
        resource: "pods",
        subresource: "proxy",
        why: "each proxy's metrics, through the API server",
      },
    ],
    // --explain reads every pod (already listed), every namespace's annotations and the anchors
    // the proxies should trust.
    "edges --explain": () => [
      ...permissions.edges(),
      trustRoots(scope),
      {
        verb: "list",
        group: CORE,
        resource: "namespaces",
        why: "config.linkerd.io annotations on namespaces",
      },
    ],
    // Linkerd's query, and every pod for CLIENT_ID (by workload type; `po` needs no pods).
    "edges --prometheus viz": () => [
      ...namespaceItself(scope),
      vizPrometheus(scope),
      pods({ ...scope, namespace: undefined }, "every pod, for CLIENT_ID"),
    ],
    tap: () => [
      ...namespaceItself(scope),
      {
        verb: "get",
        group: "apiregistration.k8s.io",
        resource: "apiservices",
        names: ["v1alpha1.tap.linkerd.io"],
        why: "that linkerd-viz's tap API is there",
      },
      {
        verb: "watch",
        group: "tap.linkerd.io",
        resource: "deployments",
        subresource: "tap",
        ...(scope.namespace === undefined ? {} : { namespace: scope.namespace }),
        why: "the tap stream of a deployment",
      },
    ],
    // --explain reads every pod and every namespace's annotations, when a value is to explain.
    "tap --explain": () => [
      ...permissions.tap(),
      pods({ ...scope, namespace: undefined }, "the pods at both ends of each connection"),
      {
        verb: "list",
        group: CORE,
        resource: "namespaces",
        why: "config.linkerd.io annotations on namespaces",
      },
    ],
    rotation: () => [...rotationReads(cp, scope), portForward(scope)],
    "rotation --no-verify-leaves": () => rotationReads(cp, scope),
    // The rotation's reads, and the webhooks' and linkerd-viz's serving certificates.
    expiry: () => [...rotationReads(cp, scope), ...servingSecrets(scope), portForward(scope)],
    "expiry --no-verify-leaves": () => [...rotationReads(cp, scope), ...servingSecrets(scope)],
    // Each refresh runs check --proxy's checks and reads the expiry timeline.
    exporter: () => [...permissions["check --proxy"](), ...permissions.expiry()],
  };
  return { mode, permissions: withoutSubsumed(permissions[mode]()) };
}

/**
 * A permission another one already grants is left out: listing pods in the control plane's
 * namespace is granted by listing them in every namespace; a named read by an unnamed one.
 */
function withoutSubsumed(permissions: Permission[]): Permission[] {
  const grants = (wide: Permission, narrow: Permission) =>
    wide !== narrow &&
    wide.verb === narrow.verb &&
    wide.group === narrow.group &&
    wide.resource === narrow.resource &&
    wide.subresource === narrow.subresource &&
    (wide.namespace === undefined || wide.namespace === narrow.namespace) &&
    (wide.names === undefined || narrow.names?.every((n) => wide.names?.includes(n)) === true);
  const kept: Permission[] = [];
  for (const permission of permissions) {
    const same = kept.find(
      (k) => JSON.stringify({ ...k, why: "" }) === JSON.stringify({ ...permission, why: "" }),
    );
    if (
      same === undefined &&
      !permissions.some((other) => grants(other, permission) && !grants(permission, other))
    )
      kept.push(permission);
  }
  return kept;
}

/** The serving certificates `expiry` reads (src/expiry/collect.ts), where current releases keep them. */
function servingSecrets(scope: Scope): Permission[] {
  return [
    {
      verb: "get",
      group: CORE,
      resource: "secrets",
      namespace: scope.controlPlaneNamespace,
      names: WEBHOOKS.map((w) => `linkerd-${w}-k8s-tls`),
      why: "the webhooks' serving certificates",
    },
    {
      verb: "get",
      group: CORE,
      resource: "secrets",
      namespace: scope.vizNamespace,
      names: ["tap-k8s-tls", "tap-injector-k8s-tls"],
      why: "linkerd-viz's tap and tap-injector serving certificates",
    },
  ];
}

function rotationReads(cp: string, scope: Scope): Permission[] {
  return [
    {
      verb: "get",
      group: CORE,
      resource: "configmaps",
      namespace: cp,
      names: ["linkerd-config", "linkerd-identity-trust-roots"],
      why: "the anchors linkerd check reads and the bundle proxies get",
    },
    {
      verb: "get",
      group: CORE,
      resource: "secrets",
      namespace: cp,
      names: ["linkerd-identity-issuer"],
      why: "the issuer",
    },
    pods(scope, "every meshed pod's bundle"),
  ];
}
