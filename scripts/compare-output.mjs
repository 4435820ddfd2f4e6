// Runs this checkout's CLI and another built checkout's CLI against the same simulated cluster, for
// every scenario and a set of command lines, and reports any difference in standard output,
// standard error or exit code. For changes that must not change what users see (issue 12's start-up
// work): `npm run build`, build the other checkout, then
//
//   node scripts/compare-output.mjs ../meshlens-before
//
// Exits 1 when anything differs. The simulator is this checkout's (dist-tools/sim.js).
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startSimulator } from "../dist-tools/sim.js";

const here = new URL("..", import.meta.url).pathname;
const other = process.argv[2];
if (other === undefined) {
  console.error("usage: node scripts/compare-output.mjs OTHER_CHECKOUT");
  process.exit(2);
}
const bins = [join(here, "bin", "meshlens.js"), join(resolve(other), "bin", "meshlens.js")];

/** Runs a CLI to its end without blocking this process, where the simulator lives. */
function run(bin, args) {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { maxBuffer: 1 << 28, env: { PATH: process.env.PATH, HOME: tmpdir(), NO_COLOR: "1" } },
      (error, stdout, stderr) =>
        done({ code: error === null ? 0 : (error.code ?? "signal"), stdout, stderr }),
    );
  });
}

/**
 * What depends on the moment of the run, not on the code: the two CLIs run at the same time, a
 * second apart at most. Certificates' secondsLeft and the current time in x509's expiry message.
 */
function masked(value) {
  return String(value)
    .replace(/"secondsLeft": -?\d+/g, '"secondsLeft": N')
    .replace(/current time \S+Z/g, "current time T");
}

const COMMAND_LINES = [
  ["check", "--wait", "0s"],
  ["check", "--wait", "0s", "-o", "json"],
  ["check", "--wait", "0s", "-o", "short"],
  ["check", "--wait", "0s", "-o", "junit"],
  ["check", "--wait", "0s", "--proxy"],
  ["check", "--wait", "0s", "--proxy", "-o", "json"],
  ["identity", "-A"],
  ["edges", "deploy", "-A"],
  ["edges", "po", "-n", "emojivoto", "-o", "json"],
];

const listing = await run(bins[0], ["demo", "--list-scenarios"]);
const scenarios = listing.stdout
  .split("\n")
  .map((line) => line.split(/\s+/)[0])
  .filter((name) => name && name !== "scale");

let differences = 0;
let compared = 0;
for (const scenario of scenarios) {
  const sim = await startSimulator({
    scenario,
    kubeconfigPath: join(mkdtempSync(join(tmpdir(), "meshlens-compare-")), "kubeconfig"),
  });
  try {
    for (const line of COMMAND_LINES) {
      const args = ["--kubeconfig", sim.kubeconfigPath, ...line];
      const [ours, theirs] = await Promise.all(bins.map((bin) => run(bin, args)));
      compared += 1;
      for (const part of ["code", "stdout", "stderr"]) {
        if (masked(ours[part]) === masked(theirs[part])) continue;
        differences += 1;
        console.log(`${scenario}: meshlens ${line.join(" ")}: ${part} differs`);
        const [a, b] = [masked(ours[part]).split("\n"), masked(theirs[part]).split("\n")];
        const at = a.findIndex((text, i) => text !== b[i]);
        console.log(`  line ${at + 1}, this:  ${JSON.stringify(a[at])}`);
        console.log(`  line ${at + 1}, other: ${JSON.stringify(b[at])}`);
      }
    }
  } finally {
    await sim.close();
  }
}
console.log(
  `${compared} runs on ${scenarios.length} scenarios: ${differences === 0 ? "the same output" : `${differences} differences`}`,
);
process.exitCode = differences === 0 ? 0 : 1;
