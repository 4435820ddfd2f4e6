// What a request to the API server asks to do, in RBAC's terms, read from its method and path as
// kube-apiserver's RequestInfoFactory reads it (k8s.io/apiserver/pkg/endpoints/request): a
// resource request (verb, group, resource, subresource, namespace, name) or a non-resource one.

export type RequestInfo =
  | {
      kind: "resource";
      verb: string;
      group: string;
      resource: string;
      subresource: string;
      namespace: string | undefined;
      name: string | undefined;
    }
  | { kind: "non-resource"; verb: string; path: string };

/** Subresources of a namespace itself; any other part after `namespaces/NAME/` is a resource. */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/**
 * Pod subresources reached by a WebSocket GET that RBAC checks as `create` too
 * (AuthorizePodWebsocketUpgradeCreatePermission, on by default since Kubernetes 1.31).
 */
const STREAMING_SUBRESOURCES = new Set(["portforward", "exec", "attach"]);

function methodVerb(method: string): string {
  switch (method.toUpperCase()) {
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return "delete";
    default:
      return "get";
  }
}

/**
 * `/api/v1/...` and `/apis/GROUP/VERSION/...`, with a special verb first after the version
 * (`watch/...`, deprecated but still routed: linkerd-viz's tap API is
 * `/apis/tap.linkerd.io/v1alpha1/watch/namespaces/NS/deployments/NAME/tap`, a watch of the
 * deployment's `tap` subresource). Anything else is a non-resource path (`/version`, `/apis`).
 */
export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const parts = path.split("/").filter(Boolean);
  const nonResource: RequestInfo = {
    kind: "non-resource",
    verb: method.toUpperCase() === "GET" ? "get" : methodVerb(method),
    path,
  };
  let rest: string[];
  let group = "";
  if (parts[0] === "api" && parts.length >= 3) rest = parts.slice(2);
  else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1] as string;
    rest = parts.slice(3);
  } else return nonResource;
  let verb = methodVerb(method);
  let special = false;
  if (rest[0] === "watch" || rest[0] === "proxy") {
    verb = rest[0];
    special = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] as string)) rest = rest.slice(2);
  }
  const [resource = "", name, subresource = ""] = rest;
  if (!special && name === undefined && verb === "get")
    verb = query.get("watch") === "true" ? "watch" : "list";
  if (!special && name === undefined && verb === "delete") verb = "deletecollection";
  if (resource === "pods" && STREAMING_SUBRESOURCES.has(subresource)) verb = "create";
  return { kind: "resource", verb, group, resource, subresource, namespace, name };
}
