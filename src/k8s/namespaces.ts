// A namespace named on the command line must exist: `-n typo` is said, as kubectl says it, rather
// than answered with an empty result that an audit would read as a pass.

import { forbiddenNeeds } from "../errors.js";
import { permissionNeeded } from "./api-errors.js";
import { type Cluster, KubeApiError } from "./types.js";

/**
 * Throws `namespaces "NAME" not found` (the API server's words) when the namespace does not exist.
 * A caller who may not read namespaces (a tenant's role) is not refused for it: the command goes
 * on and meets the namespace's own permissions; the note it gets back says what was not checked.
 */
export async function requireNamespace(
  cluster: Cluster,
  name: string,
): Promise<string | undefined> {
  let found: { name: string } | undefined;
  try {
    found = await cluster.getNamespace(name);
  } catch (error) {
    if (error instanceof KubeApiError && error.failure === "forbidden")
      return `skipped: ${forbiddenNeeds(permissionNeeded(error.target))}: whether namespace "${name}" exists is not checked`;
    throw error;
  }
  if (found !== undefined) return undefined;
  throw new KubeApiError(
    "other",
    `namespaces "${name}" not found`,
    { verb: "get", resource: "namespaces", name },
    404,
  );
}
