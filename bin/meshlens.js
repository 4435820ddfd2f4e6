#!/usr/bin/env node
// A thin shim: the CLI itself is bundled into dist/ by scripts/build.mjs.
import module from "node:module";

// Node >= 22.1 caches compiled code between runs; older Node simply skips it.
module.enableCompileCache?.();
await import("../dist/cli.js");
