// What CI and scripts rely on, whatever the command: usage errors are exit 2 with meshlens' own
// words, a closed or full stdout never changes the verdict into a pass, signals end with the
// shell's codes, JUnit is XML a parser accepts, and no wait is silent.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SaxesParser } from "saxes";
import { beforeAll, describe, expect, it } from "vitest";
import { linkerdFixtures, scratchDir } from "../fixtures.js";
import {
  exitOf,
  kubeconfigWithPlugin,
  runCli,
  runShell,
  type StartedSim,
  simulatorsForThisFile,
  spawnCli,
  startDemo,
} from "./helpers.js";

const sim = simulatorsForThisFile();

/** Parses XML 1.0 strictly (well-formedness, allowed characters), returning the text it holds. */
function parseXml(xml: string): string {
  const parser = new SaxesParser();
  let text = "";
  parser.on("error", (error) => {
    throw error;
  });
  parser.on("text", (chunk) => {
    text += chunk;
  });
  parser.on("opentag", (tag) => {
    for (const value of Object.values(tag.attributes)) text += `${String(value)}\n`;
  });
  parser.write(xml).close();
  return text;
}

describe("usage errors inside a command", () => {
  it.each([
    [["check", "--expiry-treshold", "30d"], "meshlens: unknown option '--expiry-treshold'"],
    [
      ["check", "extra"],
      "meshlens: too many arguments for 'check'. Expected 0 arguments but got 1.",
    ],
    [["check", "-o"], "meshlens: option '-o, --output <format>' argument missing"],
    [["identity", "--bogus"], "meshlens: unknown option '--bogus'"],
  ])("%j exits 2 with meshlens' prefix", async (args, firstLine) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr.split("\n")[0]).toBe(firstLine);
    expect(run.stdout).toBe("");
  });

  it("holds for every command meshlens has, including ones added later", async () => {
    const help = await runCli(["--help"]);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1] as string);
    expect(commands).toEqual(expect.arrayContaining(["check", "identity", "demo", "completion"]));
    const named = commands.filter((c) => c !== "help");
    const runs = await Promise.all(named.map((command) => runCli([command, "--no-such-flag"])));
    runs.forEach((run, i) => {
      expect({ command: named[i], code: run.code }).toEqual({ command: named[i], code: 2 });
      expect(run.stderr.split("\n")[0]).toBe("meshlens: unknown option '--no-such-flag'");
    });
  });

  it("--help of each command and of meshlens lists every exit code", async () => {
    for (const args of [
      ["--help"],
      ["check", "--help"],
      ["identity", "--help"],
      ["demo", "--help"],
    ]) {
      const run = await runCli(args);
      expect(run.code).toBe(0);
      for (const code of ["0", "1", "2", "3", "130"])
        expect(run.stdout).toMatch(new RegExp(`^ {2}${code} +\\S`, "m"));
      expect(run.stdout).toContain("143 terminated (SIGTERM)");
    }
  });
});

