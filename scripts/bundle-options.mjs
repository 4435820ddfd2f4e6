// What both bundles share: the CLI of the npm package (scripts/build.mjs, ES modules split into
// chunks) and the standalone binary's single script (scripts/build-binary.mjs).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

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
export const unusedByKubeConfig = {
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
        `export function ${name}() { throw new Error("meshlens does not bundle client-node's ${name} (${args.path}); see scripts/bundle-options.mjs"); }`;
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
export const httpByRequire = {
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

export const bundleOptions = {
  bundle: true,
  platform: "node",
  // A package's ES module build where it has one (asn1js, @peculiar's ASN.1 schemas, pvtsutils
  // publish both): esbuild tree-shakes it and needs no CommonJS wrapper to run at load
  // (docs/performance.md).
  mainFields: ["module", "main"],
  minify: true,
  // The bundled packages' licences ship whole, in dist/THIRD-PARTY-NOTICES.txt.
  legalComments: "none",
  logLevel: "warning",
  plugins: [unusedByKubeConfig, httpByRequire],
  metafile: true,
};

/**
 * Every package whose code is bundled into dist/, with its version, licence and licence text, in
 * one file (npm does not install them: meshlens needs none at run time).
 */
export function thirdPartyNotices(metafile) {
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
    "meshlens bundles the code of these packages into meshlens. Their licences follow.",
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
