// Fidelity of the simulated API server, checked with the real kubectl. kubectl is on the
// development and CI machines: CI (CI=true) fails this test when it is missing; elsewhere it is
// skipped with a message saying so.
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/index.js";
import { home, startSim, toolForTests } from "../e2e/helpers.js";

const kubectlTool = toolForTests("kubectl", ["version", "--client"], "the kubectl fidelity tests");

function kubectl(
  kubeconfig: string,
  ...args: string[]
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(
      "kubectl",
      ["--kubeconfig", kubeconfig, ...args],
      { env: { PATH: process.env.PATH ?? "", HOME: home(), TMPDIR: tmpdir() } },
      (error, stdout, stderr) => {
        resolve({
          stdout,
          stderr,
          code: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
        });
      },
    );
  });
}

describe.skipIf(kubectlTool.skip)("kubectl against the simulator", () => {
  let sim: Simulator & { kubeconfigPath: string };
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("is installed (CI requires it)", () => {
    expect(kubectlTool.installed).toBe(true);
  });

  it("get pods -A lists every pod with server-side columns", async () => {
    const run = await kubectl(sim.kubeconfigPath, "get", "pods", "-A");
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(
      lines.some((line) => /^emojivoto\s+web-\S+\s+2\/2\s+Running\s+0\s+\d+s$/.test(line)),
    ).toBe(true);
    expect(
      lines.some((line) => /^linkerd\s+linkerd-identity-\S+\s+2\/2\s+Running/.test(line)),
    ).toBe(true);
    expect(lines).toHaveLength(1 + sim.store.list({ apiVersion: "v1", kind: "Pod" }).length);
  });

  it("get secret -o yaml returns the issuer Secret", async () => {
    const run = await kubectl(
      sim.kubeconfigPath,
      "get",
      "secret",
      "-n",
      "linkerd",
      "linkerd-identity-issuer",
      "-o",
      "yaml",
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^kind: Secret$/m);
    expect(run.stdout).toMatch(/^ {2}crt\.pem: \S+$/m);
    const crt = /^ {2}crt\.pem: (\S+)$/m.exec(run.stdout)?.[1] ?? "";
    expect(Buffer.from(crt, "base64").toString()).toBe(sim.pki.issuer.certPem);
  });

  it("get cm -n linkerd lists the ConfigMaps", async () => {
    const run = await kubectl(sim.kubeconfigPath, "get", "cm", "-n", "linkerd");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^NAME\s+DATA\s+AGE$/m);
    expect(run.stdout).toMatch(/^linkerd-config\s+2\s+\d+s$/m);
    expect(run.stdout).toMatch(/^linkerd-identity-trust-roots\s+1\s+\d+s$/m);
  });

  it("pages with --chunk-size and filters with label and field selectors", async () => {
    const paged = await kubectl(
      sim.kubeconfigPath,
      "get",
      "pods",
      "-A",
      "--chunk-size=2",
      "-o",
      "name",
    );
    const whole = await kubectl(sim.kubeconfigPath, "get", "pods", "-A", "-o", "name");
    expect(paged.stdout).toBe(whole.stdout);
    const labelled = await kubectl(
      sim.kubeconfigPath,
      "get",
      "pods",
      "-A",
      "-l",
      "linkerd.io/control-plane-component in (identity,destination)",
      "-o",
      "name",
    );
    expect(labelled.stdout.trim().split("\n")).toHaveLength(2);
    const field = await kubectl(
      sim.kubeconfigPath,
      "get",
      "pods",
      "-A",
      "--field-selector",
      "metadata.namespace=emojivoto",
      "-o",
      "name",
    );
    expect(field.stdout.trim().split("\n")).toHaveLength(4);
  });

  it("get --raw reaches a proxy's admin port through the pod proxy subresource", async () => {
    const pod = sim.store
      .list({ apiVersion: "v1", kind: "Pod" }, "emojivoto")
      .find((p) => p.metadata.labels?.app === "web-svc");
    const base = `/api/v1/namespaces/emojivoto/pods/${pod?.metadata.name}:4191/proxy`;
    const metrics = await kubectl(sim.kubeconfigPath, "get", "--raw", `${base}/metrics`);
    expect(metrics.code).toBe(0);
    expect(metrics.stdout).toMatch(
      /^control_identity_cert_expiration_timestamp_seconds \d+(\.\d+)?$/m,
    );
    expect(metrics.stdout.trimEnd().endsWith("# EOF")).toBe(true);
    const ready = await kubectl(sim.kubeconfigPath, "get", "--raw", `${base}/ready`);
    expect(ready.stdout).toBe("ready\n");
    const env = JSON.parse(
      (await kubectl(sim.kubeconfigPath, "get", "--raw", `${base}/env.json`)).stdout,
    );
    expect(env.LINKERD2_PROXY_IDENTITY_LOCAL_NAME).toBe(
      "web.emojivoto.serviceaccount.identity.linkerd.cluster.local",
    );
  });

  it("reports NotFound as the API server does", async () => {
    const run = await kubectl(sim.kubeconfigPath, "get", "secret", "-n", "linkerd", "nope");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Error from server (NotFound): secrets "nope" not found');
  });
});