describe("a closed or broken stdout", () => {
  let failing: StartedSim;
  let healthy: StartedSim;
  beforeAll(async () => {
    [failing, healthy] = await Promise.all([sim({ scenario: "issuer-expired" }), sim()]);
  });

  /** The CLI's own exit status in a pipeline whose reader stops early. */
  const throughPipe = async (s: StartedSim, args: string, reader: string) => {
    const run = await runShell(
      `$MESHLENS --kubeconfig ${s.kubeconfigPath} check --wait 0s ${args} | ${reader}; echo "cli=\${PIPESTATUS[0]}"`,
    );
    return { cli: /cli=(\d+)/.exec(run.stdout)?.[1], stderr: run.stderr };
  };

  it("`| head -1` keeps the checks' exit code, in every format", async () => {
    expect(await throughPipe(failing, "", "head -1")).toEqual({ cli: "1", stderr: "" });
    expect(await throughPipe(healthy, "", "head -1")).toEqual({ cli: "0", stderr: "" });
    // A reader that has gone before the first byte: every write meets EPIPE. The four formats run
    // at once (each pipe waits a second for its reader to leave).
    const formats = ["json", "junit", "short", "table"];
    const runs = await Promise.all(
      formats.map((format) => throughPipe(failing, `-o ${format}`, "(exec 0<&-; sleep 1)")),
    );
    expect(runs).toEqual(formats.map(() => ({ cli: "1", stderr: "" })));
  });

  it("a full disk is one line on stderr: exit 3 for a passing run, the verdict for a failing one", async () => {
    const full = await runShell(
      `$MESHLENS --kubeconfig ${healthy.kubeconfigPath} check >/dev/full`,
    );
    expect(full.code).toBe(3);
    expect(full.stderr).toBe(
      "meshlens: cannot write to standard output: ENOSPC: no space left on device\n",
    );
    const failed = await runShell(
      `$MESHLENS --kubeconfig ${failing.kubeconfigPath} check -o json >/dev/full`,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr.split("\n")).toHaveLength(2);
    const version = await runShell("$MESHLENS --version >/dev/full");
    expect(version.code).toBe(3);
    expect(version.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("signals", () => {
  let notReady: StartedSim;
  beforeAll(async () => {
    notReady = await sim({ scenario: "control-plane-not-ready" });
  });

  /** `check --wait 5m` on a control plane that never gets ready, stopped once it says it waits. */
  const stoppedWhileWaiting = async (signal: NodeJS.Signals) => {
    const child = spawnCli(["--kubeconfig", notReady.kubeconfigPath, "check"]);
    let stderr = "";
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    await new Promise<void>((resolve) =>
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        if (stderr.includes("\n")) resolve();
      }),
    );
    const exited = exitOf(child);
    child.kill(signal);
    return { code: await exited, stderr, stdout };
  };

  it("says on stderr, without a terminal, what it waits for and until when", async () => {
    const { stderr } = await stoppedWhileWaiting("SIGTERM");
    expect(stderr).toMatch(
      /^meshlens: waiting until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(--wait\) for "control plane (replica sets|pods) are ready": /,
    );
  });

  it("SIGTERM ends with 143 and SIGINT with 130; what was printed is whole lines", async () => {
    const terminated = await stoppedWhileWaiting("SIGTERM");
    expect(terminated.code).toBe(143);
    const interrupted = await stoppedWhileWaiting("SIGINT");
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout.endsWith("\n")).toBe(true);
  });
});

describe("never waits on nothing", () => {
  it("-L naming a namespace that does not exist fails at once, with no check passing on zero objects", async () => {
    const s = await sim();
    const run = await runCli(["--kubeconfig", s.kubeconfigPath, "-L", "nosuchns", "check"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("× 'linkerd-config' config map exists\n");
    expect(run.stdout).toContain(
      '× control plane Namespace exists\n    The "nosuchns" namespace does not exist\n',
    );
    expect(run.stdout).not.toContain("√ control plane replica sets are ready");
    expect(run.stdout).not.toContain("√ no unschedulable pods");
    const json = await runCli([
      "--kubeconfig",
      s.kubeconfigPath,
      "-L",
      "nosuchns",
      "check",
      "-o",
      "json",
    ]);
    const checks = JSON.parse(json.stdout).categories.flatMap(
      (c: { checks: Array<{ description: string; result: string }> }) => c.checks,
    );
    expect(
      checks.find(
        (c: { description: string }) => c.description === "control plane replica sets are ready",
      ),
    ).toMatchObject({ result: "skipped" });
  });

  it("a namespace without Linkerd in it does not wait for control-plane pods that will not come", async () => {
    const s = await sim();
    // emojivoto exists and has ready replica sets, but no linkerd-config and no control plane.
    const run = await runCli(["--kubeconfig", s.kubeconfigPath, "-L", "emojivoto", "check"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain(
      "× 'linkerd-config' config map exists\n    configmaps \"linkerd-config\" not found\n",
    );
    expect(run.stdout).not.toContain("control plane pods are ready");
  });

  it("offline: an anchors file with no certificate fails instead of passing three checks on none", async () => {
    const dir = scratchDir("meshlens-offline-");
    const anchors = join(dir, "anchors.pem");
    writeFileSync(anchors, "");
    const run = await runCli([
      "check",
      "--anchors",
      anchors,
      "--issuer-cert",
      join(linkerdFixtures, "certs", "valid-crt.pem"),
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `× certificate config is valid\n    no certificates in ${anchors}\n`,
    );
    expect(run.stdout).not.toContain("√ trust anchors");
  });
});

describe("-o junit is XML that report publishers accept", () => {
  const hostile = "evil\u001b]0;owned\u0007\u001b[2J";

  it("escapes control characters from pod names fed through the demo's --objects", async () => {
    const dir = scratchDir("meshlens-junit-");
    const objects = join(dir, "hostile.yaml");
    writeFileSync(
      objects,
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        `  name: ${JSON.stringify(hostile)}`,
        "  namespace: emojivoto",
        "spec:",
        "  replicas: 1",
        "  selector: {matchLabels: {app: evil}}",
        "  template:",
        "    metadata:",
        "      labels: {app: evil}",
        '      annotations: {"sim.meshlens.dev/ready": "false"}',
        "    spec: {serviceAccountName: default, containers: [{name: app, image: app}]}",
        "",
      ].join("\n"),
    );
    const kubeconfig = join(dir, "kc");
    await startDemo(["--objects", objects, "--kubeconfig-out", kubeconfig]);
    const run = await runCli([
      "--kubeconfig",
      kubeconfig,
      ...["check", "--proxy", "--wait", "0s", "-o", "junit"],
    ]);
    expect(run.code).toBe(1);
    const text = parseXml(run.stdout);
    expect(text).toContain('in pod "evil\\x1b]0;owned\\x07\\x1b[2J-');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may be left.
    expect(run.stdout).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  it("escapes a credential plugin's words", async () => {
    const { path: kubeconfig } = kubeconfigWithPlugin(
      await sim(),
      `process.stderr.write(${JSON.stringify(`${hostile} login required`)}); process.exit(1);`,
    );
    const run = await runCli(["--kubeconfig", kubeconfig, "check", "-o", "junit"]);
    expect(run.code).toBe(3);
    expect(parseXml(run.stdout)).toContain("evil\\x1b]0;owned\\x07\\x1b[2J login required");
  });
});
