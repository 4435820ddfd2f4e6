// Run by scripts/train-code-cache.mjs with the Node the binary carries:
//   node code-cache-trainer.cjs WRAPPED_CLI FILENAME CACHE_OUT ARGS...
// compiles the wrapped CLI exactly as the binary will (src/binary/main.ts), runs it with ARGS as its
// command line, and when the process exits writes V8's code cache of everything the run compiled.
const { readFileSync, writeFileSync } = require("node:fs");
const { Script } = require("node:vm");

const [, , wrapped, filename, cacheOut, ...args] = process.argv;
const cli = new Script(readFileSync(wrapped, "utf8"), { filename });
process.on("exit", () => writeFileSync(cacheOut, cli.createCachedData()));
process.argv = [process.execPath, "meshlens", ...args];
cli.runInThisContext()(require, module, exports, __filename, __dirname);
