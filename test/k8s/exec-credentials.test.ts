import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it, vi } from "vitest";
import { CredentialPluginError, shareExecCredentials } from "../../src/k8s/exec-credentials.js";
import { scratchDir } from "../fixtures.js";

/** A KubeConfig whose user runs a real plugin (a Node script) that counts its runs. */
function configWithPlugin(expiresInMs: number | undefined, fail = false) {
  const dir = scratchDir("meshlens-exec-");
  const runs = join(dir, "runs");
  writeFileSync(runs, "");
  const script = join(dir, "plugin.cjs");
  const status =
    expiresInMs === undefined
      ? `{ token: "t" + n }`
      : `{ token: "t" + n, expirationTimestamp: new Date(Date.now() + ${expiresInMs}).toISOString() }`;
  writeFileSync(
    script,
    fail
      ? `process.stderr.write("login required\\n"); process.exit(1);`
      : `const fs = require("fs"); fs.appendFileSync(${JSON.stringify(runs)}, "x");
         const n = fs.readFileSync(${JSON.stringify(runs)}, "utf8").length;
         console.log(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: ${status} }));`,
  );
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:1", skipTLSVerify: false }],
    users: [
      {
        name: "u",
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          command: process.execPath,
          args: [script],
          interactiveMode: "Never",
        },
      },
    ],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  const authorization = async () => {
    const options: { headers?: Record<string, string> } = {};
    await config.applyToHTTPSOptions(options as never);
    return options.headers?.Authorization;
  };
  return { config, authorization, runs: () => readFileSync(runs, "utf8").length };
}

describe("shareExecCredentials", () => {
  it("keeps a credential without expiry for the run, and runs the plugin once for requests made together", async () => {
    const { config, authorization, runs } = configWithPlugin(undefined);
    shareExecCredentials(config);
    const together = await Promise.all([authorization(), authorization(), authorization()]);
    expect(together).toEqual(["Bearer t1", "Bearer t1", "Bearer t1"]);
    expect(await authorization()).toBe("Bearer t1");
    expect(runs()).toBe(1);
  });

  it("asks the plugin again once the credential has expired", async () => {
    // Only the clock is faked (client-node reads it too); the plugin really runs.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const { config, authorization, runs } = configWithPlugin(60_000);
      shareExecCredentials(config);
      expect(await authorization()).toBe("Bearer t1");
      expect(await authorization()).toBe("Bearer t1");
      vi.setSystemTime(Date.now() + 120_000);
      expect(await authorization()).toBe("Bearer t2");
      expect(runs()).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a failing plugin is a CredentialPluginError with the plugin's words, and is asked again next time", async () => {
    const { config, authorization } = configWithPlugin(undefined, true);
    shareExecCredentials(config);
    const failure = await authorization().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CredentialPluginError);
    expect((failure as Error).message).toBe(
      `the kubeconfig's credential plugin "${process.execPath}" failed: login required`,
    );
    await expect(authorization()).rejects.toBeInstanceOf(CredentialPluginError);
  });
});
