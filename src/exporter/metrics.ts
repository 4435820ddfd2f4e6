// The exporter's metrics, with prom-client (the one module that imports it): a snapshot becomes
// gauges, replaced whole at each refresh so that series of objects that went away go with them.
// Names follow Prometheus' conventions: timestamps, not time left; units as suffixes
// (rotation-multicluster-expiry-facts.md C5). Bounded cardinality: leaves per namespace, never per
// pod. Nothing secret is a label: names, subjects and fingerprints only.
import { Counter, Gauge, Registry } from "prom-client";
import type { CertificateSource } from "../expiry/types.js";
import type { Exposition } from "./scrape-thread.js";
import type { RefreshFailure, Snapshot } from "./types.js";

export interface ExporterMetrics {
  /** Replaces every value with the snapshot's. */
  publish(snapshot: Snapshot): void;
  /** Counts a failed refresh; the last good values stay. */
  failed(reason: RefreshFailure): void;
  /** The exposition in both formats, rendered once for every scrape until the next change. */
  expositions(): Promise<{ text: Exposition; openMetrics: Exposition }>;
}

const sourceLabel = (source: CertificateSource) =>
  `${source.kind}/${source.namespace}/${source.name}/${source.key}`;

/** One registry's metrics (prom-client renames a counter in place for OpenMetrics: never share). */
function metricSet(registry: Registry, build: { version: string; nodeVersion: string }) {
  const registers = [registry];
  const certificateLabels = ["layer", "source", "subject_cn", "fingerprint_sha256", "superseded"];
  const set = {
    notAfter: new Gauge({
      name: "meshlens_certificate_not_after_timestamp_seconds",
      help: "When the certificate expires (Unix time): trust anchors where each is kept, the issuer, webhook and API service serving certificates.",
      labelNames: certificateLabels,
      registers,
    }),
    notBefore: new Gauge({
      name: "meshlens_certificate_not_before_timestamp_seconds",
      help: "When the certificate became valid (Unix time).",
      labelNames: certificateLabels,
      registers,
    }),
    leafEarliest: new Gauge({
      name: "meshlens_leaf_not_after_earliest_timestamp_seconds",
      help: "When the first proxy leaf of the namespace expires (Unix time).",
      labelNames: ["namespace"],
      registers,
    }),
    leaves: new Gauge({
      name: "meshlens_leaves",
      help: "Proxy leaves read in the namespace.",
      labelNames: ["namespace"],
      registers,
    }),
    pastRenewal: new Gauge({
      name: "meshlens_leaves_past_renewal",
      help: "Proxy leaves of the namespace past 70% of their lifetime, where a healthy proxy has renewed.",
      labelNames: ["namespace"],
      registers,
    }),
    checkSuccess: new Gauge({
      name: "meshlens_check_success",
      help: "1 when the check of `meshlens check --proxy` passed at the last refresh, 0 when not.",
      labelNames: ["check"],
      registers,
    }),
    refreshed: new Gauge({
      name: "meshlens_refresh_timestamp_seconds",
      help: "When the last complete refresh finished (Unix time).",
      registers,
    }),
    duration: new Gauge({
      name: "meshlens_refresh_duration_seconds",
      help: "How long the last complete refresh took.",
      registers,
    }),
    errors: new Counter({
      name: "meshlens_refresh_errors_total",
      help: "Refreshes that failed, by reason; the last good values are kept.",
      labelNames: ["reason"],
      registers,
    }),
  };
  new Gauge({
    name: "meshlens_build_info",
    help: "meshlens' version, and the Node.js it runs on.",
    labelNames: ["version", "node_version"],
    registers,
  }).set({ version: build.version, node_version: build.nodeVersion }, 1);
  // Every reason at 0 from the start, so that rate() and increase() see the first failure.
  for (const reason of REASONS) set.errors.inc({ reason }, 0);
  return set;
}

const REASONS: readonly RefreshFailure[] = [
  "unreachable",
  "unauthorized",
  "forbidden",
  "timeout",
  "prometheus",
  "other",
];

function publishTo(set: ReturnType<typeof metricSet>, snapshot: Snapshot): void {
  const { notAfter, notBefore, leafEarliest, leaves, pastRenewal, checkSuccess } = set;
  for (const gauge of [notAfter, notBefore, leafEarliest, leaves, pastRenewal, checkSuccess])
    gauge.reset();
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
  for (const row of snapshot.timeline.rows) {
    if (row.kind === "leaves") {
      const labels = { namespace: row.namespace };
      leafEarliest.set(labels, seconds(row.notAfter));
      leaves.set(labels, row.count);
      pastRenewal.set(labels, row.pastRenewal);
      continue;
    }
    const labels = {
      layer: row.certificate.layer,
      source: sourceLabel(row.certificate.source),
      subject_cn: row.certificate.commonName,
      fingerprint_sha256: row.certificate.fingerprintSha256,
      superseded: String(row.superseded),
    };
    notAfter.set(labels, seconds(row.notAfter));
    notBefore.set(labels, seconds(row.notBefore));
  }
  for (const check of snapshot.checks) checkSuccess.set({ check: check.id }, check.success ? 1 : 0);
  set.refreshed.set(seconds(snapshot.finishedAt));
  set.duration.set(snapshot.durationSeconds);
}

export function createExporterMetrics(build: {
  version: string;
  nodeVersion: string;
}): ExporterMetrics {
  const text = new Registry();
  // The same metrics in a registry of the OpenMetrics format, for scrapers that ask for it.
  const openMetrics = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const sets = [metricSet(text, build), metricSet(openMetrics as unknown as Registry, build)];
  return {
    publish(snapshot) {
      for (const set of sets) publishTo(set, snapshot);
    },
    failed(reason) {
      for (const set of sets) set.errors.inc({ reason });
    },
    async expositions() {
      const [textBody, openMetricsBody] = await Promise.all([
        text.metrics(),
        openMetrics.metrics(),
      ]);
      return {
        text: { contentType: text.contentType, body: textBody },
        openMetrics: { contentType: openMetrics.contentType, body: openMetricsBody },
      };
    },
  };
}
