// The compiled-code cache (bin/meshlens.js; issue 22): in the user's cache directory, private,
// never a world-writable place; no home or an unwritable one means no cache and no word about it.
// On a Node without module.enableCompileCache (20) there is no cache at all; the standalone binary
// carries its code cache inside and writes none.
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import module from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scratchDir } from "../fixtures.js";
import { cli, runCli } from "./helpers.js";

const caches =
  !cli.binary &&
  typeof (module as { enableCompileCache?: unknown }).enableCompileCache === "function";

describe("the compile cache", () => {
  it(caches ? "lives in ~/.cache/meshlens, mode 700" : "is not made by this CLI", async () => {
    const home = scratchDir("meshlens-cache-home-");
    // No XDG_CACHE_HOME (the tests' shared one): the home's.
    const run = await runCli(["--help"], { HOME: home, XDG_CACHE_HOME: "" });
    expect(run.code).toBe(0);
    const dir = join(home, ".cache", "meshlens");
    expect(existsSync(dir)).toBe(caches);
    if (caches) {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(readdirSync(dir).length).toBeGreaterThan(0);
    }
  });

  it("follows $XDG_CACHE_HOME, and never uses a directory others may write", async () => {
    const home = scratchDir("meshlens-cache-home-");
    const xdg = scratchDir("meshlens-cache-xdg-");
    expect((await runCli(["--help"], { HOME: home, XDG_CACHE_HOME: xdg })).code).toBe(0);
    expect(existsSync(join(xdg, "meshlens"))).toBe(caches);
    expect(existsSync(join(home, ".cache"))).toBe(false);
    const shared = scratchDir("meshlens-cache-shared-");
    mkdirSync(join(shared, "meshlens"));
    chmodSync(join(shared, "meshlens"), 0o777);
    expect((await runCli(["--help"], { HOME: home, XDG_CACHE_HOME: shared })).code).toBe(0);
    expect(readdirSync(join(shared, "meshlens"))).toEqual([]);
  });

  it("a home that cannot hold it is no cache, silently", async () => {
    // A file where the home should be (mkdir fails, even for root), and a relative HOME.
    const notADirectory = join(scratchDir("meshlens-cache-file-"), "home");
    writeFileSync(notADirectory, "");
    for (const home of [notADirectory, "relative/home"]) {
      const env = { HOME: home, XDG_CACHE_HOME: "" };
      const run = await runCli(["--version"], env);
      expect(run).toEqual({ code: 0, stdout: "0.1.0\n", stderr: "" });
    }
    expect(statSync(notADirectory).isFile()).toBe(true);
  });
});
