// The OpenAPI v3 documents kubectl reads before a write (kube-apiserver serves /openapi/v3 and one
// document per group-version): only what kubectl apply asks of them, that each kind's PATCH takes
// `fieldValidation`, so kubectl leaves field validation to the server (k8s.io/kubectl
// pkg/util/openapi query_param_verifier_v3.go) instead of failing to download a v2 schema. The
// simulator validates nothing beyond its own refusals; it has no schemas to offer.
import { groupVersion, RESOURCE_TYPES, type ResourceType } from "./resources.js";

function documentPath(type: Pick<ResourceType, "group" | "version">): string {
  return type.group === "" ? `api/${type.version}` : `apis/${type.group}/${type.version}`;
}

function root(): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const type of RESOURCE_TYPES) {
    const path = documentPath(type);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=meshlens-sim` };
  }
  return { paths };
}

function groupVersionDocument(path: string): unknown {
  const types = RESOURCE_TYPES.filter((type) => documentPath(type) === path);
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const type of types) {
    const scope = type.namespaced ? "/namespaces/{namespace}" : "";
    paths[`/${path}${scope}/${type.plural}/{name}`] = {
      patch: {
        "x-kubernetes-group-version-kind": {
          group: type.group,
          version: type.version,
          kind: type.kind,
        },
        parameters: [{ name: "fieldValidation", in: "query", schema: { type: "string" } }],
        responses: { "200": { description: "OK" } },
      },
    };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: groupVersion(types[0] as ResourceType) },
    paths,
  };
}

/** The document at an /openapi/v3 path, or undefined when there is none. */
export function openApiDocument(path: string): unknown {
  if (path === "/openapi/v3") return root();
  const match = /^\/openapi\/v3\/(.+)$/.exec(path);
  return match?.[1] === undefined ? undefined : groupVersionDocument(match[1]);
}
