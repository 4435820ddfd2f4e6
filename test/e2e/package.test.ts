// What ships must work: the package as `npm pack` makes it, installed into an empty prefix (its
// dependencies from the npm cache `npm ci` filled), run by its installed names.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { projectRoot, scratchDir } from "../fixtures.js";
import type { CliRun } from "./helpers.js";
import { home, toolForTests } from "./helpers.js";

const version: string = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")).version;
const kubectlTool = toolForTests("kubectl", ["version", "--client"], "the kubectl plugin test");
const prefix = join(scratchDir("meshlens-package-"), "prefix");
const installedBin = join(prefix, "bin");

function run(command: string, args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        // Only the installed package on PATH before the system's (for kubectl and node).
        env: {
          PATH: `${installedBin}:${process.env.PATH ?? ""}`,
          HOME: home(),
          TMPDIR: tmpdir(),
          NO_COLOR: "1",
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ stdout, stderr, code });
      },
    );
  });
}

describe("the packed package, installed", () => {
  let packedFiles: string[] = [];
  beforeAll(() => {
    const packDir = scratchDir("meshlens-pack-");
    // dist/ is already built by `npm test`; --ignore-scripts keeps prepack from rebuilding it
    // under the other test files that are running the CLI.
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", packDir], {
        cwd: projectRoot,
        encoding: "utf8",
      }),
    );
    packedFiles = packed.files.map((file: { path: string }) => file.path);
    execFileSync(
      "npm",
      [
        ...["install", "--global", "--prefix", prefix, join(packDir, packed.filename)],
        ...["--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"],
      ],
      { stdio: "ignore" },
    );
  }, 180_000);

  it("ships the bundle, its licences and no source maps; installs no dependencies", () => {
    expect(packedFiles).toContain("dist/cli.js");
    expect(packedFiles).toContain("dist/THIRD-PARTY-NOTICES.txt");
    expect(packedFiles).toContain("LICENSE");
    expect(packedFiles.filter((file) => file.endsWith(".map"))).toEqual([]);
    expect(
      packedFiles.filter(
        (file) => !/^(bin|dist|docs)\/|^(LICENSE|README\.md|package\.json)$/.test(file),
      ),
    ).toEqual([]);
    const installed = join(prefix, "lib", "node_modules", "meshlens");
    expect(existsSync(join(installed, "node_modules"))).toBe(false);
    const notices = readFileSync(join(installed, "dist", "THIRD-PARTY-NOTICES.txt"), "utf8");
    for (const bundled of ["@kubernetes/client-node", "commander", "@peculiar/x509", "protobufjs"])
      expect(notices).toMatch(new RegExp(`^${bundled.replace("/", "\\/")} \\d`, "m"));
  });

  it("meshlens --version and check --help", async () => {
    const shown = await run(join(installedBin, "meshlens"), ["--version"]);
    expect(shown).toEqual({ stdout: `${version}\n`, stderr: "", code: 0 });
    const help = await run(join(installedBin, "meshlens"), ["check", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: meshlens check \[options\]/);
    expect(help.stdout).toContain("Exit codes:");
  });

  it("meshlens demo --run-check: a whole run against the simulated cluster", async () => {
    const demo = await run(join(installedBin, "meshlens"), ["demo", "--run-check"]);
    expect(demo.stdout).toContain("Status check results are √\n");
    expect(demo.code).toBe(0);
  });

  it.skipIf(kubectlTool.skip)("kubectl meshlens: kubectl finds it as a plugin", async () => {
    const shown = await run("kubectl", ["meshlens", "--version"]);
    expect(shown).toEqual({ stdout: `${version}\n`, stderr: "", code: 0 });
    const help = await run("kubectl", ["meshlens", "--help"]);
    expect(help.stdout).toMatch(/^Usage: kubectl meshlens \[options\] \[command\]/);
  });
});
