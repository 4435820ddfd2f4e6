// The exporter scraped by a real Prometheus (Debian's) with the shipped rules loaded (issue 21):
// the issuer alerts go off on a cluster whose issuer expires in 5 days, none on a healthy one. The
// rules wait 15 minutes before firing, so "goes off" is pending or firing (promtool's unit tests,
// test/e2e/prometheus-rules.test.ts, cover the waits).
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectRoot } from "../fixtures.js";
import { simulatorsForThisFile, startLongLived, toolForTests } from "./helpers.js";
import { type RunningPrometheus, startPrometheus } from "./prometheus-server.js";

const prometheusTool = toolForTests("prometheus", ["--version"], "the exporter's Prometheus test");
const sim = simulatorsForThisFile();
const RULES = join(projectRoot, "deploy", "prometheus", "meshlens-rules.yaml");

interface Alert {
  labels: { alertname: string; severity: string };
  state: string;
}

async function alertsOf(prometheus: RunningPrometheus): Promise<Alert[]> {
  const body = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as {
    data: { alerts: Alert[] };
  };
  return body.data.alerts;
}

/** Whether every rule group has been evaluated since `since` (after the first scrape). */
async function evaluatedSince(prometheus: RunningPrometheus, since: number): Promise<boolean> {
  const body = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
    data: { groups: Array<{ lastEvaluation: string }> };
  };
  return (
    body.data.groups.length === 3 &&
    body.data.groups.every((g) => Date.parse(g.lastEvaluation) > since)
  );
}

describe.skipIf(prometheusTool.skip)(
  "the exporter, scraped by Prometheus with the shipped rules",
  () => {
    let prometheus: RunningPrometheus | undefined;
    afterEach(async () => {
      await prometheus?.stop();
      prometheus = undefined;
    });

    it.each([
      [
        "issuer-expiring-within-week",
        ["MeshlensCheckFailed", "MeshlensIssuerExpiringCritical", "MeshlensIssuerExpiringSoon"],
      ],
      ["healthy", []],
    ] as const)(
      "%s: %j",
      async (scenario, expected) => {
        const s = await sim({ scenario });
        const exporter = await startLongLived(
          [
            "--kubeconfig",
            s.kubeconfigPath,
            "exporter",
            "--listen",
            "127.0.0.1:0",
            "--no-verify-leaves",
          ],
          /serving http:\/\/[\d.]+:\d+\/metrics/,
        );
        const port = /serving http:\/\/[\d.]+:(\d+)\/metrics/.exec(exporter.said())?.[1];
        prometheus = await startPrometheus([{ targets: [`127.0.0.1:${port}`], labels: {} }], [], {
          jobName: "meshlens",
          ruleFiles: [RULES],
        });
        // Rules run every second here: wait for an evaluation after the first scrape, then read.
        const scraped = Date.now();
        let alerts: Alert[] = [];
        for (let i = 0; i < 100; i += 1) {
          alerts = await alertsOf(prometheus);
          const names = new Set(alerts.map((a) => a.labels.alertname));
          if (
            (await evaluatedSince(prometheus, scraped + 1000)) &&
            expected.every((name) => names.has(name))
          )
            break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect([...new Set(alerts.map((a) => a.labels.alertname))].sort()).toEqual([...expected]);
        expect(alerts.every((a) => a.state === "pending" || a.state === "firing")).toBe(true);
        exporter.child.kill("SIGTERM");
      },
      90_000,
    );
  },
);
