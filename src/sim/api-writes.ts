// The writes the rotation runbooks make (issue 19): `kubectl apply` (client-side: a PATCH),
// `kubectl rollout restart` (a PATCH of the pod template's annotations) and `kubectl replace` (a
// PUT), on objects that exist, and a POST that creates one (`kubectl apply` of a new object, as
// of the roles `meshlens auth --print-role` prints). Each write stamps `metadata.managedFields` with its field manager
// and the simulator's time, as kube-apiserver does, which is how `meshlens rotation` tells when
// the trust bundle last changed. Strategic merge patches are applied as JSON merge patches
// (RFC 7386): the same for the maps these writes touch (data, annotations); a list is replaced
// whole, where a strategic merge would merge it by key.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { rfc3339 } from "../shared/time.js";
import { type StatusBody, statusBody } from "./api-status.js";
import { requestBody } from "./request-body.js";
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

const readBody = async (request: IncomingMessage) => (await requestBody(request)).toString("utf8");

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

/**
 * A write changes neither the object's name and namespace nor what the server set: its uid and
 * creation time (kubectl's `creationTimestamp: null` from --dry-run output is ignored, as
 * kube-apiserver ignores it).
 */
function sameIdentity(current: KubeObject): Pick<KubeObject["metadata"], "name" | "namespace"> {
  const { name, namespace, uid, creationTimestamp } = current.metadata;
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    ...(uid === undefined ? {} : { uid }),
    ...(creationTimestamp === undefined ? {} : { creationTimestamp }),
  };
}

/** What a cluster refuses to store: a message for a 422, or undefined to accept the object. */
export type WriteValidator = (next: KubeObject, current: KubeObject) => string | undefined;

/** A PATCH or PUT of one object; the caller has checked RBAC and that the route is an object. */
export async function writeObject(
  request: IncomingMessage,
  store: ObjectStore,
  route: { type: ResourceType; namespace: string | undefined; name: string },
  query: URLSearchParams,
  now: Date,
  validate: WriteValidator = () => undefined,
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
    return accepted(store, current, stamped(kept, manager, "Update", now), validate);
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
  const next = stamped(
    { ...replacement, metadata: { ...replacement.metadata, ...sameIdentity(current) } },
    manager,
    "Update",
    now,
  );
  return accepted(store, current, next, validate);
}

function accepted(
  store: ObjectStore,
  current: KubeObject,
  next: KubeObject,
  validate: WriteValidator,
): WriteOutcome {
  const refusal = validate(next, current);
  // A write that changes nothing is not stored: no new resourceVersion, no managedFields time
  // (kube-apiserver skips no-op updates), so re-applying the same bundle is not a change.
  if (refusal === undefined)
    return { code: 200, body: sameContent(next, current) ? current : store.put(next) };
  const kind = next.kind;
  return {
    code: 422,
    body: statusBody(422, "Invalid", `${kind} "${next.metadata.name}" is invalid: ${refusal}`),
  };
}

function sameContent(a: KubeObject, b: KubeObject): boolean {
  const content = ({ metadata, ...rest }: KubeObject) => {
    const { managedFields: _fields, resourceVersion: _version, ...meta } = metadata;
    return canonical({ ...rest, metadata: meta });
  };
  return content(a) === content(b);
}

/** JSON with every map's keys sorted: the same object written in another order is the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
}

/** A POST to a collection: the object is created, unless one of that name is there (409). */
export async function createObject(
  request: IncomingMessage,
  store: ObjectStore,
  route: { type: ResourceType; namespace: string | undefined },
  query: URLSearchParams,
  now: Date,
): Promise<WriteOutcome> {
  let body: KubeObject;
  try {
    body = JSON.parse(await readBody(request)) as KubeObject;
  } catch {
    return { code: 400, body: statusBody(400, "BadRequest", "the request body is not JSON") };
  }
  const name = body?.metadata?.name;
  if (typeof name !== "string" || name === "")
    return { code: 422, body: statusBody(422, "Invalid", "metadata.name: Required value") };
  const namespace = route.type.namespaced ? route.namespace : undefined;
  if (store.get(route.type, namespace, name) !== undefined)
    return {
      code: 409,
      body: statusBody(409, "AlreadyExists", `${route.type.plural} "${name}" already exists`),
    };
  const {
    uid: _uid,
    resourceVersion: _version,
    creationTimestamp: _created,
    ...metadata
  } = body.metadata;
  const object: KubeObject = {
    ...body,
    metadata: {
      ...metadata,
      name,
      ...(namespace === undefined ? {} : { namespace }),
      uid: randomUUID(),
      creationTimestamp: rfc3339(now),
    },
  };
  const manager = query.get("fieldManager") ?? "kubectl";
  return { code: 201, body: store.put(stamped(object, manager, "Update", now)) };
}
