// The writes the rotation runbooks make (issue 19): `kubectl apply` (client-side: a PATCH),
// `kubectl rollout restart` (a PATCH of the pod template's annotations) and `kubectl replace` (a
// PUT), on objects that exist. Each write stamps `metadata.managedFields` with its field manager
// and the simulator's time, as kube-apiserver does, which is how `meshlens rotation` tells when
// the trust bundle last changed. Strategic merge patches are applied as JSON merge patches
// (RFC 7386): the same for the maps these writes touch (data, annotations); a list is replaced
// whole, where a strategic merge would merge it by key.
import type { IncomingMessage } from "node:http";
import { rfc3339 } from "../shared/time.js";
import { type StatusBody, statusBody } from "./api-status.js";
import type { ResourceType } from "./resources.js";
import type { KubeObject, ObjectStore } from "./store.js";

const MERGE_PATCHES = new Set([
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
]);

/** RFC 7386: maps merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const base =
    target !== null && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      text += chunk;
    });
    request.on("end", () => resolve(text));
    request.on("error", reject);
  });
}

export type WriteOutcome = { code: number; body: KubeObject | StatusBody };

/** Who wrote what, when: one entry per field manager, its time the latest write. */
function stamped(object: KubeObject, manager: string, operation: string, now: Date): KubeObject {
  const fields =
    (object.metadata.managedFields as Array<Record<string, unknown>> | undefined) ?? [];
  const entry = {
    manager,
    operation,
    apiVersion: object.apiVersion,
    time: rfc3339(now),
    fieldsType: "FieldsV1",
  };
  return {
    ...object,
    metadata: {
      ...object.metadata,
      managedFields: [
        ...fields.filter((f) => f.manager !== manager || f.operation !== operation),
        entry,
      ],
    },
  };
}

/** A write changes neither the object's name nor its namespace. */
function sameIdentity(current: KubeObject): { name: string; namespace?: string } {
  return current.metadata.namespace === undefined
    ? { name: current.metadata.name }
    : { name: current.metadata.name, namespace: current.metadata.namespace };
}

/** A PATCH or PUT of one object; the caller has checked RBAC and that the route is an object. */
export async function writeObject(
  request: IncomingMessage,
  store: ObjectStore,
  route: { type: ResourceType; namespace: string | undefined; name: string },
  query: URLSearchParams,
  now: Date,
): Promise<WriteOutcome> {
  const current = store.get(route.type, route.namespace, route.name);
  if (current === undefined)
    return {
      code: 404,
      body: statusBody(404, "NotFound", `${route.type.plural} "${route.name}" not found`),
    };
  let body: unknown;
  try {
    body = JSON.parse(await readBody(request));
  } catch {
    return { code: 400, body: statusBody(400, "BadRequest", "the request body is not JSON") };
  }
  const manager = query.get("fieldManager") ?? "kubectl";
  if (request.method === "PATCH") {
    const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
    if (!MERGE_PATCHES.has(type))
      return {
        code: 415,
        body: statusBody(
          415,
          "UnsupportedMediaType",
          `the simulator takes merge patches, not ${type}`,
        ),
      };
    const patched = mergePatch(current, body) as KubeObject;
    const kept = { ...patched, apiVersion: current.apiVersion, kind: current.kind };
    kept.metadata = { ...kept.metadata, ...sameIdentity(current) };
    return { code: 200, body: store.put(stamped(kept, manager, "Update", now)) };
  }
  const replacement = body as KubeObject;
  if (replacement?.metadata?.name !== route.name)
    return {
      code: 400,
      body: statusBody(
        400,
        "BadRequest",
        "the name of the object does not match the name on the URL",
      ),
    };
  return {
    code: 200,
    body: store.put(
      stamped(
        {
          ...replacement,
          metadata: { ...replacement.metadata, ...sameIdentity(current) },
        },
        manager,
        "Update",
        now,
      ),
    ),
  };
}
