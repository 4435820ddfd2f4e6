import { describe, expect, it } from "vitest";
import {
  identityMetricsOf,
  isIdentityMetric,
  MetricsCollector,
  parseSampleLine,
} from "../../src/proxy/metrics.js";
import { readFixture } from "../fixtures.js";

describe("parseSampleLine", () => {
  it("reads names, labels with escapes, and values in both exposition styles", () => {
    expect(
      parseSampleLine('tcp_open_total{direction="outbound",peer="dst",dst_pod="a\\"b\\\\c"} 12'),
    ).toEqual({
      name: "tcp_open_total",
      labels: { direction: "outbound", peer: "dst", dst_pod: 'a"b\\c' },
      value: 12,
    });
    expect(
      parseSampleLine("control_identity_cert_expiration_timestamp_seconds 1704500155.0")?.value,
    ).toBe(1704500155);
    expect(
      parseSampleLine('response_latency_ms_bucket{le="+Inf"} 3 1700000000000')?.labels.le,
    ).toBe("+Inf");
  });

  it("ignores comments, # EOF and junk", () => {
    for (const line of ["# EOF", "# UNIT x seconds", "", "garbage{", 'x{a="b} 1'])
      expect(parseSampleLine(line)).toBeUndefined();
  });
});

describe("MetricsCollector on real proxy output", () => {
  it("keeps only the identity families of the 2022 sample, across arbitrary chunk borders", () => {
    const text = readFixture("metrics/proxy_metrics_sample_2022.txt");
    const collector = new MetricsCollector(isIdentityMetric);
    for (let i = 0; i < text.length; i += 97) collector.push(text.slice(i, i + 97));
    const samples = collector.end();
    expect(samples.map((s) => s.name)).toEqual([
      "identity_cert_expiration_timestamp_seconds",
      "identity_cert_refresh_count",
    ]);
    // The pre-2024 name (proxy < v2.220) still gives the expiry.
    expect(identityMetricsOf(samples).expiresAt?.toISOString()).toBe(
      new Date(1651053543 * 1000).toISOString(),
    );
  });

  it("reads every sample of the obfuscation fixture", () => {
    const collector = new MetricsCollector(() => true);
    collector.push(readFixture("metrics/obfuscate-diagnostics-proxy-metrics.input"));
    const samples = collector.end();
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.every((s) => Number.isFinite(s.value))).toBe(true);
  });

  it("reads the current names and counts failed refreshes", () => {
    const collector = new MetricsCollector(isIdentityMetric);
    collector.push(
      [
        "# TYPE control_identity_cert_expiration_timestamp_seconds gauge",
        "# UNIT control_identity_cert_expiration_timestamp_seconds seconds",
        "control_identity_cert_expiration_timestamp_seconds 1704500155.0",
        'control_identity_cert_refreshes_total{result="ok"} 3',
        'control_identity_cert_refreshes_total{result="error"} 2',
        "# EOF",
        "",
      ].join("\n"),
    );
    expect(identityMetricsOf(collector.end())).toEqual({
      expiresAt: new Date(1704500155000),
      refreshErrors: 2,
    });
  });
});
