// `check --proxy` on the scale simulator (BENCH_PODS meshed pods, default 5,000):
//
//   leaves not verified   vs `kubectl get pods -A -o json`                             goal <= 1.2
//     and its API calls   paged LISTs, never one call per pod
//   live leaves           pods verified per second (every proxy's leaf fetched)       goal >= 300
//     and peak memory     of the CLI                                                   goal < 300 MB
import { performance } from "node:perf_hooks";
import { checkProxyArgs, startScaleBenchmark } from "./lib/clusters.mjs";
import { benchEnv, bin, peakMegabytes, runner, scratchRoot, timeInTurns } from "./lib/harness.mjs";
import { report } from "./lib/report.mjs";

const pods = Number(process.env.BENCH_PODS ?? 5000);
const scratch = scratchRoot("check-proxy");
const run = runner(benchEnv(scratch("home")));
const { line, ratio, passed } = report();

const { sim, meshed } = await startScaleBenchmark(scratch("sim"), pods, "check --proxy at scale");
try {
  const args = checkProxyArgs(sim.kubeconfigPath);
  const quietArgs = [...args, "--no-verify-leaves"];
  const before = sim.api.stats.total;
  await run(bin, quietArgs);
  const calls = sim.api.stats.total - before;
  const kubectlArgs = ["--kubeconfig", sim.kubeconfigPath, "get", "pods", "-A", "-o", "json"];
  const [quiet, kubectl] = await timeInTurns(
    run,
    [
      [bin, quietArgs],
      ["kubectl", kubectlArgs],
    ],
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
  const start = performance.now();
  const peak = await peakMegabytes(run, bin, args);
  if (peak === undefined) await run(bin, args);
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
  if (peak !== undefined)
    line(
      "  peak memory",
      peak.toFixed(0),
      "MB",
      "maximum resident set size of the CLI",
      "< 300",
      peak < 300,
    );
} finally {
  await sim.close();
}
process.exitCode = passed() ? 0 : 1;
