// meshlens edges benchmarks, each against a baseline measured in the same run (shared, noisy
// machines). NODE_EXTRA_CA_CERTS is unset for every process on both sides of a ratio (it costs each
// Node process ~85 ms here and has nothing to do with what is measured).
//
//   direct scrape:  `edges po -A` on 1,000 meshed pods with real-sized /metrics bodies, vs fetching
//                   the same bodies with the same concurrency (bench/fetch-bodies.mjs)   goal <= 1.3
//                   and its peak memory at 1,000 vs 250 pods                              goal flat
//   parser:         MB/s of meshlens' metrics parser vs parse-prometheus-text-format on the same bodies
//   --prometheus:   `edges deploy -A --prometheus` on the scale scenario vs curl of the same instant
//                   query plus `kubectl get pods -A -o json`                             goal <= 1.2
//
// BENCH_EDGES_PODS (default 1000) sets the size; BENCH_RUNS (default 5 here) the runs per median.
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { startSimulator } from "../dist-tools/sim.js";
import { median, report } from "./report.mjs";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "bin", "meshlens.js");
const runs = Number(process.env.BENCH_RUNS ?? 5);
const pods = Number(process.env.BENCH_EDGES_PODS ?? 1000);
const home = mkdtempSync(join(tmpdir(), "meshlens-bench-home-"));
const env = { ...process.env, NO_COLOR: "1", HOME: home };
delete env.NODE_EXTRA_CA_CERTS;

function run(command, args) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 1 << 30, env }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** Median wall times of commands run alternately (A B A B ...), after one warm-up each. */
async function timeAlternately(commands, count = runs) {
  for (const [command, args] of commands) await run(command, args);
  const samples = commands.map(() => []);
  for (let i = 0; i < count; i += 1) {
    for (const [index, [command, args]] of commands.entries()) {
      const start = performance.now();
      await run(command, args);
      samples[index].push(performance.now() - start);
    }
  }
  return samples.map(median);
}

const { line, flatness, passed } = report();

