// Kubernetes Status bodies, in kube-apiserver's words: for errors, refusals and what is not there.

import { route } from "./api-routes.js";
import { forbiddenMessage, type UserInfo } from "./rbac.js";
import type { RequestInfo } from "./request-info.js";
import type { ResourceType } from "./resources.js";

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason: string;
  details?: { name?: string; kind?: string; group?: string; retryAfterSeconds?: number };
  code: number;
}

export function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: StatusBody["details"],
): StatusBody {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

export function qualifiedResource(type: ResourceType): string {
  return type.group === "" ? type.plural : `${type.plural}.${type.group}`;
}

/** A 403 as kube-apiserver words it, for `user` asking what `info` says. */
export function forbidden(user: UserInfo, info: RequestInfo): StatusBody {
  return statusBody(
    403,
    "Forbidden",
    forbiddenMessage(user, info),
    info.kind === "resource"
      ? {
          ...(info.name === undefined ? {} : { name: info.name }),
          group: info.group,
          kind: info.resource,
        }
      : undefined,
  );
}

export function notFound(path: string): StatusBody {
  const r = route(path);
  if (r.kind === "object") {
    return statusBody(404, "NotFound", `${qualifiedResource(r.type)} "${r.name}" not found`, {
      name: r.name,
      kind: r.type.plural,
      group: r.type.group,
    });
  }
  return statusBody(404, "NotFound", "the server could not find the requested resource");
}
