// What every benchmark needs to run commands fairly and leave nothing behind: one scratch directory
// per benchmark process (removed when it exits, however it exits), commands run with a HOME inside
// it and without NODE_EXTRA_CA_CERTS (it costs every Node process its parsing and has nothing to do
// with what is measured: docs/performance.md), and medians of commands run in turns.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { median } from "./report.mjs";

export const root = new URL("../..", import.meta.url).pathname;
export const bin = join(root, "bin", "meshlens.js");

/** This process's scratch directory: `scratch("name")` makes a fresh directory inside it. */
export function scratchRoot(benchmark) {
  const top = mkdtempSync(join(tmpdir(), `meshlens-bench-${benchmark}-`));
  const remove = () => rmSync(top, { recursive: true, force: true });
  process.on("exit", remove);
  for (const signal of ["SIGINT", "SIGTERM"])
    process.on(signal, () => {
      remove();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  let made = 0;
  return (name) => {
    made += 1;
    const dir = join(top, `${name}-${made}`);
    mkdirSync(dir);
    return dir;
  };
}

/** The environment commands run in: no extra CA bundle, no colour, a HOME of their own. */
export function benchEnv(home) {
  const { NODE_EXTRA_CA_CERTS: _unset, ...inherited } = process.env;
  return { ...inherited, NO_COLOR: "1", HOME: home };
}

/**
 * Runs a command to the end without blocking this process (the simulator lives here) and resolves
 * with its output; rejects, loudly, when it fails.
 */
export function runner(env) {
  return (command, args) =>
    new Promise((resolve, reject) => {
      execFile(command, args, { maxBuffer: 1 << 30, env }, (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${stderr}`));
        else resolve({ stdout, stderr });
      });
    });
}

/**
 * Median wall times, in ms, of commands run in turns (A B A B ...) after one warm-up run each, so
 * that a shared machine's slow moments fall on every side of a ratio.
 */
export async function timeInTurns(run, commands, count) {
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

/** Peak resident memory of a command, in MB, from GNU time (undefined where it is missing). */
export async function peakMegabytes(run, command, args) {
  if (!existsSync("/usr/bin/time")) return undefined;
  const { stderr } = await run("/usr/bin/time", ["-f", "%M", command, ...args]);
  return Number(stderr.trim().split("\n").at(-1)) / 1024;
}
