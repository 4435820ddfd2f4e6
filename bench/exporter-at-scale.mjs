// `meshlens exporter` on the scale simulator (BENCH_PODS meshed pods, default 5,000), leaves not read:
//
//   one refresh            its own duration (meshlens_refresh_duration_seconds, SIGHUP-driven)
//                          vs `check --proxy --no-verify-leaves` run as a command           goal <= 1.2
//   resident memory        after 200 refreshes vs after 10 (no growth)                      goal <= 1.1
//   a scrape               while a refresh runs: the slowest of them                        goal < 10 ms
//
// BENCH_EXPORTER_REFRESHES (default 200) sets the long run.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { checkProxyArgs, startScaleBenchmark } from "./lib/clusters.mjs";
import { benchEnv, bin, root, runner, scratchRoot, timeInTurns } from "./lib/harness.mjs";
import { median, report } from "./lib/report.mjs";

const pods = Number(process.env.BENCH_PODS ?? 5000);
const percentile = (values, p) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const refreshes = Number(process.env.BENCH_EXPORTER_REFRESHES ?? 200);
const scratch = scratchRoot("exporter");
const env = benchEnv(scratch("home"));
const run = runner(env);
const { line, passed } = report();

const { sim, meshed } = await startScaleBenchmark(scratch("sim"), pods, "exporter at scale");
const exporter = spawn(
  process.execPath,
  [
    bin,
    "--kubeconfig",
    sim.kubeconfigPath,
    "exporter",
    "--listen",
    "127.0.0.1:0",
    "--interval",
    "1h",
    "--no-verify-leaves",
  ],
  { env, stdio: ["ignore", "ignore", "pipe"] },
);
try {
  const port = await new Promise((resolve, reject) => {
    let said = "";
    exporter.stderr.setEncoding("utf8");
    exporter.stderr.on("data", (chunk) => {
      said += chunk;
      const found = /serving http:\/\/[\d.]+:(\d+)\/metrics/.exec(said);
      if (found) resolve(Number(found[1]));
    });
    exporter.once("exit", (code) => reject(new Error(`the exporter exited with ${code}: ${said}`)));
  });
  const url = `http://127.0.0.1:${port}/metrics`;
  const scrape = async () => {
    const started = performance.now();
    const body = await (await fetch(url)).text();
    return { body, ms: performance.now() - started };
  };
  const value = (body, name) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(body)?.[1]);
  const stamp = (body) =>
    `${value(body, "meshlens_refresh_timestamp_seconds")}|${value(body, "meshlens_refresh_duration_seconds")}`;
  /** Sends SIGHUP and waits for the refresh it starts; returns the scrape times seen meanwhile. */
  const refresh = async () => {
    const before = stamp((await scrape()).body);
    exporter.kill("SIGHUP");
    const times = [];
    for (;;) {
      const { body, ms } = await scrape();
      times.push(ms);
      if (stamp(body) !== before)
        return { times, seconds: value(body, "meshlens_refresh_duration_seconds") };
    }
  };
  const rssMegabytes = () =>
    Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${exporter.pid}/status`, "utf8"))?.[1]) /
    1024;

  // One refresh against the command it extends, in turns.
  const durations = [];
  for (let i = 0; i < 3; i += 1) durations.push((await refresh()).seconds * 1000);
  const [check] = await timeInTurns(
    run,
    [[bin, [...checkProxyArgs(sim.kubeconfigPath), "--no-verify-leaves"]]],
    3,
  );
  const ours = median(durations);
  line(
    `one refresh, no leaves (${meshed})`,
    ours.toFixed(0),
    "ms",
    `check --proxy --no-verify-leaves (a process): ${check.toFixed(0)} ms, ratio ${(ours / check).toFixed(2)}`,
    "<= 1.2",
    ours / check <= 1.2,
  );

  // Scrapes while refreshes run (from a process of their own), and memory over many refreshes.
  const scraper = spawn(
    process.execPath,
    [join(root, "bench", "baselines", "scrape-loop.mjs"), url],
    {
      env,
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  let said = "";
  scraper.stdout.setEncoding("utf8");
  scraper.stdout.on("data", (chunk) => {
    said += chunk;
  });
  const scraperDone = new Promise((resolve) => scraper.once("exit", resolve));
  let at10 = 0;
  for (let i = 3; i < refreshes; i += 1) {
    await refresh();
    if (i === 9) at10 = rssMegabytes();
  }
  const atEnd = rssMegabytes();
  scraper.stdin.end();
  await scraperDone;
  const scrapes = JSON.parse(said);
  const slowest = Math.max(...scrapes);
  line(
    `  resident memory after ${refreshes} refreshes`,
    atEnd.toFixed(0),
    "MB",
    `after 10: ${at10.toFixed(0)} MB, ratio ${(atEnd / at10).toFixed(2)}`,
    "<= 1.1",
    atEnd / at10 <= 1.1,
  );
  line(
    "  a scrape while refreshes run, slowest",
    slowest.toFixed(1),
    "ms",
    `${scrapes.length} scrapes in ${refreshes - 3} refreshes: median ${median(scrapes).toFixed(1)} ms, p99 ${percentile(scrapes, 0.99).toFixed(1)} ms, ${scrapes.filter((ms) => ms >= 10).length} over 10`,
    "< 10",
    slowest < 10,
  );
} finally {
  exporter.kill("SIGTERM");
  await sim.close();
}
process.exitCode = passed() ? 0 : 1;
