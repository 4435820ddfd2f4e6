// `rotation --prometheus`: the leaves' expiry from a real Prometheus (Debian's `prometheus`
// package) that scrapes the simulated proxies. Prometheus knows when each leaf expires, not which
// anchor it chains to: the expiry-dependent words are said, the chain questions "cannot tell".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/index.js";
import { runCli, startSim, toolForTests } from "./helpers.js";
import { proxyTargets, type RunningPrometheus, startPrometheus } from "./prometheus-server.js";

const prometheusTool = toolForTests("prometheus", ["--version"], "the Prometheus tests");

describe.skipIf(prometheusTool.skip)("rotation --prometheus with a real Prometheus", () => {
  let sim: Simulator & { kubeconfigPath: string };
  let prometheus: RunningPrometheus;
  beforeAll(async () => {
    sim = await startSim({ scenario: "rotation-issuer-before-bundle" });
    prometheus = await startPrometheus(proxyTargets(sim));
  }, 90_000);
  afterAll(async () => {
    await prometheus?.stop();
    await sim?.close();
  });

  const rotation = (...args: string[]) =>
    runCli([
      "--kubeconfig",
      sim.kubeconfigPath,
      "rotation",
      "--prometheus",
      prometheus.url,
      ...args,
    ]);

  it("says when the first leaf of a proxy lacking the issuer's anchor expires, without a port-forward", async () => {
    const run = await rotation();
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      /^× the issuer's anchor is missing from 8 proxies: .*\n {4}they reject every new leaf and keep their current one until it expires \(the first in \d+h\d+m\)/m,
    );
    // The leaves' chains are not known: the column says so.
    expect(run.stdout).toMatch(/not fetched\s*\n/);
    expect([...sim.api.stats.byPath.keys()].some((k) => k.startsWith("UPGRADE"))).toBe(false);
    const json = JSON.parse((await rotation("-o", "json")).stdout);
    expect(json).toMatchObject({ leafSource: "prometheus", leavesFetched: false });
    expect(
      json.pods.every((p: { leafNotAfter: unknown }) => typeof p.leafNotAfter === "string"),
    ).toBe(true);
  });

  it("a chain question cannot be told from Prometheus: exit 3, saying why", async () => {
    const document = JSON.parse((await rotation("-o", "json")).stdout);
    const old = document.anchors.find(
      (a: { signedCurrentIssuer: boolean }) => !a.signedCurrentIssuer,
    );
    const run = await rotation("--ready-for", `remove-anchor=${old.fingerprintSha256}`);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(
      "Prometheus gives the leaves' expiry, not the anchor they chain to",
    );
  });

  it("a Prometheus that does not answer is exit 3, one line", async () => {
    const run = await runCli([
      "--kubeconfig",
      sim.kubeconfigPath,
      "rotation",
      "--prometheus",
      "http://127.0.0.1:1",
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/cannot query/);
  });
});
