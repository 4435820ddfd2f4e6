// Every test run gets a temporary directory of its own (TMPDIR, which the CLI and the simulator
// inherit): whatever a test, a simulator or a child process leaves in it is named at the end and
// fails the run, so a run leaves nothing behind in the machine's temp dir.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The run's cache directory ($XDG_CACHE_HOME of the processes tests start: test/e2e/helpers.ts),
 * where bin/meshlens.js keeps compiled code (Node 22+): one for the whole run, so that each test
 * file's CLI does not compile it all anew. Not a leftover: it goes with the run's directory.
 */
const CACHE_HOME = "cache-home";
/**
 * npm 11 on Node 22+ keeps its own compiled code in $TMPDIR/node-compile-cache (lib/cli.js calls
 * module.enableCompileCache()); the package test runs npm. Also not a leftover.
 */
const NPM_COMPILE_CACHE = "node-compile-cache";

export default function setup() {
  // Each vitest project runs this; the first one makes the directory for the whole run.
  if (process.env.MESHLENS_TEST_RUN_DIR !== undefined) return () => undefined;
  const dir = mkdtempSync(join(tmpdir(), "meshlens-test-run-"));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  process.env.MESHLENS_TEST_RUN_DIR = dir;
  process.env.MESHLENS_TEST_CACHE_HOME = join(dir, CACHE_HOME);
  return () => {
    const left = readdirSync(dir).filter(
      (entry) => entry !== CACHE_HOME && entry !== NPM_COMPILE_CACHE,
    );
    rmSync(dir, { recursive: true, force: true });
    delete process.env.MESHLENS_TEST_RUN_DIR;
    delete process.env.MESHLENS_TEST_CACHE_HOME;
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (left.length > 0) {
      // vitest does not fail a run for an error thrown here: the exit code says it instead.
      process.stderr.write(
        `\nFAIL: the tests left ${left.length} entries in the temp dir: ${left.slice(0, 10).join(", ")}\n`,
      );
      process.exitCode = 1;
    }
  };
}
