// Fails when the committed protobuf code (src/shared/generated/) is not what scripts/gen-proto.mjs
// makes of proto/*.proto now. CI runs it as its own step (npm run check:generated): regenerating
// takes seconds the test suite need not spend on every run.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), "meshlens-generated-"));
try {
  execFileSync(process.execPath, [join(root, "scripts", "gen-proto.mjs"), out]);
  const stale = ["tap-proto.js", "tap-proto.d.ts"].filter(
    (file) =>
      readFileSync(join(out, file), "utf8") !==
      readFileSync(join(root, "src", "shared", "generated", file), "utf8"),
  );
  if (stale.length > 0) {
    console.error(
      `src/shared/generated/${stale.join(", ")}: not what proto/*.proto gives; run node scripts/gen-proto.mjs`,
    );
    process.exitCode = 1;
  } else console.log("src/shared/generated/ is what proto/*.proto gives");
} finally {
  rmSync(out, { recursive: true, force: true });
}
