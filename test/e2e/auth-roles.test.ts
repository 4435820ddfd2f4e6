// `meshlens auth --print-role` prints the least RBAC each mode needs, proven on the simulator (issue
// 20): a service account bound to exactly those roles (applied with kubectl, its token from
// `kubectl create token`) runs the command with no request refused; with any one rule taken away,
// the command fails or degrades, naming the permission. And `meshlens auth` agrees.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject, SimulatorOptions } from "../../src/sim/index.js";
import { scratchDir } from "../fixtures.js";
import {
  runCli,
  runShell,
  type StartedSim,
  simulatorsForThisFile,
  toolForTests,
} from "./helpers.js";
import { proxyTargets, type RunningPrometheus, startPrometheus } from "./prometheus-server.js";

const kubectl = toolForTests("kubectl", ["version", "--client"], "the least-privilege proofs");
const prometheusTool = toolForTests("prometheus", ["--version"], "the --prometheus viz proofs");
const sim = simulatorsForThisFile();
/** Each rule taken away is a run of the command: dozens per mode. */
const PROOF_TIMEOUT_MS = 240_000;

const ACCOUNT: KubeObject[] = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: "meshlens" } },
  {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "meshlens", namespace: "meshlens" },
  },
];

interface Proof {
  mode: string;
  /** The namespace the role is scoped to (`auth --print-role MODE -n NS`). */
  namespace?: string;
  /** A scenario where the mode reads all it can (--explain reads only for rows not mTLS). */
  scenario?: string;
  /** Traffic sped up, for the modes that wait for it (tap). */
  timeScale?: number;
  run: string[];
}

// The two --prometheus viz modes need a Prometheus behind linkerd-viz's service: proven below.
const PROOFS: Proof[] = [
  { mode: "check", run: ["check"] },
  { mode: "check --proxy", run: ["check", "--proxy"] },
  { mode: "check --proxy --no-verify-leaves", run: ["check", "--proxy", "--no-verify-leaves"] },
  {
    mode: "identity",
    namespace: "emojivoto",
    run: ["identity", "-n", "emojivoto", "-l", "app=web-svc"],
  },
  { mode: "edges", run: ["edges", "deploy", "-A"] },
  {
    mode: "edges --explain",
    scenario: "unmeshed-service",
    run: ["edges", "deploy", "-A", "--explain"],
  },
  {
    mode: "tap",
    namespace: "emojivoto",
    run: ["tap", "deploy/web", "-n", "emojivoto", "--max-events", "1"],
  },
  {
    mode: "tap --explain",
    namespace: "emojivoto",
    scenario: "unmeshed-client",
    timeScale: 20,
    run: ["tap", "deploy/web", "-n", "emojivoto", "--plaintext", "--max-events", "2", "--explain"],
  },
  { mode: "rotation", run: ["rotation"] },
  { mode: "rotation --no-verify-leaves", run: ["rotation", "--no-verify-leaves"] },
  { mode: "expiry", run: ["expiry"] },
  { mode: "expiry --no-verify-leaves", run: ["expiry", "--no-verify-leaves"] },
  // The exporter's refresh, once (a server would never end): its roles are deploy/kubernetes/'s.
  { mode: "exporter", run: ["exporter", "--once"] },
];

const RBAC = "rbac.authorization.k8s.io/v1";

/** Applies the printed roles with kubectl and gives back a kubeconfig with the account's token. */
async function bindAccount(s: StartedSim, proof: Proof): Promise<string> {
  const dir = scratchDir("meshlens-auth-");
  const scope = proof.namespace === undefined ? [] : ["-n", proof.namespace];
  const printed = await runCli([
    "--kubeconfig",
    s.kubeconfigPath,
    "auth",
    "--print-role",
    proof.mode,
    ...scope,
  ]);
  expect(printed.code, printed.stderr).toBe(0);
  writeFileSync(join(dir, "roles.yaml"), printed.stdout);
  const applied = await runShell(
    `kubectl --kubeconfig "$1" apply -f "$2" >/dev/null && kubectl --kubeconfig "$1" -n meshlens create token meshlens`,
    {},
    [s.kubeconfigPath, join(dir, "roles.yaml")],
  );
  expect(applied.code, applied.stderr).toBe(0);
  const path = join(dir, "account.kubeconfig");
  writeFileSync(
    path,
    readFileSync(s.kubeconfigPath, "utf8").replace(/token: .*/, `token: ${applied.stdout.trim()}`),
    { mode: 0o600 },
  );
  return path;
}

function printedRoles(s: StartedSim): KubeObject[] {
  return [
    ...s.store.list({ apiVersion: RBAC, kind: "ClusterRole" }),
    ...s.store.list({ apiVersion: RBAC, kind: "Role" }),
  ].filter((role) => role.metadata.labels?.["app.kubernetes.io/managed-by"] === "meshlens");
}

/**
 * Binds the account to the printed roles, runs the command with no 403 and the same exit code as
 * the administrator, then takes each rule away: the command fails or degrades, naming it.
 */
