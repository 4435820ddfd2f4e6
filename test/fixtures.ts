import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Upstream Linkerd data files, copied into the repository (origin and license: its README.md). */
export const linkerdFixtures = join(projectRoot, "test", "fixtures", "linkerd");

export function readFixture(relative: string): string {
  return readFileSync(join(linkerdFixtures, relative), "utf8");
}
