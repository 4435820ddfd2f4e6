// `edges --explain` (issue 20): why each connection that is not mTLS is not, found by looking at
// both sides in the cluster, through the CLI on the scenarios that produce each cause.
import { describe, expect, it } from "vitest";
import { runCli, simulatorsForThisFile } from "./helpers.js";

const sim = simulatorsForThisFile();

interface Row {
  src: string;
  dst: string;
  no_tls_reason: string;
  explanation?: { cause: string; evidence: string; fix: string };
}

async function explained(scenario: string, ...args: string[]): Promise<Row[]> {
  const s = await sim({ scenario });
  const run = await runCli([
    "--kubeconfig",
    s.kubeconfigPath,
    "edges",
    "deploy",
    "-A",
    "--explain",
    "-o",
    "json",
    ...args,
  ]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Row[];
}

const notSecured = (rows: Row[]) => rows.filter((row) => row.no_tls_reason !== "");

describe("edges --explain", () => {
  it.each([
    [
      "unmeshed-client",
      ["--unmeshed"],
      "(unmeshed)",
      "web",
      "source-not-meshed",
      /pods without a proxy: unmeshed\/curl-\S+ \(Deployment\/curl\)/,
    ],
    [
      "skip-and-opaque-ports",
      ["--unmeshed"],
      "(unmeshed)",
      "web",
      "port-skipped",
      /emojivoto\/vote-bot-\S+ \(config\.linkerd\.io\/skip-outbound-ports "80" on the pod\)/,
    ],
    [
      "unmeshed-service",
      [],
      "web",
      "ledger",
      "destination-not-meshed",
      /legacy\/ledger has no proxy: legacy\/ledger-\S+ run without linkerd-proxy/,
    ],
    [
      "ingress-without-override",
      [],
      "ingress-nginx",
      "web",
      "ingress-without-override",
      /ingress\/ingress-nginx-\S+ is an ingress proxy \(linkerd\.io\/inject: ingress\)/,
    ],
    [
      "addressed-by-ip",
      [],
      "vote-bot",
      "voting",
      "addressed-by-ip",
      /emojivoto\/voting is meshed and has an identity.*linkerd\/linkerd2#3498/,
    ],
  ] as const)("%s %j: %s -> %s is %s", async (scenario, args, src, dst, cause, evidence) => {
    const rows = notSecured(await explained(scenario, ...args));
    const row = rows.find((r) => r.src === src && r.dst === dst);
    expect(row?.explanation?.cause).toBe(cause);
    expect(row?.explanation?.evidence).toMatch(evidence);
    expect(row?.explanation?.fix).not.toBe("");
  });

  it("tls-disabled: the source's identity was turned off; the destination without one is its own cause", async () => {
    const rows = notSecured(await explained("tls-disabled"));
    expect(rows.map((r) => [r.src, r.dst, r.explanation?.cause])).toEqual([
      ["vote-bot", "web", "identity-disabled"],
      ["prometheus", "vote-bot", "destination-without-identity"],
    ]);
    expect(rows[0]?.explanation?.evidence).toMatch(
      /^emojivoto\/vote-bot-\S+: config\.linkerd\.io\/disable-identity: "true" on the pod$/,
    );
  });

  it("mTLS rows get no explanation and, when every row is mTLS, nothing more is read", async () => {
    const s = await sim();
    const run = await runCli([
      "--kubeconfig",
      s.kubeconfigPath,
      "edges",
      "deploy",
      "-A",
      "--explain",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")[0]).toMatch(/SECURED\s+WHY\s*$/);
    expect([...s.api.stats.byPath.keys()]).not.toContain("GET /api/v1/namespaces");
  });

  it("the WHY column says the cause and what shows it", async () => {
    const s = await sim({ scenario: "unmeshed-service" });
    const run = await runCli([
      "--kubeconfig",
      s.kubeconfigPath,
      "edges",
      "deploy",
      "-n",
      "emojivoto",
      "--explain",
    ]);
    expect(run.stdout).toMatch(
      /^web\s+ledger\s+emojivoto\s+legacy\s+Not Provided By Service Discovery\s+destination-not-meshed: legacy\/ledger has no proxy/m,
    );
  });
});
