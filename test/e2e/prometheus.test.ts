// `check --proxy --prometheus`: a real Prometheus (Debian's `prometheus` package), started on
// loopback by this test, scrapes the simulated proxies; meshlens reads every leaf expiry from it.
// CI (CI=true) fails when prometheus is missing; elsewhere the file is skipped and says so.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject, Simulator } from "../../src/sim/index.js";
import { problemLines, runCli, startSim, toolForTests } from "./helpers.js";
import { proxyTargets, type RunningPrometheus, startPrometheus } from "./prometheus-server.js";

const prometheusTool = toolForTests("prometheus", ["--version"], "the Prometheus tests");

/** `check --proxy` with the leaves' expiry from Prometheus (`source`: a URL or `viz`). */
function checkProxyFrom(sim: { kubeconfigPath: string }, source: string, ...args: string[]) {
  return runCli([
    "--kubeconfig",
    sim.kubeconfigPath,
    ...["check", "--proxy", "--wait", "0s", "--prometheus", source],
    ...args,
  ]);
}

describe.skipIf(prometheusTool.skip)("check --proxy --prometheus with a real Prometheus", () => {
  let sim: Simulator & { kubeconfigPath: string };
  let prometheus: RunningPrometheus;
  beforeAll(async () => {
    sim = await startSim({ scenario: "expired-leaf" });
    prometheus = await startPrometheus(proxyTargets(sim));
  }, 90_000);
  afterAll(async () => {
    await prometheus?.stop();
    await sim?.close();
  });

  const checkWithPrometheus = (...args: string[]) => checkProxyFrom(sim, prometheus.url, ...args);

  it("is installed (CI requires it)", () => {
    expect(prometheusTool.installed).toBe(true);
  });

  it("reads every proxy's leaf expiry in one query and names the expired one", async () => {
    const run = await checkWithPrometheus();
    expect(problemLines(run.stdout)).toEqual([
      "× data plane proxy certificates are within their validity period",
    ]);
    const voting = sim.store
      .list({ apiVersion: "v1", kind: "Pod" }, "emojivoto")
      .find((p) => p.metadata.labels?.app === "voting-svc");
    expect(run.stdout).toMatch(
      new RegExp(
        `\\t\\* emojivoto/${voting?.metadata.name}: not valid anymore\\. Expired on \\S+Z\\n`,
      ),
    );
    // No port-forward at all: Prometheus has it all.
    expect([...sim.api.stats.byPath.keys()].some((k) => k.startsWith("UPGRADE"))).toBe(false);
    expect(run.code).toBe(1);
  });

  it("-o json marks the source of each finding", async () => {
    const run = await checkWithPrometheus("-o", "json", "-n", "emojivoto");
    const proxies = JSON.parse(run.stdout).proxies;
    expect(proxies).toHaveLength(4);
    expect(proxies.every((p: { source: string }) => p.source === "prometheus")).toBe(true);
    expect(proxies.filter((p: { result: string }) => p.result === "ok")).toHaveLength(3);
  });

  it("reaches linkerd-viz's Prometheus through the API server's service proxy (--prometheus viz)", async () => {
    const viz = await startSim({
      scenario: "healthy",
      serviceUpstreams: { "linkerd-viz/prometheus:9090": prometheus.url },
    });
    try {
      const run = await checkProxyFrom(viz, "viz", "-n", "emojivoto");
      // This Prometheus scrapes the other simulator's pods: the ones it has no series for are
      // reported missing, by name.
      expect(problemLines(run.stdout)).toEqual(["× data plane proxies answer on their admin port"]);
      expect(run.stdout).toContain("Some proxies' certificates are not in Prometheus:\n\t* ");
      // Missing from Prometheus is still a finding of the Prometheus source, not of a live probe.
      const json = await checkProxyFrom(viz, "viz", "-n", "emojivoto", "-o", "json");
      const proxies = JSON.parse(json.stdout).proxies as { source: string; result: string }[];
      expect(proxies.every((p) => p.source === "prometheus")).toBe(true);
      expect(proxies.some((p) => p.result === "unreachable")).toBe(true);
      expect([...viz.api.stats.byPath.keys()]).toContain(
        "GET /api/v1/namespaces/linkerd-viz/services/prometheus:9090/proxy/api/v1/query",
      );
    } finally {
      await viz.close();
    }
  });

  it("a proxy that started moments ago is not yet expected in Prometheus; one that ran for minutes is", async () => {
    // Copies of the web pod that this Prometheus never scrapes, one whose proxy started just now.
    const web = sim.store
      .list({ apiVersion: "v1", kind: "Pod" }, "emojivoto")
      .find((p) => p.metadata.labels?.app === "web-svc") as KubeObject;
    const copy = (name: string, startedAt: Date): KubeObject => {
      const status = web.status as { initContainerStatuses?: Array<Record<string, unknown>> };
      return {
        ...web,
        metadata: { ...web.metadata, name },
        status: {
          ...status,
          initContainerStatuses: (status.initContainerStatuses ?? []).map((s) =>
            s.name === "linkerd-proxy"
              ? { ...s, state: { running: { startedAt: startedAt.toISOString() } } }
              : s,
          ),
        },
      };
    };
    sim.store.put(copy("web-new", new Date()));
    try {
      const fresh = await checkWithPrometheus("-n", "emojivoto");
      expect(problemLines(fresh.stdout)).toEqual([
        "× data plane proxy certificates are within their validity period",
      ]);
      expect(fresh.stdout).toMatch(
        /√ data plane proxies answer on their admin port\n {4}1 pod was not asked:\n\t\* web-new: its proxy started \d+s ago, before Prometheus could scrape it\n/,
      );
      sim.store.put(copy("web-new", new Date(Date.now() - 10 * 60_000)));
      const stale = await checkWithPrometheus("-n", "emojivoto");
      expect(problemLines(stale.stdout)).toContain(
        "× data plane proxies answer on their admin port",
      );
      expect(stale.stdout).toContain(
        "\t* web-new: no certificate expiry reported to Prometheus for this pod\n",
      );
    } finally {
      sim.store.remove("v1", "Pod", "emojivoto", "web-new");
    }
  });

  it("an unreachable Prometheus is a clear error, and data meshlens could not read (exit 3)", async () => {
    const run = await checkProxyFrom(sim, "http://127.0.0.1:9");
    expect(run.stdout).toContain(
      "    cannot query http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9\n",
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(3);
  });
});
