// What the standalone binary promises beyond the npm package (whose whole end-to-end suite it also
// passes): it needs nothing from the machine's Node, and it answers to the name it is called by.
import { copyFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, runCli, runShell, simulatorsForThisFile } from "../e2e/helpers.js";
import { scratchDir } from "../fixtures.js";

const sim = simulatorsForThisFile();

describe("the standalone binary", () => {
  it("runs check with an empty environment: no Node, no PATH", async () => {
    const s = await sim();
    const run = await runShell('env -i "$1" --kubeconfig "$2" check; echo "exit=$?"', {}, [
      cli.command,
      s.kubeconfigPath,
    ]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("Status check results are √");
    expect(run.stdout.trimEnd().endsWith("exit=0")).toBe(true);
  });

  it("leaves NODE_OPTIONS to the user's Node", async () => {
    // A Node would stop at the missing preload; the binary does not read it.
    const run = await runCli(["--help"], { NODE_OPTIONS: "--require=/nonexistent/preload.js" });
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith("Usage: meshlens [options] [command]")).toBe(true);
    expect(run.stderr).toBe("");
  });

  it("is kubectl meshlens as a symlink or a copy named kubectl-meshlens", async () => {
    const dir = scratchDir("meshlens-plugin-");
    symlinkSync(cli.command, join(dir, "kubectl-meshlens"));
    const copies = scratchDir("meshlens-plugin-copy-");
    copyFileSync(cli.command, join(copies, "kubectl-meshlens"));
    for (const pluginDir of [dir, copies]) {
      const run = await runShell("kubectl meshlens --help | head -1; kubectl meshlens nope", {
        PATH: `${pluginDir}:${process.env.PATH ?? ""}`,
      });
      expect(run.stdout).toBe("Usage: kubectl meshlens [options] [command]\n");
      expect(run.stderr.split("\n")[0]).toBe("meshlens: unknown command 'nope'");
      expect(run.code).toBe(2);
    }
  });
});
