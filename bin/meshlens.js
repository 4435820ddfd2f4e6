#!/usr/bin/env node
// A thin shim: the CLI itself is bundled into dist/ by scripts/build.mjs.
import { mkdirSync, statSync } from "node:fs";
import module from "node:module";
import { isAbsolute, join } from "node:path";

// Dependencies' deprecation warnings (on Node 22+, e.g. url.parse()) mean nothing to someone
// running the CLI; keep stderr for meshlens.
process.noDeprecation = true;

/**
 * Where compiled code may be cached: the user's cache directory ($XDG_CACHE_HOME/meshlens, else
 * ~/.cache/meshlens), made private, never a world-writable place such as Node's default under the
 * temp directory (another user could plant code there). No home, or one that cannot be written:
 * no cache, silently.
 */
function compileCacheDir() {
  const xdg = process.env.XDG_CACHE_HOME;
  const home = process.env.HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : home && isAbsolute(home) ? join(home, ".cache") : "";
  if (base === "") return undefined;
  const dir = join(base, "meshlens");
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = statSync(dir);
    const ours = typeof process.getuid !== "function" || stat.uid === process.getuid();
    return stat.isDirectory() && ours && (stat.mode & 0o022) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

// Node >= 22.1 caches compiled code between runs; older Node simply skips it.
if (typeof module.enableCompileCache === "function") {
  const dir = compileCacheDir();
  if (dir !== undefined) module.enableCompileCache(dir);
}
await import("../dist/cli.js");