/** A real proxy's /metrics without the families the simulator derives from its traffic. */
function realisticPadding() {
  const sample = readFileSync(
    join(root, "test", "fixtures", "linkerd", "metrics", "proxy_metrics_sample_2022.txt"),
    "utf8",
  );
  const derived =
    /^(?:# (?:HELP|TYPE) )?(tcp_(open_total|open_connections|read_bytes_total|write_bytes_total|close_total)|request_total|response_total|process_start_time_seconds)[ {]/;
  return sample
    .split("\n")
    .filter((text) => !text.startsWith("# POD") && !derived.test(text))
    .join("\n");
}

function hasCommand(name) {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Prometheus scraping every simulated proxy every 5 s, with linkerd-viz's target labels. */
async function startPrometheus(sim) {
  const dir = mkdtempSync(join(tmpdir(), "meshlens-bench-prometheus-"));
  const targets = sim.proxies.all().map((proxy) => ({
    targets: [`127.0.0.1:${proxy.port}`],
    labels: {
      namespace: proxy.namespace,
      pod: proxy.pod,
      ...Object.fromEntries(
        Object.entries(proxy.podObject.metadata.labels ?? {})
          .filter(([key]) => key.startsWith("linkerd.io/proxy-"))
          .map(([key, value]) => [
            key.slice("linkerd.io/proxy-".length).replace("job", "k8s_job"),
            value,
          ]),
      ),
    },
  }));
  writeFileSync(join(dir, "targets.json"), JSON.stringify(targets));
  writeFileSync(
    join(dir, "prometheus.yml"),
    `global: {scrape_interval: 5s}\nscrape_configs:\n  - job_name: linkerd-proxy\n    file_sd_configs: [{files: ["${join(dir, "targets.json")}"]}]\n`,
  );
  const port = 19090 + Math.floor(Math.random() * 1000);
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
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const answer = await (
        await fetch(`${url}/api/v1/query?query=${encodeURIComponent("count(up == 1)")}`)
      ).json();
      if (Number(answer.data?.result?.[0]?.value[1]) === targets.length)
        return { url, process: child };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  child.kill();
  throw new Error("Prometheus did not scrape every proxy within 120 s");
}

async function scaleSim(count, extra = {}) {
  return startSimulator({
    scenario: "scale",
    scale: { pods: count, namespaces: Math.max(1, Math.round(count / 100)) },
    kubeconfigPath: join(mkdtempSync(join(tmpdir(), "meshlens-bench-")), "kubeconfig"),
    proxyPorts: false,
    proxyMetricsPadding: realisticPadding(),
    ...extra,
  });
}

console.log(`meshlens edges benchmarks (node ${process.version}, ${runs} runs each)\n`);

// Direct scrape vs fetching the same bodies.
const peaks = {};
for (const count of [pods, Math.max(50, Math.round(pods / 4))]) {
  const sim = await scaleSim(count);
  try {
    const meshed = sim.proxies.all().length;
    const edges = [bin, ["--kubeconfig", sim.kubeconfigPath, "edges", "po", "-A", "-o", "json"]];
    if (count === pods) {
      const fetch = [
        process.execPath,
        [join(root, "bench", "fetch-bodies.mjs"), sim.kubeconfigPath, "16"],
      ];
      const { stdout } = await run(...fetch);
      const [ours, floor] = await timeAlternately([edges, fetch]);
      const r = ours / floor;
      line(
        `edges po -A, direct (${meshed} proxies)`,
        ours.toFixed(0),
        "ms",
        `fetching the bodies only: ${floor.toFixed(0)} ms (${stdout.trim()}), ratio ${r.toFixed(2)}`,
        "<= 1.3",
        r <= 1.3,
      );
    }
    // Peak memory with one row per deployment pair, so that the output does not grow with the pods.
    const byDeployment = [
      bin,
      ["--kubeconfig", sim.kubeconfigPath, "edges", "deploy", "-A", "-o", "json"],
    ];
    const { stderr } = await run("/usr/bin/time", ["-f", "%M", ...byDeployment.flat()]);
    peaks[meshed] = Number(stderr.trim().split("\n").at(-1)) / 1024;
  } finally {
    await sim.close();
  }
}
flatness(
  (large, small) => `  peak memory, edges deploy -A (${large} vs ${small})`,
  peaks,
  1.2,
  (large, small, p, r) =>
    `at ${small}: ${p[small].toFixed(0)} MB, ratio ${r.toFixed(2)} for ${(large / small).toFixed(0)}x the pods`,
);

// The metrics parser on real-sized bodies: ours (keeping edges' family, and keeping everything)
// against the npm library a user would reach for.
{
  const { MetricsCollector } = await import("../dist-tools/metrics.js");
  const body = `${realisticPadding()}\n${readFileSync(join(root, "test", "fixtures", "linkerd", "metrics", "proxy_metrics_sample_2022.txt"), "utf8")}`;
  const bodies = 300;
  const megabytes = (Buffer.byteLength(body) * bodies) / 1e6;
  const rate = (work) => {
    work();
    const start = performance.now();
    for (let i = 0; i < bodies; i += 1) work();
    return megabytes / ((performance.now() - start) / 1000);
  };
  const library = rate(() => parsePrometheusTextFormat(body));
  {
    const edgesOnly = rate(() => {
      const c = new MetricsCollector((name) => name === "tcp_open_connections");
      c.push(body);
      c.end();
    });
    const everything = rate(() => {
      const c = new MetricsCollector(() => true);
      c.push(body);
      c.end();
    });
    line(
      "metrics parser, edges' families",
      edgesOnly.toFixed(0),
      "MB/s",
      `parse-prometheus-text-format: ${library.toFixed(0)} MB/s (${(edgesOnly / library).toFixed(1)}x); every family: ${everything.toFixed(0)} MB/s`,
      ">= lib",
      edgesOnly >= library,
    );
  }
}

// --prometheus: one instant query (and paged pod LISTs for CLIENT_ID) against curl of the same
// query plus kubectl's LIST of the same pods. A real Prometheus scrapes every simulated proxy's
// loopback port, labelled as linkerd-viz's relabelling labels them (tested in
// test/e2e/edges-prometheus.test.ts; here the resulting labels are given directly).
if (!hasCommand("prometheus") || !hasCommand("curl")) {
  console.log("edges deploy -A --prometheus: skipped (prometheus or curl is not installed)");
} else {
  const sim = await scaleSim(pods, { proxyPorts: true, proxyMetricsPadding: undefined });
  const prometheus = await startPrometheus(sim);
  try {
    const query =
      'sum(tcp_open_connections{deployment!="", direction="outbound", dst_deployment!=""}) by (deployment, dst_deployment, pod, server_id, namespace, dst_namespace, no_tls_reason)';
    const edges = [
      bin,
      [
        "--kubeconfig",
        sim.kubeconfigPath,
        "edges",
        "deploy",
        "-A",
        "-o",
        "json",
        "--prometheus",
        prometheus.url,
      ],
    ];
    const curl = [
      "curl",
      ["-sf", `${prometheus.url}/api/v1/query`, "--data-urlencode", `query=${query}`],
    ];
    const kubectl = [
      "kubectl",
      ["--kubeconfig", sim.kubeconfigPath, "get", "pods", "-A", "-o", "json"],
    ];
    const before = sim.api.stats.total;
    const { stdout } = await run(...edges);
    const calls = sim.api.stats.total - before;
    const rows = JSON.parse(stdout).length;
    const [ours, queried, listed] = await timeAlternately([edges, curl, kubectl]);
    const floor = queried + listed;
    const r = ours / floor;
    line(
      `edges deploy -A --prometheus (${sim.proxies.all().length})`,
      ours.toFixed(0),
      "ms",
      `curl ${queried.toFixed(0)} ms + kubectl get pods -A ${listed.toFixed(0)} ms, ratio ${r.toFixed(2)} (${rows} rows)`,
      "<= 1.2",
      r <= 1.2,
    );
    const bound = 2 + Math.ceil(sim.proxies.all().length / 500) + 2;
    line(
      "  API calls",
      String(calls),
      "calls",
      "paged LISTs of 500, never one per pod",
      `<= ${bound}`,
      calls <= bound,
    );
  } finally {
    prometheus.process.kill();
    await sim.close();
  }
}

process.exitCode = passed() ? 0 : 1;
