import {
  type ChildProcess,
  type ChildProcessByStdio,
  execFile,
  execFileSync,
  spawn,
} from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, afterEach } from "vitest";
import { type Simulator, type SimulatorOptions, startSimulator } from "../../src/sim/index.js";
import { projectRoot, scratchDir } from "../fixtures.js";

export interface CliRun {
  stdout: string;
  stderr: string;
  code: number;
}

interface CliExecutable {
  command: string;
  args: readonly string[];
  binary: boolean;
}

/** The npm package: `bin/meshlens.js` run by this Node (dist/, built by `npm test`). */
export const npmPackageCli: CliExecutable = {
  command: process.execPath,
  args: [join(projectRoot, "bin", "meshlens.js")],
  binary: false,
};

/**
 * The CLI under test: the npm package, or the standalone binary that MESHLENS_BIN names (CI's
 * binary pass, docs/development.md).
 */
export const cli: CliExecutable = process.env.MESHLENS_BIN
  ? { command: process.env.MESHLENS_BIN, args: [], binary: true }
  : npmPackageCli;

/** The CLI under test as the start of a shell command line. */
export const cliCommandLine = [cli.command, ...cli.args].map(shellQuoted).join(" ");

function shellQuoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** Starts the CLI under test with `args`, no stdin, its output piped. */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string> = testEnv(),
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(cli.command, [...cli.args, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * The environment of every process a test starts: nothing of the developer's, the run's temp dir
 * (test/global-setup.ts) as TMPDIR, a HOME of the file's own, the run's cache directory (compiled
 * code, shared by every file's CLI), colour off.
 */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: home(),
    TMPDIR: tmpdir(),
    ...(process.env.MESHLENS_TEST_CACHE_HOME === undefined
      ? {}
      : { XDG_CACHE_HOME: process.env.MESHLENS_TEST_CACHE_HOME }),
    NO_COLOR: "1",
    ...extra,
  };
}

let homeDir: string | undefined;
/** A HOME for the processes of this test file (kubectl keeps a cache there), removed at its end. */
export function home(): string {
  if (homeDir === undefined) homeDir = scratchDir("meshlens-home-");
  return homeDir;
}

/** Runs the CLI under test as a user would, with a clean environment. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  executable: CliExecutable = cli,
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      executable.command,
      [...executable.args, ...args],
      {
        env: testEnv(env),
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ stdout, stderr, code });
      },
    );
  });
}

export type StartedSim = Simulator & { kubeconfigPath: string };

/** Starts a simulator whose kubeconfig is written to a fresh temporary directory. */
export async function startSim(options: SimulatorOptions = {}): Promise<StartedSim> {
  const dir = mkdtempSync(join(tmpdir(), "meshlens-test-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  let sim: Simulator;
  try {
    sim = await startSimulator({ ...options, kubeconfigPath });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // Closing it removes its kubeconfig (a bearer token) and whatever a test put beside it.
  const close = sim.close;
  return Object.assign(sim, {
    kubeconfigPath,
    close: async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/**
 * A copy of the simulator's kubeconfig beside it (`<kubeconfig>.<name>`), with `edit` applied to its
 * text; returns its path.
 */
export function kubeconfigVariant(
  sim: StartedSim,
  name: string,
  edit: (text: string) => string,
): string {
  const path = `${sim.kubeconfigPath}.${name}`;
  writeFileSync(path, edit(readFileSync(sim.kubeconfigPath, "utf8")));
  return path;
}

/**
 * A copy of the simulator's kubeconfig whose user runs `plugin` (Node source; `TOKEN` stands for
 * the simulator's token, `RUNS` for a file to count runs in) as its exec credential plugin.
 */
export function kubeconfigWithPlugin(sim: StartedSim, plugin: string) {
  const dir = dirname(sim.kubeconfigPath);
  const token = /token: (\S+)/.exec(readFileSync(sim.kubeconfigPath, "utf8"))?.[1] ?? "";
  const script = join(dir, "plugin.cjs");
  writeFileSync(script, plugin.replaceAll("TOKEN", token).replaceAll("RUNS", join(dir, "runs")));
  const path = kubeconfigVariant(sim, "exec", (text) =>
    text.replace(
      /token: \S+/,
      [
        "exec:",
        "        apiVersion: client.authentication.k8s.io/v1",
        `        command: ${process.execPath}`,
        `        args: [${JSON.stringify(script)}]`,
        "        interactiveMode: Never",
      ].join("\n"),
    ),
  );
  return { path, runs: () => readFileSync(join(dir, "runs"), "utf8").length };
}

/** The lines of a table output that are not passing checks (×, ‼ and their detail lines). */
export function problemLines(stdout: string): string[] {
  return stdout.split("\n").filter((line) => line.startsWith("×") || line.startsWith("‼"));
}

/** A starter of simulators that all close when the calling test file ends. */
export function simulatorsForThisFile(
  defaults: SimulatorOptions = {},
): (options?: SimulatorOptions) => Promise<StartedSim> {
  const started: StartedSim[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.close()));
  });
  return async (options = {}) => {
    const sim = await startSim({ ...defaults, ...options });
    started.push(sim);
    return sim;
  };
}

const demos: ChildProcess[] = [];
afterEach(() => {
  for (const child of demos.splice(0)) child.kill("SIGKILL");
});

/**
 * Starts a long-lived meshlens command as a child (killed after the test), resolving with what it
 * said on stderr once that matches `ready`.
 */
export function startLongLived(
  args: string[],
  ready: RegExp,
): Promise<{ child: ChildProcess; said: () => string }> {
  const child = spawnCli(args);
  demos.push(child);
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      stderr += chunk;
      if (ready.test(stderr)) resolve({ child, said: () => stderr });
    });
    child.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code}: ${stderr}`)));
  });
}

/** Starts `meshlens demo`, resolving once it serves. */
export function startDemo(args: string[]): Promise<{ child: ChildProcess; said: () => string }> {
  return startLongLived(["demo", ...args], /Press Ctrl-C to stop/);
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/**
 * Whether the tests that need a tool from Debian (kubectl, prometheus, tmux) run here. CI
 * (CI=true) installs them, so there the tests run and fail without it; elsewhere they are skipped
 * with a line saying so.
 */
export function toolForTests(
  command: string,
  versionArgs: string[],
  tests: string,
): { installed: boolean; skip: boolean } {
  try {
    execFileSync(command, versionArgs, { stdio: "ignore" });
    return { installed: true, skip: false };
  } catch {
    if (process.env.CI === "true") return { installed: false, skip: false };
    process.stderr.write(`${command} not found on PATH: skipping ${tests} (they run in CI).\n`);
    return { installed: false, skip: true };
  }
}

/**
 * Runs a bash command line (pipes, redirections) with the CLI as `$MESHLENS`; `args` are its
 * positional parameters ($1 ...).
 */
export function runShell(
  script: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      ["-c", script, "bash", ...args],
      {
        env: testEnv({ MESHLENS: cliCommandLine, ...env }),
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ stdout, stderr, code });
      },
    );
  });
}
