// The Node the standalone binary carries (scripts/build-binary.mjs): the current LTS line, pinned so
// that a release is reproducible. bench/binary.mjs compares the binary with it.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const NODE_FOR_BINARY = "26.12.1";

/** Where build-binary keeps the Node of a platform it took from npm, by version. */
export function cachedNodePrefix(root, platformArch, version = NODE_FOR_BINARY) {
  return join(root, "node_modules", ".cache", "meshlens-binary", `node-${platformArch}-${version}`);
}

/**
 * The `node` of npm's node-PLATFORM-ARCH package at `version` (a version or a major line), installed
 * into `prefix` unless it is there already (--force: npm installs another platform's too). Throws
 * with npm's words when it cannot.
 */
export function nodeFromNpm(prefix, platformArch, version) {
  const binary = join(prefix, "node_modules", `node-${platformArch}`, "bin", "node");
  if (existsSync(binary)) return binary;
  const packageName = `node-${platformArch}@${version}`;
  try {
    execFileSync(
      "npm",
      [
        "install",
        "--prefix",
        prefix,
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--force",
        packageName,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
  } catch (error) {
    throw new Error(`cannot install ${packageName} from npm: ${error.stderr ?? error.message}`);
  }
  return binary;
}
