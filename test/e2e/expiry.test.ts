// `meshlens expiry` through the CLI on the simulator (issue 21): one timeline, soonest first, with
// each layer's threshold, the superseded anchor, the leaves per namespace, the gate, JSON numbers.
import { describe, expect, it } from "vitest";
import { runCli, simulatorsForThisFile, toolForTests } from "./helpers.js";
import { kubernetesSdTargets, startPrometheus, vizScrapeJob } from "./prometheus-server.js";

const sim = simulatorsForThisFile();
const prometheusTool = toolForTests("prometheus", ["--version"], "expiry's --prometheus test");

interface ExpiryJson {
  nowEpoch: number;
  next: { what: string; at: string; epoch: number; secondsLeft: number } | null;
  certificates: Array<{
    layer: string;
    component: string | null;
    source: { kind: string; namespace: string; name: string; key: string };
    commonName: string;
    fingerprintSha256: string;
    notAfterEpoch: number;
    secondsLeft: number;
    lifetimeUsed: number;
    status: string;
    superseded: boolean;
  }>;
  leaves: Array<{ namespace: string; count: number; pastRenewal: number; status: string }>;
  leafSource: string;
  skipped: Array<{ permission: string }>;
}

async function expiry(scenario: string, ...args: string[]) {
  const s = await sim({ scenario });
  const run = await runCli(["--kubeconfig", s.kubeconfigPath, "expiry", ...args]);
  return { s, run };
}

async function json(scenario: string, ...args: string[]): Promise<ExpiryJson> {
  const { run } = await expiry(scenario, "-o", "json", ...args);
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as ExpiryJson;
}

