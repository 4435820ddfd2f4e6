// `meshlens edges` on the scale simulator, each against a baseline measured in the same run:
//
//   direct:        `edges po -A` on 1,000 meshed pods with real-sized /metrics bodies, vs fetching
//                  the same bodies with the same concurrency (bench/baselines/fetch-bodies.mjs)
//                                                                                     goal <= 1.3
//                  and its peak memory at 1,000 vs 250 pods                           goal <= 1.2
//   --prometheus:  `edges deploy -A --prometheus` on the scale scenario vs curl of the same instant
//                  query plus `kubectl get pods -A -o json`                           goal <= 1.2
//   --explain:     `edges po -A --explain` vs `edges po -A` on the same cluster, where in every
//                  namespace app-1 also dials app-0's pods by IP (rows to explain)     goal <= 1.3
//
// BENCH_EDGES_PODS (default 1000) sets the size; BENCH_RUNS (default 5 here) the runs per median.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startPrometheus } from "../test/support/prometheus.mjs";
import { scaleCluster } from "./lib/clusters.mjs";
import {
  benchEnv,
  bin,
  peakMegabytes,
  root,
  runner,
  scratchRoot,
  timeInTurns,
} from "./lib/harness.mjs";
import { realisticPadding } from "./lib/realistic-metrics.mjs";
import { report } from "./lib/report.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const pods = Number(process.env.BENCH_EDGES_PODS ?? 1000);
const scratch = scratchRoot("edges");
const run = runner(benchEnv(scratch("home")));
const { line, flatness, passed } = report();

function hasCommand(name) {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Prometheus scraping every simulated proxy every 5 s, with linkerd-viz's target labels. */
function startPrometheusFor(sim) {
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
  return startPrometheus({
    dir: scratch("prometheus"),
    targets,
    scrapeInterval: "5s",
    readyWithinMs: 120_000,
  });
}

/** The scale scenario with real-sized /metrics bodies. */
function scaleSim(count, extra = {}) {
  return scaleCluster(scratch("sim"), count, { proxyMetricsPadding: realisticPadding(), ...extra });
}

console.log(
  `edges at scale (node ${process.version}, ${runs} runs a median, NODE_EXTRA_CA_CERTS unset)\n`,
);

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
        [join(root, "bench", "baselines", "fetch-bodies.mjs"), sim.kubeconfigPath, "16"],
      ];
      const { stdout } = await run(...fetch);
      const [ours, floor] = await timeInTurns(run, [edges, fetch], runs);
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
    const peak = await peakMegabytes(run, ...byDeployment);
    if (peak !== undefined) peaks[meshed] = peak;
  } finally {
    await sim.close();
  }
}
if (Object.keys(peaks).length === 2)
  flatness(
    (large, small) => `  peak memory, edges deploy -A (${large} vs ${small})`,
    peaks,
    1.2,
    (large, small, p, r) =>
      `at ${small}: ${p[small].toFixed(0)} MB, ratio ${r.toFixed(2)} for ${(large / small).toFixed(0)}x the pods`,
  );

// --explain: the same read plus two LISTs and an explanation for each row that is not mTLS. In
// every namespace app-1 also dials app-0's pods by IP, so each of those pod pairs is a row to
// explain (addressed-by-ip).
{
  const namespaces = Math.max(1, Math.round(pods / 100));
  const byIp = Array.from({ length: namespaces }, (_, n) => {
    const ns = `scale-${String(n).padStart(3, "0")}`;
    return {
      apiVersion: "sim.meshlens.dev/v1alpha1",
      kind: "Traffic",
      metadata: { name: "by-ip", namespace: ns },
      spec: { flows: [{ from: "deploy/app-1", to: "svc/app-0:8080", by: "pod-ip" }] },
    };
  });
  const sim = await scaleSim(pods, { objects: byIp });
  try {
    const args = ["--kubeconfig", sim.kubeconfigPath, "edges", "po", "-A", "-o", "json"];
    const plain = [bin, args];
    const explained = [bin, [...args, "--explain"]];
    const before = sim.api.stats.total;
    const { stdout } = await run(...explained);
    const calls = sim.api.stats.total - before;
    const rows = JSON.parse(stdout);
    const toExplain = rows.filter((row) => row.explanation !== undefined).length;
    const [ours, floor] = await timeInTurns(run, [explained, plain], runs);
    const r = ours / floor;
    line(
      `edges po -A --explain (${sim.proxies.all().length} proxies, ${toExplain} of ${rows.length} rows explained)`,
      ours.toFixed(0),
      "ms",
      `edges po -A: ${floor.toFixed(0)} ms, ratio ${r.toFixed(2)} (${calls} API calls with --explain)`,
      "<= 1.3",
      r <= 1.3,
    );
  } finally {
    await sim.close();
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
  const prometheus = await startPrometheusFor(sim);
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
    const [ours, queried, listed] = await timeInTurns(run, [edges, curl, kubectl], runs);
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
    await prometheus.stop();
    await sim.close();
  }
}

process.exitCode = passed() ? 0 : 1;
