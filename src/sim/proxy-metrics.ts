// The parts of a simulated proxy's /metrics that are not traffic: its start time and its identity
// certificate's families, in the current linkerd2-proxy format (legacy families, then the
// prometheus-client part ending in `# EOF`; linkerd-facts.md 4.2, 4.3), or an older proxy's names.

function formatGauge(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

export function startTimeFamily(started: Date): string[] {
  return [
    "# HELP process_start_time_seconds Time that the process started (in seconds since the UNIX epoch)",
    "# TYPE process_start_time_seconds gauge",
    `process_start_time_seconds ${Math.floor(started.getTime() / 1000)}`,
  ];
}

export interface LeafMetrics {
  expiresAt: Date;
  refreshedAt: Date;
  refreshes: { ok: number; error: number };
  /** PROXY_METRICS_ANNOTATION: "v2.219" (identity_cert_*, before Jan 2024), "v2.220", or current. */
  generation: string | undefined;
}

/** The whole body: `legacy` lines, then the identity families as the proxy's generation names them. */
export function identityFamilies(legacy: string[], leaf: LeafMetrics): string {
  const expiry = leaf.expiresAt.getTime() / 1000;
  const refreshed = leaf.refreshedAt.getTime() / 1000;
  if (leaf.generation === "v2.219") {
    return `${[
      ...legacy,
      "# HELP identity_cert_expiration_timestamp_seconds Time when the this proxy's current mTLS identity certificate will expire (in seconds since the UNIX epoch)",
      "# TYPE identity_cert_expiration_timestamp_seconds gauge",
      `identity_cert_expiration_timestamp_seconds ${Math.floor(expiry)}`,
      "# HELP identity_cert_refresh_count The total number of times this proxy's mTLS identity certificate has been refreshed by the Identity service.",
      "# TYPE identity_cert_refresh_count counter",
      `identity_cert_refresh_count ${leaf.refreshes.ok}`,
    ].join("\n")}\n`;
  }
  const prefix = leaf.generation === "v2.220" ? "identity_cert" : "control_identity_cert";
  return `${[
    ...legacy,
    `# HELP ${prefix}_expiration_timestamp_seconds Time when the this proxy's current mTLS identity certificate will expire (in seconds since the UNIX epoch).`,
    `# TYPE ${prefix}_expiration_timestamp_seconds gauge`,
    `# UNIT ${prefix}_expiration_timestamp_seconds seconds`,
    `${prefix}_expiration_timestamp_seconds ${formatGauge(expiry)}`,
    `# HELP ${prefix}_refresh_timestamp_seconds Time when the this proxy's current mTLS identity certificate were last updated.`,
    `# TYPE ${prefix}_refresh_timestamp_seconds gauge`,
    `# UNIT ${prefix}_refresh_timestamp_seconds seconds`,
    `${prefix}_refresh_timestamp_seconds ${formatGauge(refreshed)}`,
    `# HELP ${prefix}_refreshes The total number of times this proxy's mTLS identity certificate has been refreshed by the Identity service.`,
    `# TYPE ${prefix}_refreshes counter`,
    `${prefix}_refreshes_total{result="ok"} ${leaf.refreshes.ok}`,
    `${prefix}_refreshes_total{result="error"} ${leaf.refreshes.error}`,
    "# EOF",
  ].join("\n")}\n`;
}
