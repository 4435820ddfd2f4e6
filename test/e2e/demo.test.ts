// `meshlens demo` as a user runs it: a long-lived child process serving the simulated cluster.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectRoot } from "../fixtures.js";
import { runCli } from "./helpers.js";

const bin = join(projectRoot, "bin", "meshlens.js");
const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) child.kill("SIGKILL");
});

/** Starts `meshlens demo`, resolving with what it said on stderr once it serves. */
function startDemo(args: string[]): Promise<{ child: ChildProcess; said: () => string }> {
  const child = spawn(process.execPath, [bin, "demo", ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: tmpdir(), NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      stderr += chunk;
      if (stderr.includes("Press Ctrl-C to stop.")) resolve({ child, said: () => stderr });
    });
    child.once("exit", (code) => reject(new Error(`demo exited with ${code}: ${stderr}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("meshlens demo", () => {
  it("serves a cluster meshlens reaches through the kubeconfig it writes, lists the proxies' loopback ports, and stops on Ctrl-C", async () => {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), "meshlens-demo-test-")), "kc");
    const { child, said } = await startDemo(["--kubeconfig-out", kubeconfig]);
    expect(said()).toContain(`Kubeconfig: ${kubeconfig}\n`);
    expect(said()).toContain(`Proxy admin ports (11 of 11 proxies): ${kubeconfig}.proxies.json\n`);

    const check = await runCli(["--kubeconfig", kubeconfig, "check", "--proxy", "-o", "short"]);
    expect(check.stdout).toBe("Status check results are √\n");
    expect(check.code).toBe(0);

    const proxies = JSON.parse(readFileSync(`${kubeconfig}.proxies.json`, "utf8"));
    expect(proxies).toHaveLength(11);
    expect(proxies[0]).toMatchObject({
      namespace: expect.any(String),
      pod: expect.any(String),
      identity: expect.stringMatching(/\.serviceaccount\.identity\.linkerd\.cluster\.local$/),
      address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });

    const exited = exitOf(child);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(said()).toContain("Simulated cluster stopped.\n");
  });

  it("never overwrites a kubeconfig or a proxies file it did not write", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meshlens-demo-test-"));
    const kubeconfig = join(dir, "config");
    writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\n# the user's own\n");
    const refused = await runCli(["demo", "--kubeconfig-out", kubeconfig, "--run-check"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `meshlens: ${kubeconfig} exists and was not written by meshlens demo; refusing to overwrite it\n`,
    );
    expect(readFileSync(kubeconfig, "utf8")).toBe(
      "apiVersion: v1\nkind: Config\n# the user's own\n",
    );

    const fresh = join(dir, "demo-kc");
    writeFileSync(`${fresh}.proxies.json`, '{"mine": true}\n');
    const refusedProxies = await runCli(["demo", "--kubeconfig-out", fresh, "--run-check"]);
    expect(refusedProxies.code).toBe(2);
    expect(refusedProxies.stderr).toContain(`${fresh}.proxies.json exists and was not written`);
    expect(readFileSync(`${fresh}.proxies.json`, "utf8")).toBe('{"mine": true}\n');
  });

  it("--run-check prints one check of the scenario and exits with its code; a second run may replace its own files", async () => {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), "meshlens-demo-test-")), "kc");
    const expired = await runCli([
      "demo",
      "--scenario",
      "issuer-expired",
      "--kubeconfig-out",
      kubeconfig,
      "--run-check",
    ]);
    expect(expired.stdout).toContain("× issuer cert is within its validity period\n");
    expect(expired.code).toBe(1);
    const healthy = await runCli(["demo", "--kubeconfig-out", kubeconfig, "--run-check"]);
    expect(healthy.stdout).toContain("Status check results are √\n");
    expect(healthy.code).toBe(0);
  });

  it("lists the scenarios, and rejects an unknown one with exit 2", async () => {
    const list = await runCli(["demo", "--list-scenarios"]);
    expect(list.stdout).toMatch(/^healthy {2,}Everything valid/);
    expect(list.stdout).toContain("\nissuer-drift ");
    const unknown = await runCli(["demo", "--scenario", "nope", "--run-check"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split("\n")[0]).toMatch(/^meshlens: .*nope/);
  });
});
