// What one `meshlens check` run needs before its first check: the shared facts (linkerd-config,
// the identity material), with --proxy the data plane's, the context every check gets, and the
// catalogue of checks for the source (a cluster, or PEM files).
import type { CertTools } from "../certs/types.js";
import type { Cluster, ConfigMapInfo } from "../k8s/types.js";
import { checkCatalog } from "./catalog.js";
import { createDataPlaneFacts } from "./data-plane/facts.js";
import {
  createFacts,
  type IdentityInput,
  linkerdConfigReader,
  linkerdValuesReader,
  readClusterIdentityInput,
} from "./facts.js";
import type {
  CategoryDefinition,
  CheckContext,
  DataPlaneOptions,
  ExpiryThreshold,
} from "./types.js";

export interface CheckRunSettings {
  /** The cluster, or the identity inputs read from files (offline). */
  source: { kind: "cluster"; cluster: Cluster } | { kind: "files"; input: IdentityInput };
  certs: () => Promise<CertTools>;
  controlPlaneNamespace: string;
  expiryThreshold: ExpiryThreshold;
  now: () => Date;
  /** With --proxy. */
  dataPlane: DataPlaneOptions | undefined;
}

export interface CheckRun {
  context: CheckContext;
  catalog: CategoryDefinition[];
}

export function prepareCheckRun(settings: CheckRunSettings): CheckRun {
  const { source, certs, controlPlaneNamespace } = settings;
  const linkerdConfig: () => Promise<ConfigMapInfo | undefined> =
    source.kind === "cluster"
      ? linkerdConfigReader(source.cluster, controlPlaneNamespace)
      : async () => undefined;
  const linkerdValues = linkerdValuesReader(linkerdConfig);
  const loadInput: () => Promise<IdentityInput> =
    source.kind === "cluster"
      ? () => readClusterIdentityInput(source.cluster, controlPlaneNamespace, linkerdValues)
      : async () => source.input;
  const facts = createFacts(loadInput, certs, linkerdConfig, linkerdValues);
  const cluster = source.kind === "cluster" ? source.cluster : undefined;
  const dataPlane =
    settings.dataPlane && cluster
      ? createDataPlaneFacts(
          {
            cluster,
            certs,
            controlPlaneNamespace,
            linkerdValues,
            identity: facts.identity,
            now: settings.now,
          },
          settings.dataPlane,
        )
      : undefined;
  const context: CheckContext = {
    cluster,
    certs,
    facts,
    now: settings.now,
    controlPlaneNamespace,
    expiryThreshold: settings.expiryThreshold,
    ...(dataPlane ? { dataPlane } : {}),
  };
  const catalog = checkCatalog(source.kind, {
    threshold: settings.expiryThreshold,
    ...(settings.dataPlane ? { proxy: { leafThreshold: settings.dataPlane.leafThreshold } } : {}),
  });
  return { context, catalog };
}
