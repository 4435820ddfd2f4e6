// meshlens' Prometheus text parser on real-sized proxy bodies, in MB/s, against the npm library a
// user would reach for (parse-prometheus-text-format) on the same bodies:
//
//   keeping only edges' family (tcp_open_connections)                        goal >= the library
//   keeping every family                                                     (shown)
import { performance } from "node:perf_hooks";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { MetricsCollector } from "../dist-tools/metrics.js";
import { realisticPadding, realProxyMetrics } from "./lib/realistic-metrics.mjs";
import { report } from "./lib/report.mjs";

const { line, passed } = report();
const body = `${realisticPadding()}\n${realProxyMetrics()}`;
const bodies = 300;
const megabytes = (Buffer.byteLength(body) * bodies) / 1e6;
/** MB/s of `work` over `bodies` bodies, after one warm-up. */
const rate = (work) => {
  work();
  const start = performance.now();
  for (let i = 0; i < bodies; i += 1) work();
  return megabytes / ((performance.now() - start) / 1000);
};
const collect = (keep) => () => {
  const collector = new MetricsCollector(keep);
  collector.push(body);
  collector.end();
};

console.log(
  `metrics parser (node ${process.version}, ${bodies} bodies of ${(Buffer.byteLength(body) / 1e3).toFixed(0)} kB)\n`,
);
const library = rate(() => parsePrometheusTextFormat(body));
const edgesOnly = rate(collect((name) => name === "tcp_open_connections"));
const everything = rate(collect(() => true));
line(
  "metrics parser, edges' families",
  edgesOnly.toFixed(0),
  "MB/s",
  `parse-prometheus-text-format: ${library.toFixed(0)} MB/s (${(edgesOnly / library).toFixed(1)}x); every family: ${everything.toFixed(0)} MB/s`,
  ">= lib",
  edgesOnly >= library,
);
process.exitCode = passed() ? 0 : 1;
