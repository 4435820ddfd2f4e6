// `edges --prometheus --explain` names the meshed pods Prometheus does not scrape, once, with why
// (issue 20; linkerd/linkerd2#9150): on the scrape-denied scenario a real Prometheus (Debian's) gets
// 403 from emojivoto's proxies, whose namespace's default inbound policy is deny; once the policy
// `linkerd viz allow-scrapes` writes is applied with kubectl, they are scraped and nothing is said.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../fixtures.js";
import {
  runCli,
  runShell,
  type StartedSim,
  simulatorsForThisFile,
  toolForTests,
} from "./helpers.js";
import {
  kubernetesSdTargets,
  type RunningPrometheus,
  startPrometheus,
  vizScrapeJob,
} from "./prometheus-server.js";

const prometheusTool = toolForTests("prometheus", ["--version"], "the unscraped-pods tests");
const kubectl = toolForTests("kubectl", ["version", "--client"], "the unscraped-pods tests");
const sim = simulatorsForThisFile();

describe.skipIf(prometheusTool.skip || kubectl.skip)("pods Prometheus does not scrape", () => {
  let s: StartedSim;
  let prometheus: RunningPrometheus;
  const emojivoto = () => s.proxies.all().filter((p) => p.namespace === "emojivoto");
  beforeAll(async () => {
    s = await sim({ scenario: "scrape-denied" });
    prometheus = await startPrometheus(kubernetesSdTargets(s), vizScrapeJob(), {
      refusing: emojivoto().length,
    });
  }, 90_000);
  afterAll(() => prometheus?.stop());

  const edges = (...args: string[]) =>
    runCli(["--kubeconfig", s.kubeconfigPath, "edges", "deploy", ...args]);

  it("are named once per namespace with the policy that refuses them and the fix", async () => {
    const run = await edges("-A", "--prometheus", prometheus.url, "--explain");
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(
        /^meshlens: Prometheus does not scrape 4 meshed pods in namespace emojivoto \(up is 0: the scrapes fail\): \S+, \S+, \S+ and 1 more; their edges are missing$/,
      ),
      'meshlens:   why: config.linkerd.io/default-inbound-policy "deny" on the namespace emojivoto refuses the scrapes of the proxies\' admin port (linkerd/linkerd2#9150)',
      "meshlens:   fix: linkerd viz allow-scrapes --namespace emojivoto | kubectl apply -f -",
    ]);
    // Not as missing edges: the rows are Prometheus's, no row is made up for them.
    expect(run.stdout).not.toMatch(/^web +emoji /m);
    // Without --explain, nothing is read or said beyond Linkerd's query.
    const plain = await edges("-A", "--prometheus", prometheus.url);
    expect(plain.stderr).toBe("");
  });

  it("read directly, the proxies' refusal is told from RBAC's", async () => {
    const run = await edges("-n", "emojivoto");
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^meshlens: cannot read (emojivoto\/\S+, ){3}emojivoto\/\S+'s metrics: its proxy refused the request \(403 Forbidden\): its inbound policy does not authorize the admin port/m,
    );
    expect(run.stderr).not.toMatch(/RBAC|forbidden \(needs/);
  });

  it("once allow-scrapes' policy is applied, they are scraped and nothing is said", async () => {
    const policy = join(projectRoot, "test", "fixtures", "policy", "allow-scrapes-emojivoto.yaml");
    const applied = await runShell('kubectl --kubeconfig "$1" apply -f "$2"', {}, [
      s.kubeconfigPath,
      policy,
    ]);
    expect(applied.code, applied.stderr).toBe(0);
    // Prometheus scrapes on its own (wall) clock, every second: wait for it to see them up.
    const deadline = Date.now() + 30_000;
    const query = encodeURIComponent('count(up{job="linkerd-proxy"} == 0)');
    while (Date.now() < deadline) {
      const body = (await (
        await fetch(`${prometheus.url}/api/v1/query?query=${query}`)
      ).json()) as {
        data: { result: unknown[] };
      };
      if (body.data.result.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const run = await edges("-A", "--prometheus", prometheus.url, "--explain");
    expect(run.stderr).toBe("");
    expect((await edges("-n", "emojivoto")).code).toBe(0);
  });
});
