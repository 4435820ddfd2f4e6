// Bundles the CLI with esbuild. Bundling matters for start-up (docs/performance.md). Code splitting
// keeps heavy modules (client-node, @peculiar/x509, ora, the simulator) in chunks loaded only on
// demand, so `meshlens --help` loads none of them.
import { readdirSync, readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * client-node's KubeConfig (dist/config.js) is what meshlens uses of it: kubeconfig, contexts,
 * auth, exec plugins, proxy-url. Two of its imports serve only methods meshlens never calls:
 * `./gen/index.js` (the generated API classes and their model serializers, for makeApiClient)
 * and node-fetch (its Headers, for applyToFetchOptions; it brings whatwg-url and tr46's table).
 * Bundled, they were most of the code every command reaching the cluster parsed (issue 12;
 * docs/performance.md). Here they resolve to stand-ins that say so if a later client-node ever calls them on
 * the paths meshlens uses; test/e2e exercises those paths (tokens, client certificates, exec
 * plugins) on every run.
 */
const unusedByKubeConfig = {
  name: "client-node-unused",
  setup(build) {
    const fromConfig = (args) =>
      /@kubernetes[/\\]client-node[/\\]dist[/\\]config\.js$/.test(args.importer);
    build.onResolve({ filter: /^(\.\/gen\/index\.js|node-fetch)$/ }, (args) =>
      fromConfig(args) ? { path: args.path, namespace: "client-node-unused" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "client-node-unused" }, (args) => {
      const names =
        args.path === "node-fetch" ? ["Headers"] : ["createConfiguration", "ServerConfiguration"];
      const stub = (name) =>
        `export function ${name}() { throw new Error("meshlens does not bundle client-node's ${name} (${args.path}); see scripts/build.mjs"); }`;
      return { contents: names.map(stub).join("\n"), loader: "js" };
    });
  },
};

/**
 * `node:http` is required, not imported. Node 22+ gives node:http lazy getters for undici's
 * WebSocket and friends, and the ES module facade of a built-in reads every export, so an import
 * loads undici (docs/performance.md). Every command that reaches the cluster imports it
 * (meshlens and client-node's config.js).
 */
const httpByRequire = {
  name: "node-http-by-require",
  setup(build) {
    build.onResolve({ filter: /^(node:)?http$/ }, (args) =>
      args.namespace === "node-http-by-require"
        ? { path: "node:http", external: true }
        : { path: "node:http", namespace: "node-http-by-require" },
    );
    build.onLoad({ filter: /.*/, namespace: "node-http-by-require" }, () => ({
      contents: 'module.exports = require("node:http");',
      loader: "js",
    }));
  },
};

const options = {
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  // A package's ES module build where it has one (asn1js, @peculiar's ASN.1 schemas, pvtsutils
  // publish both): esbuild tree-shakes it and needs no CommonJS wrapper to run at load
  // (docs/performance.md).
  mainFields: ["module", "main"],
  target: "node20",
  minify: true,
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  // Bundled CommonJS dependencies call require(); give ESM chunks one.
  banner: {
    js: 'import { createRequire as __meshlensRequire } from "node:module"; const require = __meshlensRequire(import.meta.url);',
  },
  // The bundled packages' licences ship whole, in dist/THIRD-PARTY-NOTICES.txt.
  legalComments: "none",
  logLevel: "warning",
  plugins: [unusedByKubeConfig, httpByRequire],
  metafile: true,
};

for (const dir of ["../dist", "../dist-tools"])
  await rm(new URL(dir, import.meta.url), { recursive: true, force: true });
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

/**
 * Every package whose code is bundled into dist/, with its version, licence and licence text, in
 * one file (npm does not install them: dist/ needs none at run time).
 */
function thirdPartyNotices(metafile) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match === null) continue;
    const dir = join(root, match[1]);
    if (packages.has(dir)) continue;
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const licenseFile = readdirSync(dir).find((name) =>
      /^(licen[cs]e|copying)([.-]|$)/i.test(name),
    );
    packages.set(dir, {
      name: manifest.name,
      version: manifest.version,
      license: typeof manifest.license === "string" ? manifest.license : "see its text",
      text: licenseFile ? readFileSync(join(dir, licenseFile), "utf8").trim() : undefined,
    });
  }
  const sorted = [...packages.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  return [
    "meshlens bundles the code of these packages into dist/. Their licences follow.",
    "",
    ...sorted.flatMap((p) => [
      "-".repeat(78),
      `${p.name} ${p.version} (${p.license})`,
      "",
      p.text ?? `(no licence file in the package; its package.json says ${p.license})`,
      "",
    ]),
  ].join("\n");
}
