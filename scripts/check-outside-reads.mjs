// A fresh clone has no ../shared beside it (the product documents the team keeps there), so no
// file in the repository may read it: the tests' upstream data lives in test/fixtures/. Every
// `../shared` path in code, tests and config is resolved from its file's folder and must stay
// inside the repository (src/shared/ is the CLI's and simulator's own). Prose may mention it.
// Run by .ci/run.
import { execFileSync } from "node:child_process";
import { dirname, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
let hits;
try {
  hits = execFileSync(
    "git",
    ["grep", "-nE", String.raw`(\.\./)+shared|"\.\.", *"shared"`, "--", ":!*.md", ":!.ci/run"],
    { cwd: root, encoding: "utf8" },
  );
} catch {
  hits = ""; // git grep exits 1 when nothing matches
}
const outside = [];
for (const hit of hits.split("\n").filter(Boolean)) {
  const [file, line, ...rest] = hit.split(":");
  const text = rest.join(":");
  const paths = [...text.matchAll(/((?:\.\.\/)+shared)\b/g)].map((m) => m[1]);
  if (/"\.\.", *"shared"/.test(text)) paths.push("../shared (path.join)");
  for (const path of paths) {
    const target = resolve(root, dirname(file), path.replace(" (path.join)", ""));
    if (path.endsWith("(path.join)") || relative(root, target).startsWith(".."))
      outside.push(`${file}:${line}: ${text.trim()}`);
  }
}
for (const line of outside) console.error(line);
if (outside.length > 0) {
  console.error("the lines above read ../shared, outside the repository; copy what they need in");
  process.exit(1);
}
console.log("no file reads ../shared outside the repository");
