import {
  CONFIG_MAP_EXISTS,
  kubernetesApiCategory,
  linkerdConfigCategory,
  linkerdExistenceCategory,
} from "./control-plane.js";
import type { ExpiryThreshold } from "./expiry.js";
import { identityCategory } from "./identity.js";
import type { CategoryDefinition } from "./types.js";
import { webhooksCategory } from "./webhooks.js";

export type CheckSource = "cluster" | "files";

/**
 * The categories `meshlens check` runs, in Linkerd's print order (pkg/healthcheck allCategories):
 * against a cluster, or only the identity category on PEM files.
 */
export function checkCatalog(
  source: CheckSource,
  threshold: ExpiryThreshold,
): CategoryDefinition[] {
  if (source === "files") return [identityCategory(threshold)];
  const identity = identityCategory(threshold);
  // In a cluster, the identity material comes from linkerd-config: no ConfigMap, no identity checks.
  const [first, ...rest] = identity.checks;
  const clusterIdentity: CategoryDefinition =
    first === undefined
      ? identity
      : { ...identity, checks: [{ ...first, requires: [CONFIG_MAP_EXISTS] }, ...rest] };
  return [
    kubernetesApiCategory,
    linkerdExistenceCategory,
    linkerdConfigCategory,
    clusterIdentity,
    webhooksCategory(threshold),
  ];
}
