// A real Prometheus (Debian's `prometheus`) on loopback, scraping the simulated proxies' loopback
// admin ports, for the tests that read from Prometheus.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Simulator } from "../../src/sim/index.js";
import { scratchDir } from "../fixtures.js";

export interface RunningPrometheus {
  url: string;
  process: ChildProcess;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One file_sd target group: the address and the labels Prometheus starts from. */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * Starts Prometheus with one scrape job over `targets` (file_sd), scraping every second; `job` is
 * the job's YAML after `job_name` and the service discovery (relabel_configs and such), indented
 * by 4. Resolves once every target has been scraped.
 */
export async function startPrometheus(
  targets: TargetGroup[],
  job: string[] = [],
): Promise<RunningPrometheus> {
  // Removed when the test file ends, after its Prometheus is stopped.
  const dir = scratchDir("meshlens-prometheus-");
  writeFileSync(join(dir, "targets.json"), JSON.stringify(targets));
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "scrape_configs:",
      "  - job_name: linkerd-proxy",
      "    file_sd_configs:",
      `      - files: ["${join(dir, "targets.json")}"]`,
      ...job,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const child = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: "ignore" },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error("Prometheus did not scrape the proxies within 60s");
    try {
      const response = await fetch(
        `${url}/api/v1/query?query=${encodeURIComponent('count(up{job="linkerd-proxy"} == 1)')}`,
      );
      const body = (await response.json()) as {
        data?: { result?: Array<{ value: [number, string] }> };
      };
      if (Number(body.data?.result?.[0]?.value[1]) === targets.length) break;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, process: child };
}

/** Each simulated proxy's loopback admin port, with its namespace and pod as labels. */
export function proxyTargets(sim: Simulator): TargetGroup[] {
  return sim.proxies.all().map((p) => ({
    targets: [`127.0.0.1:${p.port}`],
    labels: { namespace: p.namespace, pod: p.pod },
  }));
}
