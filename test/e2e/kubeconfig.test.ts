// The kubeconfig read as kubectl reads it, checked against kubectl's own answer on the same files,
// and every way a kubeconfig or its server can be unusable said in one sentence.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { load as parse, dump as stringify } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { scratchDir } from "../fixtures.js";
import {
  kubeconfigVariant,
  kubeconfigWithPlugin,
  runCli,
  type StartedSim,
  simulatorsForThisFile,
  toolForTests,
} from "./helpers.js";

const sim = simulatorsForThisFile();
const kubectlTool = toolForTests("kubectl", ["version", "--client"], "the kubeconfig merge tests");
const dir = scratchDir("meshlens-kubeconfig-");

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** What kubectl makes of KUBECONFIG=files: its current context and that context's server. */
function kubectlView(files: string[]): Promise<{ context: string; server: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      "kubectl",
      ["config", "view", "--merge", "--minify", "-o", "json"],
      {
        env: { PATH: process.env.PATH ?? "", HOME: dir, TMPDIR: dir, KUBECONFIG: files.join(":") },
      },
      (error, stdout) => {
        if (error) return reject(error);
        const view = JSON.parse(stdout);
        resolve({ context: view["current-context"], server: view.clusters[0].cluster.server });
      },
    );
  });
}

/** meshlens check through KUBECONFIG=files; 0 on the healthy simulator, 1 on the broken one. */
const checkThrough = (files: string[], ...args: string[]) =>
  runCli([...args, "check", "--wait", "0s", "-o", "short"], { KUBECONFIG: files.join(":") });

/** The simulator's kubeconfig with its cluster, user and context renamed, and no current-context. */
function renamed(s: StartedSim, name: string): string {
  const config = parse(readFileSync(s.kubeconfigPath, "utf8")) as {
    clusters: [{ name: string }];
    users: [{ name: string }];
    contexts: [unknown];
    "current-context"?: string;
  };
  config.clusters[0].name = name;
  config.users[0].name = name;
  config.contexts[0] = { name, context: { cluster: name, user: name } };
  delete config["current-context"];
  return file(`${name}.kc`, stringify(config, { lineWidth: -1 }));
}