describe("meshlens expiry", () => {
  it("healthy: every layer, each anchor where it is kept, soonest first, all √ (exit 0)", async () => {
    const { run } = await expiry("healthy");
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split("\n");
    // The leaves (24 h) are the first to expire; the headline says so.
    expect(lines[0]).toMatch(
      /^next to expire: a leaf in namespace \S+ in \d+h\d+m \(\d{4}-\d\d-\d\dT[\d:]+Z\)$/,
    );
    expect(lines[2]).toMatch(/^LAYER\s+WHAT\s+SUBJECT\s+NOT AFTER\s+TIME LEFT\s+USED\s+STATUS$/);
    const body = lines.slice(3, lines.indexOf("", 3));
    const layers = body.map((line) => line.split(/\s+/)[0]);
    expect(new Set(layers)).toEqual(
      new Set(["leaves", "issuer", "anchor", "webhook", "apiservice"]),
    );
    expect(body.every((line) => / √$/.test(line.trimEnd()))).toBe(true);
    expect(run.stdout).toMatch(
      /^anchor\s+configmap linkerd\/linkerd-identity-trust-roots ca-bundle\.crt\s+root\.linkerd\.cluster\.local\s/m,
    );
    expect(run.stdout).toMatch(/^anchor\s+configmap linkerd\/linkerd-config values\s/m);
    expect(run.stdout).toMatch(
      /^webhook\s+proxy-injector \(secret linkerd\/linkerd-proxy-injector-k8s-tls tls\.crt\)\s/m,
    );
    expect(run.stdout).toMatch(/^apiservice\s+tap \(secret linkerd-viz\/tap-k8s-tls tls\.crt\)\s/m);
    expect(run.stdout).toMatch(
      /^leaves\s+namespace emojivoto: 4 proxies, 0 past renewal\s+median \S+, latest \S+\s/m,
    );
    expect(run.stdout).toContain("\nleaves: as each proxy serves them\n");
  });

  it("-o json: numbers a script can use, sorted by time left", async () => {
    const doc = await json("healthy");
    const issuer = doc.certificates.find((c) => c.layer === "issuer");
    expect(issuer).toMatchObject({
      commonName: "identity.linkerd.cluster.local",
      source: {
        kind: "secret",
        namespace: "linkerd",
        name: "linkerd-identity-issuer",
        key: "crt.pem",
      },
      status: "ok",
      superseded: false,
    });
    expect(issuer?.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(issuer?.secondsLeft).toBe((issuer?.notAfterEpoch ?? 0) - doc.nowEpoch);
    expect(issuer?.lifetimeUsed).toBeGreaterThan(0);
    expect(issuer?.lifetimeUsed).toBeLessThan(1);
    const lefts = doc.certificates.map((c) => c.secondsLeft);
    expect(lefts).toEqual([...lefts].sort((a, b) => a - b));
    expect(doc.leaves.map((l) => l.namespace).sort()).toEqual([
      "emojivoto",
      "linkerd",
      "linkerd-viz",
    ]);
    expect(doc.leafSource).toBe("live");
    expect(doc.next?.what).toMatch(/^a leaf in namespace /);
  });

  it("issuer-expiring-soon: ‼ within 60 days, the gate only with --fail-within", async () => {
    const { run } = await expiry("issuer-expiring-soon", "--no-verify-leaves");
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")[0]).toMatch(
      /^next to expire: issuer identity\.linkerd\.cluster\.local in (29d23h|30d) \(\S+\)$/,
    );
    expect(run.stdout).toMatch(/^issuer\s.*\s‼ *$/m);
    expect(run.stdout).toContain("leaves: not read (--no-verify-leaves)");
    const gated = await expiry(
      "issuer-expiring-soon",
      "--no-verify-leaves",
      "--fail-within",
      "45d",
    );
    expect(gated.run.code).toBe(1);
    // A threshold of its own: 20 days does not reach it.
    const quiet = await expiry(
      "issuer-expiring-soon",
      "--no-verify-leaves",
      "--warn-issuer",
      "20d",
      "--fail-within",
      "20d",
    );
    expect(quiet.run.code).toBe(0);
    expect(quiet.run.stdout).toMatch(/^issuer\s.*\s√ *$/m);
  });

  it("anchor-expired and expired-leaf: × and exit 1; -o short says only them", async () => {
    const { run } = await expiry("anchor-expired", "--no-verify-leaves", "-o", "short");
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^next to expire: anchor root\.linkerd\.cluster\.local expired 2d\S* ago/,
    );
    expect(lines.slice(1).every((line) => /^[×‼] /.test(line))).toBe(true);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^× anchor root\.linkerd\.cluster\.local: expired 2d\S* ago \(\S+\), \d+% of its lifetime used$/,
      ),
    );
    const leaf = await json("expired-leaf");
    expect(leaf.leaves.find((l) => l.namespace === "emojivoto")).toMatchObject({
      status: "expired",
      pastRenewal: 1,
    });
  });

  it("webhook-cert-expiring-soon: the proxy-injector's serving certificate is ‼", async () => {
    const doc = await json("webhook-cert-expiring-soon", "--no-verify-leaves");
    expect(doc.certificates.find((c) => c.component === "proxy-injector")).toMatchObject({
      layer: "webhook",
      status: "expiring",
    });
    expect(doc.next?.what).toMatch(/^webhook proxy-injector linkerd-proxy-injector\.linkerd\.svc$/);
  });

  it("a rotation's old anchor that signs nothing current is superseded: no headline, no gate, unless asked", async () => {
    const doc = await json("rotation-ready-to-remove-old-anchor");
    const anchors = doc.certificates.filter(
      (c) => c.layer === "anchor" && c.source.name === "linkerd-identity-trust-roots",
    );
    expect(anchors.map((a) => a.superseded).sort()).toEqual([false, true]);
    // While live leaves still chain to it, it is not.
    const inUse = await json("rotation-issuer-rotated");
    expect(inUse.certificates.filter((c) => c.layer === "anchor" && c.superseded)).toEqual([]);
  });

  it("--prometheus: the leaves' expiry from the proxies' own gauge is read there (a URL it cannot reach is exit 3)", async () => {
    const { run } = await expiry("healthy", "--prometheus", "http://127.0.0.1:1");
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^meshlens: cannot query http:\/\/127\.0\.0\.1:1: /);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it.each([
    [
      ["--warn-issuer", "soon"],
      'invalid --warn-issuer "soon": use a duration such as 60d, 720h or 1d12h, or a share of the lifetime such as 20%',
    ],
    [
      ["--fail-within", "0d"],
      'invalid --fail-within "0d": use a duration such as 60d, 720h or 1d12h, or a share of the lifetime such as 20%',
    ],
    [["-o", "yaml"], 'invalid --output "yaml": use table, json or short'],
    [
      ["--prometheus", "viz", "--no-verify-leaves"],
      "--prometheus and --no-verify-leaves cannot be combined",
    ],
  ])("bad input %j: one line, exit 2", async (args, message) => {
    const run = await runCli(["expiry", ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`meshlens: ${message}\n`);
  });
});

describe.skipIf(prometheusTool.skip)("meshlens expiry --prometheus", () => {
  it("takes the leaves' expiry from the proxies' own gauge in a real Prometheus, per namespace", async () => {
    const s = await sim();
    const prometheus = await startPrometheus(kubernetesSdTargets(s), vizScrapeJob());
    try {
      const run = await runCli([
        ...[
          "--kubeconfig",
          s.kubeconfigPath,
          "expiry",
          "--prometheus",
          prometheus.url,
          "-o",
          "json",
        ],
      ]);
      expect(run.code, run.stderr).toBe(0);
      const doc = JSON.parse(run.stdout) as ExpiryJson & { leafStartEstimated: boolean };
      expect(doc.leafSource).toBe("prometheus");
      expect(doc.leafStartEstimated).toBe(true);
      const counts = Object.fromEntries(doc.leaves.map((l) => [l.namespace, l.count]));
      const proxies = s.proxies.all();
      for (const namespace of ["emojivoto", "linkerd", "linkerd-viz"])
        expect(counts[namespace]).toBe(proxies.filter((p) => p.namespace === namespace).length);
      const table = await runCli([
        "--kubeconfig",
        s.kubeconfigPath,
        "expiry",
        "--prometheus",
        prometheus.url,
      ]);
      expect(table.stdout).toContain(
        "leaves: from Prometheus (their start estimated from identity.issuer.issuanceLifetime)",
      );
    } finally {
      await prometheus.stop();
    }
  }, 90_000);
});
