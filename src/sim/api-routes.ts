// What a request to the API server asks for, read from its path (discovery, a collection, an
// object), and the answers for the resources in the store: lists with selectors and paging.
import type { IncomingMessage } from "node:http";
import { matchesSelector, parseLabelSelector } from "../shared/label-selector.js";
import { openApiDocument } from "./api-openapi.js";
import { toTable } from "./api-tables.js";
import {
  groupVersion,
  RESOURCE_TYPES,
  type ResourceType,
  resourceTypeByPlural,
} from "./resources.js";
import { parseFieldSelector } from "./selectors.js";
import type { KubeObject, ObjectStore } from "./store.js";

export const KUBERNETES_VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0-meshlens-sim" };

/** What a request asks for, parsed from its path. */
export type Route =
  | { kind: "discovery"; body: unknown }
  | { kind: "collection"; type: ResourceType; namespace: string | undefined }
  | { kind: "object"; type: ResourceType; namespace: string | undefined; name: string }
  | { kind: "unknown" };

function discoveryRoute(path: string): unknown {
  if (path.startsWith("/openapi/")) return openApiDocument(path);
  if (path === "/version")
    return {
      ...KUBERNETES_VERSION,
      platform: "linux/amd64",
      goVersion: "go1.23.0",
      compiler: "gc",
      buildDate: "2026-01-01T00:00:00Z",
      gitCommit: "meshlens",
      gitTreeState: "clean",
    };
  if (path === "/api")
    return {
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }],
    };
  if (path === "/apis") {
    const groups = [...new Set(RESOURCE_TYPES.filter((t) => t.group !== "").map((t) => t.group))];
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: groups.map((group) => {
        const versions = [
          ...new Set(RESOURCE_TYPES.filter((t) => t.group === group).map((t) => t.version)),
        ]
          .sort(byVersionPriority)
          .map((version) => ({ groupVersion: `${group}/${version}`, version }));
        return { name: group, versions, preferredVersion: versions[0] };
      }),
    };
  }
  const resourceList = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (resourceList) {
    const group = resourceList[2] ?? "";
    const version = resourceList[1] ?? resourceList[3] ?? "";
    const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
    if (types.length === 0) return undefined;
    return {
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: groupVersion({ group, version }),
      resources: types.map((t) => ({
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: t.verbs,
        shortNames: t.shortNames.length ? t.shortNames : undefined,
      })),
    };
  }
  return undefined;
}

/**
 * Kubernetes' version priority (apimachinery version.CompareKubeAwareVersionStrings): GA before
 * beta before alpha, the higher number first.
 */
function byVersionPriority(a: string, b: string): number {
  const rank = (v: string) => {
    const [, major = "0", level = "", minor = "0"] = /^v(\d+)(alpha|beta)?(\d*)$/.exec(v) ?? [];
    const stability = level === "" ? 2 : level === "beta" ? 1 : 0;
    return [stability, Number(major), Number(minor || 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i += 1) if (x[i] !== y[i]) return (y[i] as number) - (x[i] as number);
  return 0;
}

export function route(path: string): Route {
  const discovery = discoveryRoute(path);
  if (discovery !== undefined) return { kind: "discovery", body: discovery };
  const match =
    /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
      path,
    );
  if (!match) return { kind: "unknown" };
  const [, coreVersion, group = "", groupVersionPart, namespace, plural = "", name] = match;
  const version = coreVersion ?? groupVersionPart ?? "";
  // `/api/v1/namespaces/<name>` matches with no namespace, plural "namespaces" and a name.
  const type = resourceTypeByPlural(group, version, plural);
  if (type === undefined) return { kind: "unknown" };
  if (namespace !== undefined && !type.namespaced) return { kind: "unknown" };
  const ns = type.namespaced ? namespace : undefined;
  return name === undefined
    ? { kind: "collection", type, namespace: ns }
    : { kind: "object", type, namespace: ns, name };
}

export function wantsTable(request: IncomingMessage): boolean {
  return (request.headers.accept ?? "").includes("as=Table");
}

interface ContinueToken {
  rv: string;
  offset: number;
}

function listKind(type: ResourceType): string {
  return `${type.kind}List`;
}

export function serveList(
  store: ObjectStore,
  type: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
  table: boolean,
  now: Date,
) {
  let objects = store.list(type, namespace);
  const labelSelector = query.get("labelSelector");
  if (labelSelector) {
    const selector = parseLabelSelector(labelSelector);
    objects = objects.filter((o) => matchesSelector(selector, o.metadata.labels));
  }
  const fieldSelector = query.get("fieldSelector");
  if (fieldSelector) {
    const matches = parseFieldSelector(fieldSelector);
    objects = objects.filter(matches);
  }
  let offset = 0;
  const continueParam = query.get("continue");
  if (continueParam) {
    const token = JSON.parse(
      Buffer.from(continueParam, "base64url").toString("utf8"),
    ) as ContinueToken;
    offset = token.offset;
  }
  const limit = Number(query.get("limit") ?? "0");
  const page = limit > 0 ? objects.slice(offset, offset + limit) : objects.slice(offset);
  const next = offset + page.length;
  const metadata: Record<string, unknown> = { resourceVersion: store.resourceVersion };
  if (limit > 0 && next < objects.length) {
    metadata.continue = Buffer.from(
      JSON.stringify({ rv: store.resourceVersion, offset: next } satisfies ContinueToken),
    ).toString("base64url");
    metadata.remainingItemCount = objects.length - next;
  }
  if (table) return toTable(type, page, metadata, now);
  return {
    kind: listKind(type),
    apiVersion: groupVersion(type),
    metadata,
    items: page.map((o) => withTypeMeta(o, type)),
  };
}

export function withTypeMeta(object: KubeObject, type: ResourceType): KubeObject {
  return { ...object, apiVersion: groupVersion(type), kind: type.kind };
}
