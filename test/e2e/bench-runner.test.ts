// A benchmark run leaves nothing in the temp dir (issue 17): the runner gives each benchmark a
// TMPDIR of its own and fails the run when something is left there. Timings are not asserted
// here (they belong to bench/); what is asserted is what a run leaves behind.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot, scratchDir } from "../fixtures.js";
import { testEnv, toolForTests } from "./helpers.js";

const kubectlTool = toolForTests("kubectl", ["version", "--client"], "the benchmark runner test");

function runBench(names: string[], tmp: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(projectRoot, "bench", "run.mjs"), ...names],
      { env: testEnv({ TMPDIR: tmp, BENCH_RUNS: "1" }), timeout: 120_000 },
      (error, stdout) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout });
      },
    );
  });
}

describe("bench/run.mjs", () => {
  it.skipIf(kubectlTool.skip)(
    "runs a benchmark on a simulated cluster and leaves the temp dir as it found it",
    async () => {
      const tmp = scratchDir("meshlens-bench-tmp-");
      const { code, stdout } = await runBench(["start-up"], tmp);
      // 0 or 1 (a goal not met on a busy machine): it ran to its summary either way.
      expect([0, 1]).toContain(code);
      expect(stdout).toMatch(/== summary\nstart-up +(goals met|a goal NOT MET)\n/);
      expect(stdout).not.toContain("LEFT IN THE TEMP DIR");
      expect(readdirSync(tmp)).toEqual([]);
    },
    150_000,
  );

  it("refuses a benchmark it does not have, naming the ones it has", async () => {
    const tmp = scratchDir("meshlens-bench-tmp-");
    const run = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [join(projectRoot, "bench", "run.mjs"), "warp-speed"],
        { env: testEnv({ TMPDIR: tmp }) },
        (error, _stdout, stderr) => resolve({ code: error?.code as number, stderr }),
      ),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Unknown benchmark: warp-speed \(there are: .*start-up.*\)\n$/);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
