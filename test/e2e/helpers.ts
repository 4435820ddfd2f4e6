import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { type Simulator, type SimulatorOptions, startSimulator } from "../../src/sim/simulator.js";
import { projectRoot } from "../fixtures.js";

export interface CliRun {
  stdout: string;
  stderr: string;
  code: number;
}

const bin = join(projectRoot, "bin", "meshlens.js");

/** Runs the built CLI (dist/, built by `npm test`) as a user would, with a clean environment. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        env: { PATH: process.env.PATH ?? "", HOME: tmpdir(), NO_COLOR: "1", ...env },
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
  const kubeconfigPath = join(mkdtempSync(join(tmpdir(), "meshlens-test-")), "kubeconfig");
  const sim = await startSimulator({ ...options, kubeconfigPath });
  return Object.assign(sim, { kubeconfigPath });
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

/** The lines of a table output that are not passing checks (×, ‼ and their detail lines). */
export function problemLines(stdout: string): string[] {
  return stdout.split("\n").filter((line) => line.startsWith("×") || line.startsWith("‼"));
}

/** A starter of simulators that all close when the calling test file ends. */
export function simulatorsForThisFile(): (options?: SimulatorOptions) => Promise<StartedSim> {
  const started: StartedSim[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.close()));
  });
  return async (options = {}) => {
    const sim = await startSim(options);
    started.push(sim);
    return sim;
  };
}
