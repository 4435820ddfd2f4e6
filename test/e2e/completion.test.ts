// `meshlens completion bash|zsh|fish`, loaded into the real shells: what they offer after a few
// typed words (bash, fish), and that zsh loads it and binds it to both names.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { scratchDir } from "../fixtures.js";
import { runCli, toolForTests } from "./helpers.js";

const zshTool = toolForTests("zsh", ["--version"], "the zsh completion test");
const fishTool = toolForTests("fish", ["--version"], "the fish completion test");
const dir = scratchDir("meshlens-completion-");
const scripts: Record<string, string> = {};

function shell(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { PATH: process.env.PATH ?? "", HOME: dir, TMPDIR: tmpdir() } },
      (error, out) => (error ? reject(error) : resolve(out)),
    );
  });
}

beforeAll(async () => {
  for (const name of ["bash", "zsh", "fish"]) {
    const run = await runCli(["completion", name]);
    expect(run.code).toBe(0);
    scripts[name] = join(dir, `meshlens.${name}`);
    writeFileSync(scripts[name] as string, run.stdout);
  }
});

describe("meshlens completion", () => {
  /** What bash offers for the words typed so far (the last one being completed). */
  const bashOffers = (...words: string[]) =>
    shell("bash", [
      "-c",
      `source ${scripts.bash}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _meshlens; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ]).then((out) => out.split("\n").filter(Boolean));

  it("bash: commands, flags, -o values, scenario names; for kubectl-meshlens too", async () => {
    expect(await bashOffers("meshlens", "")).toEqual(
      expect.arrayContaining(["check", "identity", "demo", "completion", "--kubeconfig"]),
    );
    expect(await bashOffers("meshlens", "check", "-o", "")).toEqual([
      "table",
      "json",
      "short",
      "junit",
    ]);
    expect(await bashOffers("meshlens", "identity", "--output", "")).toEqual([
      "text",
      "json",
      "pem",
    ]);
    expect(await bashOffers("meshlens", "check", "--pro")).toEqual([
      "--proxy",
      "--prometheus",
      "--proxy-concurrency",
      "--proxy-timeout",
    ]);
    expect(await bashOffers("meshlens", "demo", "--scenario", "proxies-")).toEqual([
      "proxies-not-ready",
      "proxies-unresponsive",
    ]);
    expect(await bashOffers("meshlens", "--context", "x", "completion", "")).toEqual(
      expect.arrayContaining(["bash", "zsh", "fish"]),
    );
    // The resource types edges and tap take; tap's --path is a URL path, not a file (issue 16).
    expect(await bashOffers("meshlens", "edges", "de")).toEqual(["deployment", "deploy"]);
    expect(await bashOffers("meshlens", "tap", "n")).toEqual(["namespace", "ns"]);
    expect(await bashOffers("meshlens", "tap", "--path", "")).toEqual([]);
    const bound = await shell("bash", [
      "-c",
      `source ${scripts.bash}; complete -p kubectl-meshlens`,
    ]);
    expect(bound.trim()).toBe("complete -F _meshlens kubectl-meshlens");
  });

  it.skipIf(zshTool.skip)(
    "zsh: the script parses, and compinit binds it to both names",
    async () => {
      await shell("zsh", ["-n", scripts.zsh as string]);
      const bound = await shell("zsh", [
        "-c",
        `autoload -U compinit; compinit -u -D; source ${scripts.zsh}; print -r -- $_comps[meshlens] $_comps[kubectl-meshlens]`,
      ]);
      expect(bound.trim()).toBe("_meshlens _meshlens");
    },
  );

  it.skipIf(fishTool.skip)("fish: complete -C offers the same", async () => {
    const offers = async (line: string) =>
      (await shell("fish", ["-c", `source ${scripts.fish}; complete -C '${line}'`]))
        .split("\n")
        .filter(Boolean)
        .map((entry) => entry.split("\t")[0]);
    expect(await offers("meshlens check -o ")).toEqual(["json", "junit", "short", "table"]);
    expect(await offers("meshlens ch")).toEqual(["check"]);
    expect(await offers("kubectl-meshlens demo --scenario proxies-")).toEqual([
      "proxies-not-ready",
      "proxies-unresponsive",
    ]);
  });

  it("an unknown shell is a usage error", async () => {
    const run = await runCli(["completion", "powershell"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('meshlens: unsupported shell "powershell": use bash, zsh or fish\n');
  });
});
