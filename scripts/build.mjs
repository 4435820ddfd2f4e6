// Bundles the CLI with esbuild. Bundling matters for start-up (docs/performance.md). Code splitting
// keeps heavy modules (client-node, @peculiar/x509, ora, the simulator) in chunks loaded only on
// demand, so `meshlens --help` loads none of them.
import { existsSync, readdirSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { build } from "esbuild";
import { bundleOptions, thirdPartyNotices } from "./bundle-options.mjs";

const options = {
  ...bundleOptions,
  splitting: true,
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  // Bundled CommonJS dependencies call require(); give ESM chunks one.
  banner: {
    js: 'import { createRequire as __meshlensRequire } from "node:module"; const require = __meshlensRequire(import.meta.url);',
  },
};

// dist/bin and dist/sea are the standalone binary's (npm run build:binary), kept across builds.
const dist = new URL("../dist/", import.meta.url);
for (const entry of existsSync(dist) ? readdirSync(dist) : [])
  if (entry !== "bin" && entry !== "sea")
    await rm(new URL(entry, dist), { recursive: true, force: true });
await rm(new URL("../dist-tools", import.meta.url), { recursive: true, force: true });

// The CLI: what the package ships (bin/ imports dist/cli.js; demo loads the simulator's chunks).
const result = await build({ ...options, entryPoints: { cli: "src/cli.ts" }, outdir: "dist" });
await writeFile(
  new URL("../dist/THIRD-PARTY-NOTICES.txt", import.meta.url),
  thirdPartyNotices(result.metafile),
);
// The simulator and the metrics parser as libraries, for bench/ and scripts/ (tests import the
// sources): not shipped.
await build({
  ...options,
  entryPoints: { sim: "src/sim/index.ts", metrics: "src/proxy/metrics.ts" },
  outdir: "dist-tools",
  metafile: false,
});
// What each chunk holds and imports, for whoever looks into start-up (esbuild's analyser reads it).
if (process.env.MESHLENS_METAFILE)
  await writeFile(process.env.MESHLENS_METAFILE, JSON.stringify(result.metafile));
