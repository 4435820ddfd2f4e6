// A real Prometheus (Debian's `prometheus`) on loopback with one file_sd scrape job, for the tests
// and benchmarks that read from Prometheus. Plain JavaScript so that bench/ can use it too (types
// in prometheus.d.mts).
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Stops Prometheus and waits for it to exit, so that its data directory can go. */
function stopped(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill();
  });
}

/**
 * Starts Prometheus in `dir` with one scrape job (`jobName`, linkerd-proxy unless said) over
 * `targets`; `job` is the job's YAML after its service discovery (relabel_configs and such),
 * indented by 4; `ruleFiles` are loaded, evaluated every scrape interval. Resolves once
 * every target has been scraped (successfully, unless `refusing` targets are expected to refuse),
 * or fails (Prometheus stopped) after `readyWithinMs`.
 */
export async function startPrometheus({
  dir,
  targets,
  job = [],
  scrapeInterval = "1s",
  readyWithinMs = 60_000,
  refusing = 0,
  jobName = "linkerd-proxy",
  ruleFiles = [],
}) {
  writeFileSync(join(dir, "targets.json"), JSON.stringify(targets));
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      `  scrape_interval: ${scrapeInterval}`,
      `  evaluation_interval: ${scrapeInterval}`,
      ...(ruleFiles.length > 0 ? ["rule_files:", ...ruleFiles.map((file) => `  - "${file}"`)] : []),
      "scrape_configs:",
      `  - job_name: ${jobName}`,
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
  const up = encodeURIComponent(`count(up{job="${jobName}"} == 1)`);
  const down = encodeURIComponent(`count(up{job="${jobName}"} == 0)`);
  const count = async (query) =>
    Number(
      (await (await fetch(`${url}/api/v1/query?query=${query}`)).json()).data?.result?.[0]
        ?.value[1] ?? 0,
    );
  const deadline = Date.now() + readyWithinMs;
  while (Date.now() < deadline) {
    try {
      const scraped = await count(up);
      if (
        scraped === targets.length - refusing &&
        (refusing === 0 || (await count(down)) === refusing)
      )
        return { url, stop: () => stopped(child) };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stopped(child);
  throw new Error(`Prometheus did not scrape every proxy within ${readyWithinMs / 1000} s`);
}
