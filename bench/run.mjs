// meshlens benchmarks. Each prints a ratio against a baseline measured in the same run, because
// absolute times on shared machines are not comparable. Run with `npm run bench` (builds first).
//
//   cold start:  `meshlens --version` vs `node -e 0`                         goal <= 1.5
//   check:       `meshlens check` vs `kubectl get cm,secret,pods -n linkerd -o json`, same simulator
//                                                                            goal <= 1.5
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "bin", "meshlens.js");
const runs = Number(process.env.BENCH_RUNS ?? 15);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall time of a command, in ms, after one warm-up run. Fails loudly if it fails. */
function time(command, args, env = {}) {
  const options = {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NO_COLOR: "1", ...env },
  };
  execFileSync(command, args, options);
  const samples = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    execFileSync(command, args, options);
    samples.push(performance.now() - start);
  }
  return median(samples);
}

function report(name, ours, baseline, baselineName, goal) {
  const ratio = ours / baseline;
  const verdict = ratio <= goal ? "ok" : "OVER GOAL";
  console.log(
    `${name.padEnd(34)} ${ours.toFixed(1).padStart(7)} ms   ${baselineName.padEnd(46)} ${baseline.toFixed(1).padStart(7)} ms   ratio ${ratio.toFixed(2)} (goal <= ${goal}) ${verdict}`,
  );
  return ratio <= goal;
}

async function startDemo() {
  const kubeconfig = join(mkdtempSync(join(tmpdir(), "meshlens-bench-")), "kubeconfig");
  const child = spawn(process.execPath, [bin, "demo", "--kubeconfig-out", kubeconfig], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const deadline = Date.now() + 20_000;
  while (!existsSync(kubeconfig)) {
    if (Date.now() > deadline) throw new Error("the simulator did not start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { kubeconfig, stop: () => child.kill("SIGINT") };
}

console.log(`meshlens benchmarks: median of ${runs} runs each (node ${process.version})\n`);
let ok = true;

const node = time(process.execPath, ["-e", "0"]);
const version = time(process.execPath, [bin, "--version"]);
ok = report("meshlens --version", version, node, "node -e 0", 1.5) && ok;

const demo = await startDemo();
try {
  const check = time(process.execPath, [
    bin,
    "--kubeconfig",
    demo.kubeconfig,
    "check",
    "--wait",
    "0s",
  ]);
  const kubectl = time(
    "kubectl",
    ["--kubeconfig", demo.kubeconfig, "get", "cm,secret,pods", "-n", "linkerd", "-o", "json"],
    { HOME: mkdtempSync(join(tmpdir(), "meshlens-bench-home-")) },
  );
  ok =
    report(
      "meshlens check",
      check,
      kubectl,
      "kubectl get cm,secret,pods -n linkerd -o json",
      1.5,
    ) && ok;
} finally {
  demo.stop();
}
process.exitCode = ok ? 0 : 1;
