// One refresh of the exporter: the checks of `check --proxy` and the expiry timeline, read together
// (the proxies' leaves once, by the checks: expiry takes them from there), as one snapshot.
import type { CertTools } from "../certs/types.js";
import type { DataPlaneOptions, ExpiryThreshold } from "../checks/types.js";
import type { ExpiryThresholds, LeafSpan } from "../expiry/types.js";
import { type Cluster, KubeApiError } from "../k8s/types.js";
import { memoize } from "../memoize.js";
import type { RefreshFailure, Snapshot } from "./types.js";

export interface RefreshOptions {
  controlPlaneNamespace: string;
  vizNamespace: string;
  dataPlane: Omit<DataPlaneOptions, "onProgress">;
  expiryThreshold: ExpiryThreshold;
  thresholds: ExpiryThresholds;
  now: () => Date;
}

export async function refreshSnapshot(
  cluster: Cluster,
  certs: CertTools,
  options: RefreshOptions,
): Promise<Snapshot> {
  const started = performance.now();
  const [checks, { collectExpiryFacts }, { buildTimeline }] = await Promise.all([
    import("../checks/index.js"),
    import("../expiry/collect.js"),
    import("../expiry/timeline.js"),
  ]);
  const { context, catalog } = checks.prepareCheckRun({
    source: { kind: "cluster", cluster },
    certs: memoize(async () => certs),
    controlPlaneNamespace: options.controlPlaneNamespace,
    expiryThreshold: options.expiryThreshold,
    now: options.now,
    dataPlane: options.dataPlane,
  });
  const [report, facts] = await Promise.all([
    checks.runChecks(catalog, context, {}),
    collectExpiryFacts(cluster, certs, {
      controlPlaneNamespace: options.controlPlaneNamespace,
      vizNamespace: options.vizNamespace,
      namespace: options.dataPlane.namespace,
      selector: options.dataPlane.selector,
      leaves: undefined,
      now: options.now,
    }),
  ]);
  // The checks read the leaves; the timeline takes them from there, not from a second read.
  const leaves: LeafSpan[] = [];
  for (const { finding } of (await context.dataPlane?.assessments()) ?? []) {
    const notAfter = finding.leaf?.notAfter ?? finding.notAfter;
    if (notAfter === undefined) continue;
    const notBefore = finding.leaf?.notBefore ?? new Date(notAfter.getTime() - 86_400_000);
    leaves.push({ namespace: finding.namespace, notBefore, notAfter });
  }
  const leafSource =
    options.dataPlane.leaves.kind === "off" ? "none" : options.dataPlane.leaves.kind;
  const timeline = buildTimeline(
    { ...facts, leaves, leafSource, leafStartEstimated: leafSource === "prometheus" },
    options.thresholds,
    false,
  );
  return {
    checks: report.results
      .filter((result) => result.status !== "skipped")
      .map((result) => ({ id: result.id, success: result.status === "success" })),
    timeline,
    finishedAt: options.now(),
    durationSeconds: (performance.now() - started) / 1000,
    skipped: [
      ...new Set([
        ...report.results.flatMap((result) => (result.permission ? [result.permission] : [])),
        ...timeline.unread,
      ]),
    ],
  };
}

/** The bounded reason a refresh failed with, for the errors counter. */
export function failureOf(error: unknown): RefreshFailure {
  if (error instanceof KubeApiError) {
    if (error.failure === "unreachable") return "unreachable";
    if (error.failure === "unauthorized") return "unauthorized";
    if (error.failure === "forbidden") return "forbidden";
    if (error.failure === "timeout") return "timeout";
    return "other";
  }
  return error instanceof Error && /Prometheus|cannot query/.test(error.message)
    ? "prometheus"
    : "other";
}
