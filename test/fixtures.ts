import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Upstream Linkerd data files, copied into the repository (origin and license: its README.md). */
export const linkerdFixtures = join(projectRoot, "test", "fixtures", "linkerd");

export function readFixture(relative: string): string {
  return readFileSync(join(linkerdFixtures, relative), "utf8");
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** A new directory in the temp dir, removed when the calling test file ends. */
export function scratchDir(prefix = "meshlens-scratch-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
