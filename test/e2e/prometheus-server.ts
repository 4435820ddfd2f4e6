// A real Prometheus (Debian's `prometheus`) on loopback, scraping the simulated proxies' loopback
// admin ports, for the tests that read from Prometheus.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadAll, load as parseYaml, dump as stringify } from "js-yaml";
import type { Simulator } from "../../src/sim/index.js";
import { linkerdFixtures, scratchDir } from "../fixtures.js";
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
  options: { refusing?: number; jobName?: string; ruleFiles?: string[] } = {},
): Promise<RunningPrometheus> {
  return startPrometheusIn({ dir: scratchDir("meshlens-prometheus-"), targets, job, ...options });
}

/** Each simulated proxy's loopback admin port, with its namespace and pod as labels. */
export function proxyTargets(sim: Simulator): TargetGroup[] {
  return sim.proxies.all().map((p) => ({
    targets: [`127.0.0.1:${p.port}`],
    labels: { namespace: p.namespace, pod: p.pod },
  }));
}

/** The relabel_configs of linkerd-viz's `linkerd-proxy` scrape job, verbatim. */
function vizRelabelling(): unknown[] {
  const manifest = readFileSync(
    join(linkerdFixtures, "install", "viz_install_default.golden"),
    "utf8",
  );
  for (const document of loadAll(manifest)) {
    const object = document as { kind?: string; data?: Record<string, string> } | null;
    const config = object?.kind === "ConfigMap" ? object.data?.["prometheus.yml"] : undefined;
    if (config === undefined) continue;
    const jobs = (
      parseYaml(config) as {
        scrape_configs: Array<{ job_name: string; relabel_configs: unknown[] }>;
      }
    ).scrape_configs;
    const job = jobs.find((j) => j.job_name === "linkerd-proxy");
    if (job) return job.relabel_configs;
  }
  throw new Error("no linkerd-proxy scrape job in viz_install_default.golden");
}

/** What Kubernetes service discovery would give Prometheus for each proxy's linkerd-admin port. */
export function kubernetesSdTargets(sim: Simulator): TargetGroup[] {
  const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, "_");
  return sim.proxies.all().map((proxy) => ({
    targets: [`127.0.0.1:${proxy.port}`],
    labels: {
      __meta_kubernetes_namespace: proxy.namespace,
      __meta_kubernetes_pod_name: proxy.pod,
      __meta_kubernetes_pod_phase: "Running",
      __meta_kubernetes_pod_container_name: "linkerd-proxy",
      __meta_kubernetes_pod_container_port_name: "linkerd-admin",
      ...Object.fromEntries(
        Object.entries(proxy.podObject.metadata.labels ?? {}).map(([key, value]) => [
          `__meta_kubernetes_pod_label_${sanitize(key)}`,
          value,
        ]),
      ),
    },
  }));
}

/** linkerd-viz's `linkerd-proxy` job after its service discovery, as startPrometheus takes it. */
export function vizScrapeJob(): string[] {
  return stringify({ relabel_configs: vizRelabelling() }, { lineWidth: -1 })
    .trimEnd()
    .split("\n")
    .map((line) => `    ${line}`);
}
