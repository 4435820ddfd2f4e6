// The boundaries of the code, checked by `npm test` (npm run check:boundaries). docs/architecture.md
// explains the layers; a rule here says which import would break one.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "No import cycle anywhere, type-only imports included.",
      from: {},
      to: { circular: true },
    },
    {
      name: "types-import-only-types",
      severity: "error",
      comment: "A types module imports no implementation: only other types modules.",
      from: { path: "^src/.*/types\\.ts$" },
      to: { path: "^src/", pathNot: "/types\\.ts$" },
    },
    {
      name: "client-node-only-in-k8s",
      severity: "error",
      comment: "@kubernetes/client-node stays behind the k8s layer (src/k8s).",
      from: { pathNot: "^src/k8s/" },
      to: { path: "@kubernetes/client-node" },
    },
    {
      name: "sim-only-through-its-entry",
      severity: "error",
      comment: "Outside the simulator, only sim/index.ts is imported (it loads the rest lazily).",
      from: { path: "^src/", pathNot: "^src/sim/" },
      to: { path: "^src/sim/", pathNot: "^src/sim/index\\.ts$" },
    },
    {
      name: "sim-is-a-guest",
      severity: "error",
      comment: "The simulator shares code with the CLI only through src/shared.",
      from: { path: "^src/sim/" },
      to: { path: "^src/", pathNot: "^src/(sim|shared)/" },
    },
    {
      name: "shared-stands-alone",
      severity: "error",
      comment: "src/shared is the common base of the CLI and the simulator: it imports neither.",
      from: { path: "^src/shared/" },
      to: { path: "^src/", pathNot: "^src/shared/" },
    },
    {
      name: "domain-knows-no-terminal",
      severity: "error",
      comment:
        "The domain returns typed results: no commander, chalk, ora or cli-table3, no commands, renderers or context.",
      from: { path: "^src/(checks|certs|edges|tap|proxy|identity|k8s)/" },
      to: {
        path: [
          "^src/(commands|render)/",
          "^src/context\\.ts$",
          "^src/program\\.ts$",
          "node_modules/(commander|chalk|ora|cli-table3)/",
        ],
      },
    },
    {
      name: "renderers-read-results",
      severity: "error",
      comment:
        "Renderers turn results into text: they reach no cluster, proxy, command or context.",
      from: { path: "^src/render/" },
      to: { path: ["^src/(k8s|proxy|sim|commands)/", "^src/context\\.ts$"] },
    },
    {
      name: "heavy-packages-behind-their-boundary",
      severity: "error",
      comment:
        "Each heavy package is imported by one module, which the commands load lazily (docs/architecture.md).",
      from: {
        pathNot: ["^src/certs/x509\\.ts$", "^src/sim/"],
      },
      to: { path: "node_modules/@peculiar/" },
    },
    {
      name: "prom-client-only-in-the-exporter-metrics",
      severity: "error",
      comment: "prom-client is the exporter's alone, loaded when `meshlens exporter` runs.",
      from: { pathNot: "^src/exporter/metrics\\.ts$" },
      to: { path: "node_modules/prom-client/" },
    },
    {
      name: "jsonpath-only-in-its-renderer",
      severity: "error",
      from: { pathNot: "^src/render/jsonpath\\.ts$" },
      to: { path: "node_modules/jsonpath-plus/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
    exclude: { path: "^src/shared/generated/" },
  },
};
