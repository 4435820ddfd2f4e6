// Runs the benchmarks, one process each, and says which met their goals:
//   node bench/run.mjs                       all of them
//   node bench/run.mjs start-up tap-throughput   the ones named
// Each runs with TMPDIR pointing into a directory of the runner's; whatever a benchmark leaves
// there is reported (and the run fails), then removed, so a run leaves nothing in the temp dir.
// Exits 1 when a goal is not met, a benchmark fails or leaves something behind.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const benchDir = new URL(".", import.meta.url).pathname;
const all = readdirSync(benchDir)
  .filter((name) => name.endsWith(".mjs") && name !== "run.mjs")
  .map((name) => name.slice(0, -".mjs".length))
  .sort();
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark: ${unknown.join(", ")} (there are: ${all.join(", ")})`);
  process.exit(2);
}

const privateTmp = mkdtempSync(join(tmpdir(), "meshlens-bench-run-"));
process.on("exit", () => rmSync(privateTmp, { recursive: true, force: true }));
process.on("SIGINT", () => process.exit(130));

function runBenchmark(name) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(benchDir, `${name}.mjs`)], {
      stdio: "inherit",
      env: { ...process.env, TMPDIR: privateTmp },
    });
    child.on("exit", (code, signal) => resolve(signal ? `killed by ${signal}` : code));
  });
}

const outcomes = [];
for (const name of asked.length > 0 ? asked : all) {
  console.log(`\n== ${name}`);
  const code = await runBenchmark(name);
  const entries = readdirSync(privateTmp);
  for (const entry of entries) rmSync(join(privateTmp, entry), { recursive: true, force: true });
  // Nothing may be left: the compile cache lives in each benchmark's own HOME (bin/meshlens.js).
  const left = entries;
  const outcome =
    code === 0 ? "goals met" : code === 1 ? "a goal NOT MET" : `failed (exit ${code})`;
  outcomes.push({ name, ok: code === 0 && left.length === 0, outcome, left });
}

console.log("\n== summary");
for (const { name, outcome, left } of outcomes)
  console.log(
    `${name.padEnd(24)} ${outcome}${left.length > 0 ? `; LEFT IN THE TEMP DIR: ${left.join(", ")}` : ""}`,
  );
process.exitCode = outcomes.every((o) => o.ok) ? 0 : 1;
