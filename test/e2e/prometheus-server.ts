// A real Prometheus (Debian's `prometheus`) on loopback, scraping the simulated proxies' loopback
// admin ports, for the tests that read from Prometheus.
import type { Simulator } from "../../src/sim/index.js";
import { scratchDir } from "../fixtures.js";
import {
  type RunningPrometheus,
  startPrometheus as startPrometheusIn,
  type TargetGroup,
} from "../support/prometheus.mjs";

export type { RunningPrometheus, TargetGroup };

/**
 * Starts Prometheus scraping `targets` every second, in a scratch directory removed when the test
 * file ends (after its Prometheus is stopped); `job` as startPrometheus takes it.
 */
export function startPrometheus(
  targets: TargetGroup[],
  job: string[] = [],
): Promise<RunningPrometheus> {
  return startPrometheusIn({ dir: scratchDir("meshlens-prometheus-"), targets, job });
}

/** Each simulated proxy's loopback admin port, with its namespace and pod as labels. */
export function proxyTargets(sim: Simulator): TargetGroup[] {
  return sim.proxies.all().map((p) => ({
    targets: [`127.0.0.1:${p.port}`],
    labels: { namespace: p.namespace, pod: p.pod },
  }));
}
