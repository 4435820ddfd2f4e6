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

  it("mTLS rows get no explanation; the pods edges lists are listed once", async () => {
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
    expect(run.stdout.split("\n").slice(1).join("\n")).not.toMatch(/√[ \t]+\S/);
    const lists = [...s.api.stats.byPath].filter(([key]) => key.startsWith("GET /api/v1/pods"));
    expect(lists).toEqual([[expect.stringMatching(/^GET \/api\/v1\/pods/), 1]]);
  });

  it("stale-trust-bundle: rows Linkerd labels mTLS whose sides no longer trust the same anchors", async () => {
    // Handshakes that fail leave no open connection: only --seen shows their attempts.
    const rows = await explained("stale-trust-bundle", "--seen");
    const stale = rows.filter((row) => row.explanation !== undefined);
    expect(stale.map((row) => `${row.src} -> ${row.dst} ${row.no_tls_reason}`).sort()).toEqual([
      "prometheus -> voting ",
      "prometheus -> web ",
      "vote-bot -> web ",
      "web -> emoji ",
      "web -> voting ",
    ]);
    const web = stale.find((row) => row.src === "web" && row.dst === "emoji");
    expect(web?.explanation).toMatchObject({
      cause: "trust-anchors-differ",
      evidence: expect.stringMatching(
        /^emojivoto\/web-\S+ trusts CN=\S+ sha256 [0-9a-f]{16}; the mesh's current bundle \(linkerd\/linkerd-identity-trust-roots\) holds CN=\S+ sha256 [0-9a-f]{16}: the two sides cannot verify/,
      ),
      fix: expect.stringContaining("restart Deployment/web"),
    });
    // A reordered bundle holds the same anchors: nothing to explain.
    expect((await explained("anchor-rotation", "--seen")).filter((r) => r.explanation)).toEqual([]);
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
