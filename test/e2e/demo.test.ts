// `meshlens demo` as a user runs it: a long-lived child process serving the simulated cluster.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { scratchDir } from "../fixtures.js";
import { exitOf, runCli, runShell, startDemo } from "./helpers.js";

describe("meshlens demo", () => {
  it("serves a cluster meshlens reaches through the kubeconfig it writes, lists the proxies' loopback ports, and stops on Ctrl-C", async () => {
    const kubeconfig = join(scratchDir("meshlens-demo-test-"), "kc");
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
    // The shell's code for a run ended by Ctrl-C, after a clean stop.
    expect(await exited).toBe(130);
    expect(said()).toContain("Simulated cluster stopped.\n");
  });

  it("removes its temporary kubeconfig directory, with the bearer token in it, when stopped", async () => {
    const { child, said } = await startDemo([]);
    const kubeconfig = /^Kubeconfig: (.*)$/m.exec(said())?.[1] ?? "";
    expect(kubeconfig).toMatch(/meshlens-demo-[^/]+\/kubeconfig$/);
    expect(readFileSync(kubeconfig, "utf8")).toContain("token:");
    const exited = exitOf(child);
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(existsSync(dirname(kubeconfig))).toBe(false);

    const once = await runCli(["demo", "--run-check"]);
    expect(once.code).toBe(0);
    const used = /^Kubeconfig: (.*)$/m.exec(once.stderr)?.[1] ?? "";
    expect(used).toMatch(/meshlens-demo-/);
    expect(existsSync(dirname(used))).toBe(false);
  });

  it("a port already in use, or a --kubeconfig-out in a missing directory, is a usage error that creates nothing", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const busy = await runCli(["demo", "--port", String(port), "--run-check"]);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toBe(
        `meshlens: port ${port} is taken: pass another --port, or leave it out for a free one\n`,
      );
    } finally {
      taken.close();
    }
    const missing = join(scratchDir("meshlens-demo-test-"), "no", "such");
    const refused = await runCli(["demo", "--kubeconfig-out", join(missing, "kc"), "--run-check"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `meshlens: cannot write --kubeconfig-out ${join(missing, "kc")}: ${missing} does not exist\n`,
    );
    expect(existsSync(dirname(missing))).toBe(false);
    const directory = await runCli(["demo", "--kubeconfig-out", tmpdir(), "--run-check"]);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toBe(
      `meshlens: cannot write --kubeconfig-out ${tmpdir()}: it is a directory\n`,
    );
  });

  it("never overwrites a kubeconfig or a proxies file it did not write", async () => {
    const dir = scratchDir("meshlens-demo-test-");
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
    const kubeconfig = join(scratchDir("meshlens-demo-test-"), "kc");
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

  it("writes its export line alone on stdout, so a script can source it (issue 16)", async () => {
    const { child } = await startDemo([]);
    let stdout = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      stdout += chunk;
    });
    while (!stdout.endsWith("\n")) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stdout).toMatch(/^export KUBECONFIG=\S+\/kubeconfig\n$/);
    const sourced = await runShell(`eval "$1" && $MESHLENS check -o short`, {}, [stdout]);
    expect(sourced).toEqual({ stdout: "Status check results are √\n", stderr: "", code: 0 });
    child.kill("SIGINT");
    await exitOf(child);
  });

  it("--list-scenarios says where each scenario's workloads are", async () => {
    const list = await runCli(["demo", "--list-scenarios"]);
    expect(list.stdout).toMatch(
      /^unmeshed-client +A client without a proxy \(curl in namespace unmeshed\)/m,
    );
  });
});
