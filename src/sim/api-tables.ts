// Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for on `kubectl get`.
import type { ResourceType } from "./resources.js";
import type { KubeObject } from "./store.js";

interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  cell(object: KubeObject, now: Date): string | number;
}

/** kubectl's short age: 45s, 5m, 3h, 12d, 2y. */
export function shortAge(from: string | undefined, now: Date): string {
  if (from === undefined) return "<unknown>";
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(from)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  return days < 730 ? `${days}d` : `${Math.floor(days / 365)}y`;
}

const name: Column = { name: "Name", type: "string", format: "name", cell: (o) => o.metadata.name };
const age: Column = {
  name: "Age",
  type: "string",
  cell: (o, now) => shortAge(o.metadata.creationTimestamp, now),
};

interface ContainerStatusLike {
  ready?: boolean;
  restartCount?: number;
  restartPolicy?: string;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
}

function podColumns(): Column[] {
  const statuses = (o: KubeObject) => {
    const status = o.status as
      | { containerStatuses?: ContainerStatusLike[]; initContainerStatuses?: ContainerStatusLike[] }
      | undefined;
    const spec = o.spec as { initContainers?: Array<{ restartPolicy?: string }> } | undefined;
    // Native sidecars (restartPolicy: Always) count as containers, as kubectl shows them.
    const sidecars = (status?.initContainerStatuses ?? []).filter(
      (_, i) => spec?.initContainers?.[i]?.restartPolicy === "Always",
    );
    return [...sidecars, ...(status?.containerStatuses ?? [])];
  };
  return [
    name,
    {
      name: "Ready",
      type: "string",
      cell: (o) => {
        const s = statuses(o);
        return `${s.filter((c) => c.ready).length}/${s.length}`;
      },
    },
    {
      name: "Status",
      type: "string",
      cell: (o) => {
        const waiting = statuses(o).find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason;
        return waiting ?? (o.status as { phase?: string } | undefined)?.phase ?? "Unknown";
      },
    },
    {
      name: "Restarts",
      type: "string",
      cell: (o) => String(statuses(o).reduce((n, c) => n + (c.restartCount ?? 0), 0)),
    },
    age,
    {
      name: "IP",
      type: "string",
      priority: 1,
      cell: (o) => (o.status as { podIP?: string } | undefined)?.podIP ?? "<none>",
    },
    {
      name: "Node",
      type: "string",
      priority: 1,
      cell: (o) => (o.spec as { nodeName?: string } | undefined)?.nodeName ?? "<none>",
    },
  ];
}

const dataCount: Column = {
  name: "Data",
  type: "integer",
  cell: (o) =>
    Object.keys((o.data as object | undefined) ?? {}).length +
    Object.keys((o.binaryData as object | undefined) ?? {}).length,
};

function columnsFor(type: ResourceType): Column[] {
  switch (type.kind) {
    case "Pod":
      return podColumns();
    case "Secret":
      return [
        name,
        { name: "Type", type: "string", cell: (o) => String(o.type ?? "Opaque") },
        dataCount,
        age,
      ];
    case "ConfigMap":
      return [name, dataCount, age];
    case "Namespace":
      return [
        name,
        {
          name: "Status",
          type: "string",
          cell: (o) => (o.status as { phase?: string } | undefined)?.phase ?? "Active",
        },
        age,
      ];
    case "Deployment":
      return [
        name,
        {
          name: "Ready",
          type: "string",
          cell: (o) => {
            const s = o.status as { readyReplicas?: number; replicas?: number } | undefined;
            return `${s?.readyReplicas ?? 0}/${(o.spec as { replicas?: number } | undefined)?.replicas ?? 1}`;
          },
        },
        {
          name: "Up-to-date",
          type: "integer",
          cell: (o) => (o.status as { updatedReplicas?: number } | undefined)?.updatedReplicas ?? 0,
        },
        {
          name: "Available",
          type: "integer",
          cell: (o) =>
            (o.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0,
        },
        age,
      ];
    case "Event":
      return eventColumns();
    default:
      return [name, age];
  }
}

/** As kube-apiserver prints core/v1 Events: what happened to which object, newest last. */
function eventColumns(): Column[] {
  const text = (field: string) => (o: KubeObject) => String(o[field] ?? "");
  return [
    {
      name: "Last Seen",
      type: "string",
      cell: (o, now) => shortAge(o.lastTimestamp as string | undefined, now),
    },
    { name: "Type", type: "string", cell: text("type") },
    { name: "Reason", type: "string", cell: text("reason") },
    {
      name: "Object",
      type: "string",
      cell: (o) => {
        const involved = o.involvedObject as { kind?: string; name?: string } | undefined;
        return `${(involved?.kind ?? "").toLowerCase()}/${involved?.name ?? ""}`;
      },
    },
    { name: "Message", type: "string", cell: text("message") },
  ];
}

export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  listMeta: Record<string, unknown>,
  now: Date,
) {
  const columns = columnsFor(type);
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? "",
      description: "",
      priority: c.priority ?? 0,
    })),
    rows: objects.map((object) => ({
      cells: columns.map((c) => c.cell(object, now)),
      object: {
        kind: "PartialObjectMetadata",
        apiVersion: "meta.k8s.io/v1",
        metadata: object.metadata,
      },
    })),
  };
}
