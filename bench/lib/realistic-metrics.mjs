// A real proxy's /metrics (test/fixtures, from a Linkerd 2022 proxy) for benchmarks whose cost
// grows with the body: the simulator appends it to each proxy's own families.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "./harness.mjs";

export function realProxyMetrics() {
  return readFileSync(
    join(root, "test", "fixtures", "linkerd", "metrics", "proxy_metrics_sample_2022.txt"),
    "utf8",
  );
}

/** The real body without the families the simulator derives from its own traffic. */
export function realisticPadding() {
  const derived =
    /^(?:# (?:HELP|TYPE) )?(tcp_(open_total|open_connections|read_bytes_total|write_bytes_total|close_total)|request_total|response_total|process_start_time_seconds)[ {]/;
  return realProxyMetrics()
    .split("\n")
    .filter((text) => !text.startsWith("# POD") && !derived.test(text))
    .join("\n");
}
