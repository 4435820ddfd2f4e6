// Whether the current credentials may run each mode: one SelfSubjectAccessReview per distinct
// question (a permission on named objects asks once per name, as a Role's resourceNames grants it),
// sent concurrently, then each mode's missing permissions in the order the command needs them.
import { mapBounded } from "../concurrency.js";
import type { AccessAttributes, Cluster } from "../k8s/types.js";
import type { ModeRequirements, ModeVerdict, Permission } from "./types.js";

const CONCURRENCY = 16;

function questions(permission: Permission): AccessAttributes[] {
  const base: AccessAttributes = {
    verb: permission.verb,
    group: permission.group,
    resource: permission.resource,
    ...(permission.subresource ? { subresource: permission.subresource } : {}),
    ...(permission.namespace ? { namespace: permission.namespace } : {}),
  };
  return permission.names === undefined
    ? [base]
    : permission.names.map((name) => ({ ...base, name }));
}

const keyOf = (attributes: AccessAttributes) => JSON.stringify(attributes);

export async function reviewModes(
  cluster: Cluster,
  modes: readonly ModeRequirements[],
): Promise<ModeVerdict[]> {
  const asked = new Map<string, AccessAttributes>();
  for (const { permissions } of modes)
    for (const permission of permissions)
      for (const question of questions(permission)) asked.set(keyOf(question), question);
  const answers = new Map<string, boolean>();
  await mapBounded([...asked.entries()], CONCURRENCY, async ([key, question]) => {
    answers.set(key, await cluster.reviewAccess(question));
  });
  return modes.map(({ mode, permissions }) => ({
    mode,
    missing: permissions.flatMap((permission) => {
      const denied = questions(permission).filter((q) => answers.get(keyOf(q)) !== true);
      if (denied.length === 0) return [];
      const names = denied.flatMap((q) => (q.name === undefined ? [] : [q.name]));
      return [{ ...permission, ...(names.length > 0 ? { names } : {}) }];
    }),
  }));
}

/** kubectl's words for a missing permission: `cannot create pods/portforward in namespace "shop"`. */
export function permissionWords(permission: Permission): string {
  const resource = [
    permission.group === "" ? permission.resource : `${permission.resource}.${permission.group}`,
    permission.subresource,
  ]
    .filter(Boolean)
    .join("/");
  const names = permission.names?.map((name) => `"${name}"`).join(", ");
  const scope =
    permission.namespace === undefined
      ? "at the cluster scope"
      : `in namespace "${permission.namespace}"`;
  return `cannot ${permission.verb} ${resource}${names ? ` ${names}` : ""} ${scope}`;
}
