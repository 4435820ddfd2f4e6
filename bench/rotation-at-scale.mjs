// `meshlens rotation` on the scale simulator (BENCH_PODS meshed pods, default 5,000), against the
// run it shares its fetches with, in turns on the same simulator:
//
//   live leaves      vs `check --proxy`                        goal <= 1.1 (the same fetches, nothing twice)
//   without leaves   vs `check --proxy --no-verify-leaves`     goal <= 1.2
//   API calls        of `rotation --no-verify-leaves`          no more than check's
import { checkProxyArgs, startScaleBenchmark } from "./lib/clusters.mjs";
import { benchEnv, bin, runner, scratchRoot, timeInTurns } from "./lib/harness.mjs";
import { report } from "./lib/report.mjs";

const pods = Number(process.env.BENCH_PODS ?? 5000);
const runs = Number(process.env.BENCH_RUNS_SLOW ?? 2);
const scratch = scratchRoot("rotation");
const run = runner(benchEnv(scratch("home")));
const { line, ratio, passed } = report();

const { sim, meshed } = await startScaleBenchmark(scratch("sim"), pods, "rotation at scale");
try {
  const check = checkProxyArgs(sim.kubeconfigPath);
  const rotation = ["--kubeconfig", sim.kubeconfigPath, "rotation", "-o", "short"];
  const calls = async (args) => {
    const before = sim.api.stats.total;
    await run(bin, args);
    return sim.api.stats.total - before;
  };
  const [checkCalls, rotationCalls] = [
    await calls([...check, "--no-verify-leaves"]),
    await calls([...rotation, "--no-verify-leaves"]),
  ];
  line(
    "rotation --no-verify-leaves, API calls",
    String(rotationCalls),
    "calls",
    `check --proxy --no-verify-leaves: ${checkCalls}`,
    `<= ${checkCalls}`,
    rotationCalls <= checkCalls,
  );
  const [quiet, quietCheck] = await timeInTurns(
    run,
    [
      [bin, [...rotation, "--no-verify-leaves"]],
      [bin, [...check, "--no-verify-leaves"]],
    ],
    3,
  );
  ratio(
    `rotation --no-verify-leaves (${meshed})`,
    quiet,
    quietCheck,
    "check --proxy --no-verify-leaves",
    1.2,
  );
  // The first live run issues every leaf in the simulator; the measured ones follow it.
  await run(bin, check);
  const [live, liveCheck] = await timeInTurns(
    run,
    [
      [bin, rotation],
      [bin, check],
    ],
    runs,
  );
  ratio(`rotation, live leaves (${meshed})`, live, liveCheck, "check --proxy", 1.1);
} finally {
  await sim.close();
}
process.exitCode = passed() ? 0 : 1;
