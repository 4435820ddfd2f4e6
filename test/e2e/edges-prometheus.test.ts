// Both sources of `meshlens edges` give the same rows on the same cluster: each proxy read directly,
// and a real Prometheus (Debian's) scraping the same proxies with linkerd-viz's own relabelling,
// taken from linkerd-viz's install manifest (test/fixtures/linkerd/install/viz_install_default.golden).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/index.js";
import { runCli, startSim, toolForTests } from "./helpers.js";
import {
  kubernetesSdTargets,
  type RunningPrometheus,
  startPrometheus,
  vizScrapeJob,
} from "./prometheus-server.js";

const prometheusTool = toolForTests("prometheus", ["--version"], "the edges Prometheus tests");

describe.skipIf(prometheusTool.skip).each([
  // The demo's cluster; and with vote-bot's proxy without identity: rows that are not mTLS, with
  // and without a reason.
  "healthy",
  "tls-disabled",
])("edges from the proxies and from a real Prometheus (%s)", (scenario) => {
  let sim: Simulator & { kubeconfigPath: string };
  let prometheus: RunningPrometheus;
  beforeAll(async () => {
    sim = await startSim({ scenario });
    prometheus = await startPrometheus(kubernetesSdTargets(sim), vizScrapeJob());
  }, 90_000);
  afterAll(async () => {
    await prometheus?.stop();
    await sim?.close();
  });

  const both = async (...args: string[]) => {
    const edges = (...more: string[]) =>
      runCli(["--kubeconfig", sim.kubeconfigPath, "edges", ...args, ...more]);
    const [direct, fromPrometheus] = await Promise.all([
      edges(),
      edges("--prometheus", prometheus.url),
    ]);
    return { direct, fromPrometheus };
  };

  it("is installed (CI requires it)", () => {
    expect(prometheusTool.installed).toBe(true);
  });

  it.each([
    ["deploy", "-A"],
    ["deploy", "-n", "emojivoto"],
    ["po", "-n", "emojivoto", "-o", "wide"],
    ["deploy", "-A", "-o", "json"],
  ])("edges %s %s %s: the same output", async (...args) => {
    const { direct, fromPrometheus } = await both(...args);
    expect(direct.code).toBe(0);
    expect(direct.stderr).toBe("");
    expect(fromPrometheus).toEqual(direct);
  });

  it("the rows that matter are there: the seed's, linkerd-viz's Prometheus, and the plaintext ones", async () => {
    const { fromPrometheus } = await both("deploy", "-n", "emojivoto");
    const plaintext = scenario === "tls-disabled";
    expect(fromPrometheus.stdout).toMatch(
      plaintext
        ? /^vote-bot +web +emojivoto +emojivoto +Disabled +$/m
        : /^vote-bot +web +emojivoto +emojivoto +√ +$/m,
    );
    expect(fromPrometheus.stdout).toMatch(
      plaintext
        ? /^prometheus +vote-bot +linkerd-viz +emojivoto +Not Provided By Service Discovery$/m
        : /^prometheus +vote-bot +linkerd-viz +emojivoto +√ +$/m,
    );
    expect(fromPrometheus.stdout).toMatch(/^web +emoji +emojivoto +emojivoto +√ +$/m);
  });

  it("--seen over a window reads tcp_open_total's increase", async () => {
    const run = await runCli([
      "--kubeconfig",
      sim.kubeconfigPath,
      ...[
        "edges",
        "deploy",
        "-n",
        "emojivoto",
        "--prometheus",
        prometheus.url,
        "--seen",
        "--since",
        "5m",
      ],
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^web +voting +emojivoto +emojivoto +√ +$/m);
  });

  it("--since takes any Prometheus duration (1h30m, 1y, 500ms) and implies --seen (issue 16)", async () => {
    const edges = (...args: string[]) =>
      runCli([
        "--kubeconfig",
        sim.kubeconfigPath,
        "edges",
        "deploy",
        "-A",
        "--prometheus",
        prometheus.url,
        ...args,
      ]);
    const seen = await edges("--seen", "--since", "1h30m");
    expect(seen.code).toBe(0);
    expect(await edges("--since", "1h30m")).toEqual(seen);
    for (const window of ["1y", "2w1d", "500ms"])
      expect((await edges("--since", window)).code).toBe(0);
    const bad = await edges("--since", "1h1h");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'meshlens: invalid --since "1h1h": use a Prometheus duration such as 1h, 1h30m or 2d\n',
    );
  });
});
