// The standalone binary's entry (its single-executable main script; scripts/build-binary.mjs, docs/
// binary.md). A bare --version is answered as src/cli.ts answers it, before anything loads. Anything
// else runs the CLI's own bundle (cli.ts as one CommonJS script) from the binary's assets with the V8
// code cache the build made by running it: Node's `useCodeCache` would hold only what V8 compiles
// before a script runs, not the functions a command calls (docs/performance.md).
import { getAsset } from "node:sea";
import { Script } from "node:vm";
import { asksOnlyForVersion, printVersion } from "../version.js";
import { CLI_ASSET, CLI_FILENAME, CODE_CACHE_ASSET } from "./assets.js";

if (asksOnlyForVersion(process.argv.slice(2))) process.exit(printVersion());
else {
  const cli = new Script(getAsset(CLI_ASSET, "utf8"), {
    filename: CLI_FILENAME,
    ...codeCache(),
  });
  // The asset is the bundle wrapped as a CommonJS module's function (wrapAsModule in assets.ts).
  cli.runInThisContext()(require, module, exports, __filename, __dirname);
}

/** The build's code cache; none in a build for another platform (V8 makes it for its own). */
function codeCache(): { cachedData?: Uint8Array } {
  try {
    return { cachedData: new Uint8Array(getAsset(CODE_CACHE_ASSET)) };
  } catch {
    return {};
  }
}
