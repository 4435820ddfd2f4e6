// Runs dependency-cruiser with the rules in .dependency-cruiser.cjs over src/ (npm test runs it).
// dependency-cruiser reads TypeScript with the TypeScript compiler API, which it supports up to
// TypeScript 6; the project compiles with TypeScript 7 (a native compiler without that API). So
// TypeScript 6 is installed beside it as `typescript-for-tools`, and dependency-cruiser is given it
// as its own `typescript` (a link in its nested node_modules, which install state holds, not git).
// Its `tsc` bin takes node_modules/.bin/tsc, so `npm run typecheck` names TypeScript 7's by path.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nested = join(root, "node_modules", "dependency-cruiser", "node_modules");
const link = join(nested, "typescript");
const target = relative(nested, join(root, "node_modules", "typescript-for-tools"));
let current;
try {
  current = readlinkSync(link);
} catch {
  current = undefined;
}
if (current !== target) {
  if (current !== undefined || existsSync(link)) rmSync(link, { recursive: true, force: true });
  mkdirSync(nested, { recursive: true });
  symlinkSync(target, link, "dir");
}
try {
  execFileSync(
    process.execPath,
    [join(root, "node_modules", ".bin", "depcruise"), "src", "--config", ".dependency-cruiser.cjs"],
    { cwd: root, stdio: "inherit" },
  );
} catch {
  process.exit(1);
}
