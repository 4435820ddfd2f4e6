import {
  kubernetesApiCategory,
  linkerdConfigCategory,
  linkerdExistenceCategory,
} from "./control-plane.js";
import { identityDataPlaneCategory } from "./data-plane/identity-category.js";
import { dataPlaneCategory } from "./data-plane/readiness-category.js";
import { identityCategory } from "./identity.js";
import { CONFIG_MAP_EXISTS } from "./shared.js";
import type { CategoryDefinition, ExpiryThreshold } from "./types.js";
import { webhooksCategory } from "./webhooks.js";

export type CheckSource = "cluster" | "files";

export interface CatalogOptions {
  threshold: ExpiryThreshold;
  /** With `--proxy`: the data-plane categories, with this threshold for the 24-hour leaves. */
  proxy?: { leafThreshold: ExpiryThreshold };
}

/**
 * The categories `meshlens check` runs, in Linkerd's print order (pkg/healthcheck allCategories):
 * against a cluster (with `--proxy`, also the data plane), or only the identity category on PEM files.
 */
export function checkCatalog(source: CheckSource, options: CatalogOptions): CategoryDefinition[] {
  const identity = identityCategory(options.threshold);
  if (source === "files") return [identity];
  // In a cluster, the identity material comes from linkerd-config: no ConfigMap, no identity checks.
  const [first, ...rest] = identity.checks;
  const clusterIdentity: CategoryDefinition =
    first === undefined
      ? identity
      : { ...identity, checks: [{ ...first, requires: [CONFIG_MAP_EXISTS] }, ...rest] };
  const controlPlane = [
    kubernetesApiCategory,
    linkerdExistenceCategory,
    linkerdConfigCategory,
    clusterIdentity,
    webhooksCategory(options.threshold),
  ];
  return options.proxy === undefined
    ? controlPlane
    : [...controlPlane, identityDataPlaneCategory(options.proxy.leafThreshold), dataPlaneCategory];
}