async function prove(proof: Proof, options: SimulatorOptions = {}): Promise<void> {
  const s = await sim({
    ...options,
    objects: ACCOUNT,
    ...(proof.scenario === undefined ? {} : { scenario: proof.scenario }),
    ...(proof.timeScale === undefined ? {} : { timeScale: proof.timeScale }),
  });
  const account = await bindAccount(s, proof);
  const asAccount = (args: string[]) => runCli(["--kubeconfig", account, ...args]);
  // Bound to exactly the printed roles: the command runs as the administrator's does.
  const admin = await runCli(["--kubeconfig", s.kubeconfigPath, ...proof.run]);
  s.api.stats.forbidden.clear();
  const full = await asAccount(proof.run);
  expect([...s.api.stats.forbidden.keys()], full.stdout + full.stderr).toEqual([]);
  expect(full.code, full.stdout + full.stderr).toBe(admin.code);
  const scope = proof.namespace === undefined ? [] : ["-n", proof.namespace];
  const verdicts = JSON.parse(
    (await asAccount(["auth", "-o", "json", ...scope, proof.run[0] as string])).stdout,
  ) as Array<{ mode: string; allowed: boolean }>;
  expect(verdicts.find((v) => v.mode === proof.mode)?.allowed).toBe(true);
  // Without any one rule, it fails or degrades, naming what is missing.
  for (const role of printedRoles(s)) {
    const rules = role.rules as Array<{ resources: string[]; verbs: string[] }>;
    for (const [index, rule] of rules.entries()) {
      s.store.put({ ...role, rules: rules.filter((_, i) => i !== index) });
      const run = await asAccount(proof.run);
      const said = run.stdout + run.stderr;
      const resource = rule.resources[0] as string;
      const degraded = /skipped: forbidden \(needs /.test(said);
      expect(degraded || run.code !== 0, `${role.kind} ${JSON.stringify(rule)}\n${said}`).toBe(
        true,
      );
      expect(said, `${role.kind} ${JSON.stringify(rule)}`).toMatch(/forbidden/);
      expect(said, `${role.kind} ${JSON.stringify(rule)}`).toContain(resource);
      s.store.put({ ...role, rules });
    }
  }
}

describe.skipIf(kubectl.skip)("least privilege, proven rule by rule", () => {
  it.each(PROOFS)("$mode", (proof) => prove(proof), PROOF_TIMEOUT_MS);
});

// The --prometheus viz modes read linkerd-viz's Prometheus through the API server's service proxy:
// a real one (Debian's prometheus) stands behind it, scraping another simulator's proxies (the
// findings do not matter here, only what may be read).
describe.skipIf(kubectl.skip || prometheusTool.skip)(
  "least privilege, the --prometheus viz modes",
  () => {
    let prometheus: RunningPrometheus;
    let scraped: StartedSim;
    beforeAll(async () => {
      scraped = await sim();
      prometheus = await startPrometheus(proxyTargets(scraped));
    }, 90_000);
    afterAll(() => prometheus?.stop());

    it.each([
      { mode: "check --proxy --prometheus viz", run: ["check", "--proxy", "--prometheus", "viz"] },
      { mode: "edges --prometheus viz", run: ["edges", "deploy", "-A", "--prometheus", "viz"] },
    ])(
      "$mode",
      (proof) =>
        prove(proof, { serviceUpstreams: { "linkerd-viz/prometheus:9090": prometheus.url } }),
      PROOF_TIMEOUT_MS,
    );
  },
);

describe("meshlens auth", () => {
  it("says which commands the current credentials may run, and the first permission missing", async () => {
    const s = await sim({ objects: ACCOUNT });
    const run = await runCli([
      "--kubeconfig",
      s.kubeconfigPath,
      "--as",
      "system:serviceaccount:meshlens:meshlens",
      "auth",
      "-n",
      "shop",
      "rotation",
      "identity",
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^identity\s+×\s+cannot get configmaps "linkerd-identity-trust-roots" in namespace "linkerd"\s*$/m,
    );
    expect(run.stdout).toMatch(/^rotation --no-verify-leaves\s+×\s+cannot get configmaps /m);
    const admin = await runCli(["--kubeconfig", s.kubeconfigPath, "auth"]);
    expect(admin.code).toBe(0);
    expect(admin.stdout.trim().split("\n")).toHaveLength(16);
  });

  it("docs/rbac.md holds exactly the roles it prints", async () => {
    const doc = readFileSync(new URL("../../docs/rbac.md", import.meta.url), "utf8");
    for (const [mode, namespaced] of [
      ["check --proxy", false],
      ["identity", true],
      ["rotation --no-verify-leaves", false],
    ] as const) {
      const printed = await runCli([
        "auth",
        "--print-role",
        mode,
        ...(namespaced ? ["-n", "shop"] : []),
      ]);
      expect(doc).toContain(`### \`${mode}\`\n\n\`\`\`yaml\n${printed.stdout}\`\`\`\n`);
    }
  });

  it("bad input is one line, exit 2", async () => {
    for (const args of [
      ["auth", "nope"],
      ["auth", "--print-role", "check --pxoxy"],
      ["auth", "-o", "yaml"],
    ]) {
      const run = await runCli(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
  });
});
