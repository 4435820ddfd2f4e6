// What a run costs before it does anything: the code each command loads, and the API requests
// `check` makes (issue 12). Timings are in bench/; these are the causes, which cannot drift back
// unnoticed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { needsRootStoreWarmup } from "../../src/k8s/root-store-warmup.js";
import { projectRoot, scratchDir } from "../fixtures.js";
import { npmPackageCli, runCli, simulatorsForThisFile } from "./helpers.js";

const sim = simulatorsForThisFile();
const recorder = pathToFileURL(join(projectRoot, "test", "e2e", "record-loads.mjs")).href;

/** The npm packages (and client-node's files) in the bundled code a command line loads. */
async function loadedBy(
  args: string[],
): Promise<{ packages: Set<string>; files: Set<string>; builtins: Set<string> }> {
  const log = join(scratchDir("meshlens-loads-"), "loads.txt");
  // The npm package's files, whichever CLI the run tests: the binary is one script, loads no file.
  const run = await runCli(
    args,
    { NODE_OPTIONS: `--import=${recorder}`, MESHLENS_LOAD_LOG: log },
    npmPackageCli,
  );
  expect(run.stderr).toBe("");
  const packages = new Set<string>();
  const files = new Set<string>();
  const urls = readFileSync(log, "utf8").split("\n");
  // Built-ins imported as ES modules (a require() does not pass through the loader).
  const builtins = new Set(urls.filter((url) => url.startsWith("node:")));
  const loaded = urls.filter((url) => url.includes("/dist/"));
  for (const url of loaded) {
    // Each bundled file names the sources it holds in its source map.
    const map = JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, "utf8")) as {
      sources: string[];
    };
    for (const source of map.sources) {
      const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(source);
      if (inPackage === null) continue;
      packages.add(inPackage[1] as string);
      files.add(`${inPackage[1]}/${inPackage[2]}`);
    }
  }
  return { packages, files, builtins };
}

describe("start-up", () => {
  it("--version loads no dependency", async () => {
    const { packages } = await loadedBy(["--version"]);
    expect([...packages]).toEqual([]);
  });

  it("--help loads the command line's parser and colours, nothing that talks or renders", async () => {
    const { packages } = await loadedBy(["--help"]);
    expect([...packages].sort()).toEqual(["chalk", "commander"]);
  });

  it("check loads client-node's kubeconfig code, not its API classes, fetch, ws or a second YAML library", async () => {
    const s = await sim();
    const { packages, files, builtins } = await loadedBy([
      "--kubeconfig",
      s.kubeconfigPath,
      "check",
      "--wait",
      "0s",
    ]);
    expect(packages).toContain("@kubernetes/client-node");
    expect(packages).toContain("js-yaml");
    expect(packages).toContain("@peculiar/asn1-x509");
    for (const absent of ["ws", "node-fetch", "tr46", "whatwg-url", "yaml", "cli-table3", "ora"])
      expect(packages, absent).not.toContain(absent);
    const generated = [...files].filter((file) =>
      file.startsWith("@kubernetes/client-node/dist/gen/"),
    );
    expect(generated).toEqual([]);
    // Its ES module facade loads undici on Node 22+ (~45 ms); required, it does not.
    expect(builtins).not.toContain("node:http");
    expect(builtins).toContain("node:https");
  });
});

describe("the TLS root store's warm-up (Node 20 builds the store on the first connection)", () => {
  it("starts before the program's code loads, on the Node versions that need it", async () => {
    const s = await sim();
    const log = join(scratchDir("meshlens-loads-"), "loads.txt");
    const run = await runCli(
      ["--kubeconfig", s.kubeconfigPath, "check", "--wait", "0s"],
      { NODE_OPTIONS: `--import=${recorder}`, MESHLENS_LOAD_LOG: log },
      npmPackageCli,
    );
    expect(run.code).toBe(0);
    const entries = readFileSync(log, "utf8").split("\n");
    const workers = entries.filter((entry) => entry === "worker").length;
    if (!needsRootStoreWarmup(process.versions.node)) {
      expect(workers).toBe(0);
      return;
    }
    expect(workers).toBe(1);
    const program = entries.findIndex((entry) => /\/dist\/chunks\/program-[^/]*\.js$/.test(entry));
    expect(program).toBeGreaterThan(-1);
    expect(entries.indexOf("worker")).toBeLessThan(program);
  });

  it("is not started for help or for commands that make no connection", async () => {
    for (const args of [["--help"], ["check", "--help"], ["completion", "bash"]]) {
      const log = join(scratchDir("meshlens-loads-"), "loads.txt");
      const env = { NODE_OPTIONS: `--import=${recorder}`, MESHLENS_LOAD_LOG: log };
      await runCli(args, env, npmPackageCli);
      expect(readFileSync(log, "utf8").split("\n"), args.join(" ")).not.toContain("worker");
    }
  });
});

describe("check's API requests", () => {
  it("asks for each object once", async () => {
    const s = await sim();
    const before = new Map(s.api.stats.byPath);
    const run = await runCli(["--kubeconfig", s.kubeconfigPath, "check", "--wait", "0s"]);
    expect(run.code).toBe(0);
    const twice = [...s.api.stats.byPath]
      .map(([path, count]) => [path, count - (before.get(path) ?? 0)] as const)
      .filter(([, count]) => count > 1);
    expect(twice).toEqual([]);
  });
});
