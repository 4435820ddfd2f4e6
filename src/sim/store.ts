import { createHash } from "node:crypto";
import { rfc3339 } from "../shared/time.js";
import { type ResourceType, resourceTypeByKind } from "./resources.js";

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
  }>;
  [field: string]: unknown;
}

/** A Kubernetes object as JSON; the simulator keeps objects exactly as a user would write them. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<KubeObject>;
  return (
    typeof candidate.apiVersion === "string" &&
    typeof candidate.kind === "string" &&
    typeof candidate.metadata?.name === "string"
  );
}

/** Objects of every kind, keyed by kind/namespace/name; served when their kind is registered. */
export class ObjectStore {
  private readonly byType = new Map<string, Map<string, KubeObject>>();
  private readonly sorted = new Map<string, KubeObject[]>();
  private revision = 1;
  private readonly created: string;

  constructor(now: Date) {
    this.created = rfc3339(now);
  }

  get resourceVersion(): string {
    return String(this.revision);
  }

  /** Adds or replaces an object (same kind, namespace and name), filling server-set metadata. */
  put(object: KubeObject): KubeObject {
    const typeKey = `${object.apiVersion}/${object.kind}`;
    const type = resourceTypeByKind(object.apiVersion, object.kind);
    const namespace = type?.namespaced === false ? undefined : object.metadata.namespace;
    this.revision += 1;
    const stored: KubeObject = {
      ...object,
      metadata: {
        ...object.metadata,
        ...(namespace === undefined ? {} : { namespace }),
        uid: object.metadata.uid ?? uidFor(typeKey, namespace, object.metadata.name),
        resourceVersion: String(this.revision),
        creationTimestamp: object.metadata.creationTimestamp ?? this.created,
      },
    };
    if (namespace === undefined) delete stored.metadata.namespace;
    let objects = this.byType.get(typeKey);
    if (objects === undefined) {
      objects = new Map();
      this.byType.set(typeKey, objects);
    }
    objects.set(`${namespace ?? ""}/${object.metadata.name}`, stored);
    this.sorted.delete(typeKey);
    return stored;
  }

  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const typeKey = `${apiVersion}/${kind}`;
    this.sorted.delete(typeKey);
    return this.byType.get(typeKey)?.delete(`${namespace ?? ""}/${name}`) ?? false;
  }

  get(
    type: ResourceType | { apiVersion: string; kind: string },
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    return this.byType.get(typeKeyOf(type))?.get(`${namespace ?? ""}/${name}`);
  }

  /** Objects of one type, ordered by namespace then name as the API server lists them. */
  list(
    type: ResourceType | { apiVersion: string; kind: string },
    namespace?: string,
  ): KubeObject[] {
    const typeKey = typeKeyOf(type);
    let all = this.sorted.get(typeKey);
    if (all === undefined) {
      all = [...(this.byType.get(typeKey)?.values() ?? [])].sort(compareObjects);
      this.sorted.set(typeKey, all);
    }
    return namespace === undefined
      ? all
      : all.filter((object) => object.metadata.namespace === namespace);
  }

  /** Every object of every kind, for diagnostics. */
  all(): KubeObject[] {
    return [...this.byType.values()].flatMap((objects) => [...objects.values()]);
  }
}

function typeKeyOf(type: ResourceType | { apiVersion: string; kind: string }): string {
  if ("apiVersion" in type) return `${type.apiVersion}/${type.kind}`;
  return `${type.group === "" ? type.version : `${type.group}/${type.version}`}/${type.kind}`;
}

function compareObjects(a: KubeObject, b: KubeObject): number {
  const byNamespace = (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "");
  return byNamespace !== 0 ? byNamespace : a.metadata.name.localeCompare(b.metadata.name);
}

/** A stable, UUID-shaped uid derived from the object's identity. */
function uidFor(typeKey: string, namespace: string | undefined, name: string): string {
  const hex = createHash("sha256")
    .update(`${typeKey}/${namespace ?? ""}/${name}`)
    .digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
