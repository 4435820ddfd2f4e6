// What the standalone binary carries besides its main script, named once for the build
// (scripts/build-binary.mjs bundles this file to dist/sea/assets.mjs and imports it) and the entry
// (main.ts).

/** The CLI's bundle, wrapped by wrapAsModule. */
export const CLI_ASSET = "meshlens.js";
/** V8's code cache of that text, made by running a command on it at build time. */
export const CODE_CACHE_ASSET = "meshlens.cache";
/** The file name stack traces give the CLI's code. */
export const CLI_FILENAME = "meshlens.js";

/**
 * A CommonJS bundle as the function Node wraps a module in. V8's code cache belongs to the exact
 * text compiled, so the build's training run and the binary compile this same text.
 */
export function wrapAsModule(bundle: string): string {
  return `(function (require, module, exports, __filename, __dirname) {${bundle}\n})`;
}
