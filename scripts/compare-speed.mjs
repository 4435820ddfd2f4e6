// This checkout's CLI against another built checkout's, in turns, on the same simulated clusters:
// the wall time (median) and peak memory of what the benchmarks measure, so that a refactoring can
// show it made nothing slower. One run, both sides alternating, NODE_EXTRA_CA_CERTS unset.
//   node scripts/compare-speed.mjs OTHER_CHECKOUT     (both built: npm run build)
// BENCH_RUNS (default 7) sets the runs of the quick measurements, BENCH_PODS (5000) the size of
// the check --proxy cluster, BENCH_EDGES_PODS (1000) of the edges one, BENCH_TAP_EVENTS (1000000).
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkProxyArgs, scaleCluster, tapRecording } from "../bench/lib/clusters.mjs";
import {
  benchEnv,
  bin,
  peakMegabytes,
  runner,
  scratchRoot,
  timeInTurns,
} from "../bench/lib/harness.mjs";
import { realisticPadding } from "../bench/lib/realistic-metrics.mjs";
import { startSimulator } from "../dist-tools/sim.js";

const other = process.argv[2];
if (other === undefined || !existsSync(join(resolve(other), "dist", "cli.js"))) {
  console.error(
    "usage: node scripts/compare-speed.mjs OTHER_CHECKOUT (built: its dist/cli.js exists)",
  );
  process.exit(2);
}
const otherBin = join(resolve(other), "bin", "meshlens.js");
const runs = Number(process.env.BENCH_RUNS ?? 7);
const pods = Number(process.env.BENCH_PODS ?? 5000);
const edgesPods = Number(process.env.BENCH_EDGES_PODS ?? 1000);
const tapEvents = Number(process.env.BENCH_TAP_EVENTS ?? 1_000_000);
const scratch = scratchRoot("compare-speed");
const run = runner(benchEnv(scratch("home")));

console.log(
  `this checkout vs ${other} (node ${process.version}, in turns, NODE_EXTRA_CA_CERTS unset)\n`,
);
console.log(`${"measurement".padEnd(48)} ${"this".padStart(10)} ${"other".padStart(10)}  ratio`);
function row(name, ours, theirs, unit) {
  const show = (value) => `${value.toFixed(0)} ${unit}`.padStart(10);
  console.log(`${name.padEnd(48)} ${show(ours)} ${show(theirs)}  ${(ours / theirs).toFixed(2)}`);
}
async function timed(name, args, count, shell = false) {
  const [ours, theirs] = await timeInTurns(
    run,
    shell
      ? [
          ["sh", ["-c", args(bin)]],
          ["sh", ["-c", args(otherBin)]],
        ]
      : [
          [bin, args],
          [otherBin, args],
        ],
    count,
  );
  row(name, ours, theirs, "ms");
}
async function peak(name, args) {
  const ours = await peakMegabytes(run, bin, args);
  const theirs = await peakMegabytes(run, otherBin, args);
  if (ours !== undefined && theirs !== undefined) row(name, ours, theirs, "MB");
}

{
  const sim = await startSimulator({ kubeconfigPath: join(scratch("sim"), "kubeconfig") });
  try {
    const k = ["--kubeconfig", sim.kubeconfigPath];
    await timed("--version", ["--version"], runs * 2);
    await timed("completion bash", ["completion", "bash"], runs * 2);
    await timed("check (demo)", [...k, "check", "--wait", "0s"], runs * 2);
    await timed("check --proxy (demo)", [...k, "check", "--proxy", "--wait", "0s"], runs);
    await timed(
      "edges deploy -n emojivoto (demo)",
      [...k, "edges", "deploy", "-n", "emojivoto"],
      runs,
    );
  } finally {
    await sim.close();
  }
}
{
  const sim = await scaleCluster(scratch("sim"), pods);
  try {
    const args = checkProxyArgs(sim.kubeconfigPath);
    const meshed = sim.proxies.all().length;
    await timed(`check --proxy --no-verify-leaves (${meshed})`, [...args, "--no-verify-leaves"], 3);
    await timed(`check --proxy, live leaves (${meshed})`, args, 2);
    await peak(`  peak memory`, args);
  } finally {
    await sim.close();
  }
}
{
  const sim = await scaleCluster(scratch("sim"), edgesPods, {
    proxyMetricsPadding: realisticPadding(),
  });
  try {
    const k = ["--kubeconfig", sim.kubeconfigPath];
    const meshed = sim.proxies.all().length;
    await timed(`edges po -A, direct (${meshed})`, [...k, "edges", "po", "-A", "-o", "json"], 5);
    await peak(`  peak memory, edges deploy -A`, [...k, "edges", "deploy", "-A", "-o", "json"]);
  } finally {
    await sim.close();
  }
}
{
  const recorded = await tapRecording(scratch("recording"), tapEvents);
  const sim = await startSimulator({
    kubeconfigPath: join(scratch("sim"), "kubeconfig"),
    tapReplay: recorded.bytes,
  });
  try {
    const out = join(scratch("out"), "tap.txt");
    // --max-events ends both sides' tap where the recording ends, with or without reconnecting.
    await timed(
      `tap deploy/web > file (${recorded.events} events)`,
      (cli) =>
        `"${cli}" --kubeconfig "${sim.kubeconfigPath}" tap deploy/web -n emojivoto --max-events ${recorded.events} > "${out}"`,
      2,
      true,
    );
  } finally {
    await sim.close();
  }
}
