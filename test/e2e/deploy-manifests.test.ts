// deploy/kubernetes/ (issue 21): its roles are what `auth --print-role exporter` prints (the same
// machinery as every mode's least roles); applied to the simulator with kubectl, the exporter and
// the CronJob's check run with the ServiceAccount's token and meet no 403.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot, scratchDir } from "../fixtures.js";
import {
  runCli,
  runShell,
  simulatorsForThisFile,
  startLongLived,
  toolForTests,
} from "./helpers.js";

const kubectl = toolForTests("kubectl", ["version", "--client"], "the manifests' tests");
const sim = simulatorsForThisFile();
const DEPLOY = join(projectRoot, "deploy", "kubernetes");
const ROLE_FILE = join(DEPLOY, "02-rbac.yaml");

describe("deploy/kubernetes", () => {
  it("holds exactly the roles `meshlens auth --print-role exporter` prints", async () => {
    const printed = await runCli([
      "auth",
      "--print-role",
      "exporter",
      "--service-account",
      "meshlens/meshlens-exporter",
    ]);
    expect(printed.code).toBe(0);
    expect(readFileSync(ROLE_FILE, "utf8")).toBe(printed.stdout);
  });

  it.skipIf(kubectl.skip)(
    "applies with kubectl; the exporter and the CronJob's check meet no 403 with its token",
    async () => {
      const s = await sim();
      const applied = await runShell('kubectl --kubeconfig "$1" apply -f "$2"', {}, [
        s.kubeconfigPath,
        DEPLOY,
      ]);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toContain("deployment.apps/meshlens-exporter created");
      expect(applied.stdout).toContain("networkpolicy.networking.k8s.io/meshlens-exporter created");
      const token = await runShell(
        'kubectl --kubeconfig "$1" -n meshlens create token meshlens-exporter',
        {},
        [s.kubeconfigPath],
      );
      expect(token.code, token.stderr).toBe(0);
      const kubeconfig = join(scratchDir("meshlens-deploy-"), "exporter.kubeconfig");
      writeFileSync(
        kubeconfig,
        readFileSync(s.kubeconfigPath, "utf8").replace(
          /token: .*/,
          `token: ${token.stdout.trim()}`,
        ),
        { mode: 0o600 },
      );
      s.api.stats.forbidden.clear();
      const exporter = await startLongLived(
        ["--kubeconfig", kubeconfig, "exporter", "--listen", "127.0.0.1:0"],
        /serving http:\/\/[\d.]+:\d+\/metrics/,
      );
      const port = /serving http:\/\/[\d.]+:(\d+)\/metrics/.exec(exporter.said())?.[1];
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(body).toMatch(/^meshlens_certificate_not_after_timestamp_seconds\{layer="issuer",/m);
      expect(body).toMatch(/^meshlens_leaves\{namespace="emojivoto"\} 4$/m);
      expect(body).not.toMatch(/^meshlens_check_success\{[^}]*\} 0$/m);
      exporter.child.kill("SIGTERM");
      const check = await runCli([
        "--kubeconfig",
        kubeconfig,
        ...["check", "--proxy", "-o", "junit", "--fail-on", "warning"],
      ]);
      expect(check.code, check.stdout).toBe(0);
      expect(check.stdout).not.toContain("<skipped");
      expect([...s.api.stats.forbidden.keys()]).toEqual([]);
    },
    60_000,
  );
});