describe.skipIf(kubectlTool.skip)("KUBECONFIG with several files, as kubectl merges them", () => {
  let healthy: StartedSim;
  let broken: StartedSim;
  beforeAll(async () => {
    [healthy, broken] = await Promise.all([sim(), sim({ scenario: "issuer-expired" })]);
  });

  it("skips missing files, and the first file wins for a name both define", async () => {
    const missing = join(dir, "does-not-exist");
    // Both simulators' kubeconfigs name their cluster, user and context "meshlens-sim".
    for (const [files, server, code] of [
      [[missing, healthy.kubeconfigPath, broken.kubeconfigPath], healthy.url, 0],
      [[broken.kubeconfigPath, missing, healthy.kubeconfigPath], broken.url, 1],
    ] as const) {
      expect((await kubectlView([...files])).server).toBe(server);
      const run = await checkThrough([...files]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(code);
    }
  });

  it("takes current-context from the first file that sets it; --context picks any merged one", async () => {
    const other = renamed(broken, "other");
    const pointer = file("pointer.kc", "apiVersion: v1\nkind: Config\ncurrent-context: other\n");
    const cases = [
      { files: [other, healthy.kubeconfigPath, pointer], context: "meshlens-sim", code: 0 },
      { files: [other, pointer, healthy.kubeconfigPath], context: "other", code: 1 },
    ];
    for (const { files, context, code } of cases) {
      expect((await kubectlView(files)).context).toBe(context);
      expect((await checkThrough(files)).code).toBe(code);
    }
    const picked = await checkThrough([other, healthy.kubeconfigPath], "--context", "other");
    expect(picked.code).toBe(1);
  });
});

describe("a kubeconfig that names no usable cluster is one sentence, exit 3", () => {
  let server: string;
  beforeAll(async () => {
    server = (await sim()).url;
  });
  const cluster = () => `clusters: [{name: c, cluster: {server: "${server}"}}]\n`;
  const users = "users: [{name: u, user: {token: t}}]\n";

  it.each([
    ["empty", () => "", "is empty: it has no clusters, users or contexts"],
    [
      "only comments",
      () => "# nothing here yet\n---\n",
      "is empty: it has no clusters, users or contexts",
    ],
    [
      "no contexts",
      () => `apiVersion: v1\nkind: Config\n${cluster()}${users}`,
      "has no contexts: add one with kubectl config set-context",
    ],
  ])("%s", async (name, text, words) => {
    const path = file(`${name.replace(/ /g, "-")}.kc`, text());
    const run = await runCli(["--kubeconfig", path, "check"]);
    expect(run.code).toBe(3);
    expect(run.stderr.split("\n")[0]).toBe(`meshlens: kubeconfig ${path} ${words}`);
    expect(run.stdout).toBe("");
  });

  it("current-context unset, naming a missing context, or a context whose cluster is missing", async () => {
    const base = `apiVersion: v1\nkind: Config\n${cluster()}${users}`;
    const unset = file(
      "unset.kc",
      `${base}contexts: [{name: x, context: {cluster: c, user: u}}]\n`,
    );
    const missing = file(
      "missing.kc",
      `${base}current-context: nope\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n`,
    );
    const noCluster = file(
      "no-cluster.kc",
      `${base}current-context: x\ncontexts: [{name: x, context: {cluster: gone, user: u}}]\n`,
    );
    const said = async (path: string) => {
      const run = await runCli(["--kubeconfig", path, "check"]);
      expect(run.code).toBe(3);
      return run.stderr;
    };
    expect(await said(unset)).toBe(
      `meshlens: current-context is not set in kubeconfig ${unset}: pass --context NAME, or run kubectl config use-context NAME\n`,
    );
    // kubectl's own words for this one.
    expect(await said(missing)).toBe(
      `meshlens: context was not found for specified context: nope (the current-context of kubeconfig ${missing})\n`,
    );
    expect(await said(noCluster)).toBe(
      `meshlens: context "x" uses cluster "gone", which is not in kubeconfig ${noCluster}\n`,
    );
  });
});

describe("a certificate authority that is not a certificate (issue 16)", () => {
  it("is kubectl's 'unable to load root certificates', not the server's fault", async () => {
    const s = await sim();
    const notPem = kubeconfigVariant(s, "bad-ca", (text) =>
      text.replace(
        /certificate-authority-data: \S+/,
        `certificate-authority-data: ${Buffer.from("hello world").toString("base64")}`,
      ),
    );
    for (const command of [["check"], ["edges", "deploy", "-A"], ["tap", "deploy/web"]]) {
      const run = await runCli(["--kubeconfig", notPem, ...command]);
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `meshlens: unable to load root certificates: the certificate-authority-data of cluster "meshlens-sim" in kubeconfig ${notPem} holds no PEM certificate\n`,
      );
    }
    const missingFile = kubeconfigVariant(s, "ca-file", (text) =>
      text.replace(/certificate-authority-data: \S+/, "certificate-authority: /nonexistent/ca.crt"),
    );
    const run = await runCli(["--kubeconfig", missingFile, "edges", "deploy", "-A"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^meshlens: cannot read the certificate-authority \/nonexistent\/ca\.crt of cluster "meshlens-sim": ENOENT/,
    );
  });
});

describe("servers and credential plugins", () => {
  let plain: ReturnType<typeof createServer>;
  beforeAll(async () => {
    plain = createServer((_, response) => response.end("plain HTTP\n"));
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => {
    plain.close();
  });

  it("a server that answers plain HTTP to https:// is named as not speaking HTTPS", async () => {
    const s = await sim();
    const url = `https://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    const kubeconfig = kubeconfigVariant(s, "plain", (text) =>
      text.replace(/server: .*/, `server: ${url}`),
    );
    const run = await runCli(["--kubeconfig", kubeconfig, "check", "-o", "short"]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(
      `    the server at ${url} does not speak HTTPS (its answer is not TLS): is the kubeconfig's server URL right?\n`,
    );
    expect(run.stdout).not.toContain("wrong version number");
  });

  it("a credential plugin that hangs is named when --request-timeout passes, and is ended", async () => {
    const pidFile = join(dir, "plugin.pid");
    const { path: kubeconfig } = kubeconfigWithPlugin(
      await sim(),
      `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`,
    );
    const run = await runCli(["--kubeconfig", kubeconfig, "--request-timeout", "1s", "check"]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(
      `    the kubeconfig's credential plugin "${process.execPath}" did not answer within 1s and was stopped`,
    );
    expect(run.stdout).not.toContain("get version");
    const pid = Number(readFileSync(pidFile, "utf8"));
    // Ended, not left running: gone once the signal is delivered and the orphan reaped.
    await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow(/ESRCH/), { timeout: 5000 });
  });

  it("--request-timeout must be a positive duration", async () => {
    const run = await runCli(["--request-timeout", "soon", "check"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'meshlens: invalid --request-timeout "soon": use a duration such as 30s\n',
    );
  });
});
