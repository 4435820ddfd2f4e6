// The standalone binary's code cache, made by running a command (scripts/build-binary.mjs). V8 puts
// in a code cache the functions compiled so far: made before the script runs (Node's `useCodeCache`)
// it holds little more than the top level, so every command compiled its functions again on each
// run. Made after `check` against a simulated cluster, it holds what commands run: the kubeconfig,
// the transport, the checks, certificate parsing (docs/performance.md has the figures).
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

/**
 * The command whose run fills the cache: what every command runs first (the kubeconfig, the
 * transport, certificate parsing) and the checks. Not `check --proxy`: it sets --expose-gc at run
 * time (src/heap-budget.ts), and V8 refuses a cache made under other flags than its own.
 */
const TRAINING_COMMAND = ["check", "--wait", "0s"];

/**
 * Runs the wrapped CLI (`wrapped`, compiled as `filename`) with `node`, the binary's own Node, against
 * a simulator and writes its code cache to `cacheOut`.
 */
export async function trainCodeCache({ root, node, execArgv, wrapped, filename, cacheOut }) {
  const simulator = join(root, "dist-tools", "sim.js");
  if (!existsSync(simulator))
    await promisify(execFile)(process.execPath, [join(root, "scripts", "build.mjs")]);
  const { startSimulator } = await import(pathToFileURL(simulator).href);
  const dir = mkdtempSync(join(tmpdir(), "meshlens-training-"));
  const sim = await startSimulator({ kubeconfigPath: join(dir, "kubeconfig") });
  try {
    // The simulator lives in this process: the training run must not block it.
    await promisify(execFile)(
      node,
      [
        join(root, "scripts", "code-cache-trainer.cjs"),
        ...[wrapped, filename, cacheOut],
        ...["--kubeconfig", join(dir, "kubeconfig"), ...TRAINING_COMMAND],
      ],
      { env: { PATH: process.env.PATH ?? "", HOME: dir, NO_COLOR: "1" } },
    );
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // V8 takes a cache only under the flags it was made with: a run-time flag change in the training
  // run would make a cache every start refuses, slower than none, and nothing would say so.
  const { stdout } = await promisify(execFile)(node, [
    ...execArgv,
    "-e",
    `const s = new (require("node:vm").Script)(require("node:fs").readFileSync(process.argv[1], "utf8"),
       { cachedData: require("node:fs").readFileSync(process.argv[2]) });
     process.stdout.write(String(s.cachedDataRejected));`,
    wrapped,
    cacheOut,
  ]);
  if (stdout !== "false")
    throw new Error(
      `V8 refuses the code cache made by ${TRAINING_COMMAND.join(" ")}: were flags changed?`,
    );
}
