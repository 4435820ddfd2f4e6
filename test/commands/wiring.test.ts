// argv to options, for every command: the program is built as the CLI builds it, with a runner
// that records the options each command's action would get instead of running it.
import { describe, expect, it } from "vitest";
import { buildProgram, globalOptionsOf, type RawGlobalFlags } from "../../src/program.js";

function parse(...args: string[]) {
  const seen: unknown[] = [];
  const out: string[] = [];
  const output = {
    write: (text: string) => void out.push(text),
    isTTY: false,
    columns: undefined,
    closed: false,
  };
  const program = buildProgram(
    async (options) => {
      seen.push(options);
    },
    { stdout: output, stderr: output, version: "0.0.0" },
    "meshlens",
  );
  return program.parseAsync(["node", "meshlens", ...args]).then(() => ({
    options: seen[0],
    global: globalOptionsOf(program.opts<RawGlobalFlags>()),
  }));
}

describe("argv reaches each command's options", () => {
  it("check", async () => {
    const { options, global } = await parse(
      "--context",
      "prod",
      "-L",
      "mesh",
      "check",
      "--proxy",
      "-n",
      "emojivoto",
      "--prometheus",
      "viz",
      "-o",
      "json",
      "--wait",
      "1m",
    );
    expect(options).toMatchObject({
      output: "json",
      waitMs: 60_000,
      failOn: "error",
      proxy: {
        namespace: "emojivoto",
        leaves: { kind: "prometheus", source: { kind: "viz", namespace: "linkerd-viz" } },
      },
    });
    expect(global).toMatchObject({ context: "prod", linkerdNamespace: "mesh" });
  });

  it("rotation", async () => {
    const { options } = await parse(
      "rotation",
      "--ready-for",
      "bundle=next.pem",
      "-o",
      "json",
      "-n",
      "emojivoto",
      "--no-verify-leaves",
    );
    expect(options).toMatchObject({
      output: "json",
      readyFor: { step: { kind: "bundle", file: "next.pem" } },
      namespace: "emojivoto",
      leaves: undefined,
      offline: undefined,
    });
  });

  it("edges", async () => {
    const { options } = await parse("edges", "po", "-A", "--unmeshed", "--timeout", "2s");
    expect(options).toMatchObject({
      type: "pod",
      namespace: undefined,
      unmeshed: true,
      source: { kind: "proxies", concurrency: 16, timeoutMs: 2000 },
    });
  });

  it("tap", async () => {
    const { options } = await parse(
      "tap",
      "deploy",
      "web",
      "-n",
      "emojivoto",
      "--to",
      "svc/web-svc",
      "-o",
      "wide",
    );
    expect(options).toMatchObject({
      query: {
        target: { type: "deployment", name: "web", namespace: "emojivoto" },
        to: { type: "service", name: "web-svc", namespace: "" },
        maxRps: 100,
      },
      contextNamespace: false,
      format: { kind: "wide" },
    });
  });

  it("identity", async () => {
    const { options } = await parse("identity", "-l", "app=web", "-o", "pem");
    expect(options).toEqual({
      pods: [],
      namespace: undefined,
      selector: "app=web",
      output: "pem",
      timeoutMs: 5000,
    });
  });

  it("demo and completion", async () => {
    expect(
      (await parse("demo", "--scenario", "tls-disabled", "--run-check")).options,
    ).toMatchObject({
      scenario: "tls-disabled",
      runCheck: true,
    });
    expect((await parse("completion", "zsh")).options).toBe("zsh");
  });

  it("global impersonation flags", async () => {
    const { global } = await parse("--as", "jane", "--as-group", "a", "--as-group", "b", "check");
    expect(global.impersonate).toEqual({ user: "jane", groups: ["a", "b"], uid: undefined });
  });
});
