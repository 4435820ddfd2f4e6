// Both sources of `meshlens edges` give the same rows on the same cluster: each proxy read directly,
// and a real Prometheus (Debian's) scraping the same proxies with linkerd-viz's own relabelling,
// taken from linkerd-viz's install manifest (test/fixtures/linkerd/install/viz_install_default.golden).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadAll, load as parseYaml, dump as stringify } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/index.js";
import { linkerdFixtures } from "../fixtures.js";
import { runCli, startSim, toolForTests } from "./helpers.js";
import { type RunningPrometheus, startPrometheus, type TargetGroup } from "./prometheus-server.js";

const prometheusTool = toolForTests("prometheus", ["--version"], "the edges Prometheus tests");

/** The relabel_configs of linkerd-viz's `linkerd-proxy` scrape job, verbatim. */
function vizRelabelling(): unknown[] {
  const manifest = readFileSync(
    join(linkerdFixtures, "install", "viz_install_default.golden"),
    "utf8",
  );
  for (const document of loadAll(manifest)) {
    const object = document as { kind?: string; data?: Record<string, string> } | null;
    const config = object?.kind === "ConfigMap" ? object.data?.["prometheus.yml"] : undefined;
    if (config === undefined) continue;
    const jobs = (
      parseYaml(config) as {
        scrape_configs: Array<{ job_name: string; relabel_configs: unknown[] }>;
      }
    ).scrape_configs;
    const job = jobs.find((j) => j.job_name === "linkerd-proxy");
    if (job) return job.relabel_configs;
  }
  throw new Error("no linkerd-proxy scrape job in viz_install_default.golden");
}

/** What Kubernetes service discovery would give Prometheus for each proxy's linkerd-admin port. */
function kubernetesSdTargets(sim: Simulator): TargetGroup[] {
  const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, "_");
  return sim.proxies.all().map((proxy) => ({
    targets: [`127.0.0.1:${proxy.port}`],
    labels: {
      __meta_kubernetes_namespace: proxy.namespace,
      __meta_kubernetes_pod_name: proxy.pod,
      __meta_kubernetes_pod_phase: "Running",
      __meta_kubernetes_pod_container_name: "linkerd-proxy",
      __meta_kubernetes_pod_container_port_name: "linkerd-admin",
      ...Object.fromEntries(
        Object.entries(proxy.podObject.metadata.labels ?? {}).map(([key, value]) => [
          `__meta_kubernetes_pod_label_${sanitize(key)}`,
          value,
        ]),
      ),
    },
  }));
}

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
    const relabel = stringify({ relabel_configs: vizRelabelling() }, { lineWidth: -1 })
      .trimEnd()
      .split("\n")
      .map((line) => `    ${line}`);
    prometheus = await startPrometheus(kubernetesSdTargets(sim), relabel);
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
