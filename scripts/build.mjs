// Bundles the CLI with esbuild. Bundling matters for start-up: measured here, loading
// @kubernetes/client-node unbundled takes ~330 ms, bundled ~110 ms. Code splitting keeps heavy
// modules (client-node, @peculiar/x509, ora, the simulator) in chunks loaded only on demand, so
// `meshlens --help` loads none of them.
import { rm } from "node:fs/promises";
import { build } from "esbuild";

await rm(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  // sim.js: the simulated cluster as a library, and metrics.js the proxy metrics parser, for bench/
  // (tests import the sources directly).
  entryPoints: { cli: "src/cli.ts", sim: "src/sim/simulator.ts", metrics: "src/proxy/metrics.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  // Bundled CommonJS dependencies call require(); give ESM chunks one.
  banner: {
    js: 'import { createRequire as __meshlensRequire } from "node:module"; const require = __meshlensRequire(import.meta.url);',
  },
  legalComments: "linked",
  logLevel: "warning",
});
