// The simulator's traffic model, as the proxies' /metrics show it (linkerd-facts.md 4.3 labels).
import { describe, expect, it } from "vitest";
import { MetricsCollector } from "../../src/proxy/metrics.js";
import type { KubeObject } from "../../src/sim/index.js";
import { SimulatorError } from "../../src/sim/index.js";
import { podLabels } from "../../src/sim/traffic/labels.js";
import { simulatorsForThisFile } from "../e2e/helpers.js";

const sim = simulatorsForThisFile();

async function metricsOf(s: Awaited<ReturnType<typeof sim>>, namespace: string, app: string) {
  const proxy = s.proxies
    .all()
    .find((p) => p.namespace === namespace && p.podObject.metadata.labels?.app === app);
  if (proxy === undefined) throw new Error(`no proxy for ${namespace}/${app}`);
  const collector = new MetricsCollector(() => true);
  collector.push(await s.proxies.metrics(proxy));
  return collector.end();
}

describe("traffic metrics", () => {
  it("label outbound connections with tls, server_id and the dst_* discovery labels, inbound with client_id", async () => {
    const s = await sim();
    const web = await metricsOf(s, "emojivoto", "web-svc");
    const toEmoji = web.find(
      (m) =>
        m.name === "tcp_open_connections" &&
        m.labels.peer === "dst" &&
        m.labels.dst_deployment === "emoji",
    );
    expect(toEmoji?.labels).toMatchObject({
      direction: "outbound",
      authority: "emoji-svc.emojivoto.svc.cluster.local:8080",
      target_port: "8080",
      tls: "true",
      server_id: "emoji.emojivoto.serviceaccount.identity.linkerd.cluster.local",
      dst_namespace: "emojivoto",
      dst_service: "emoji-svc",
      dst_serviceaccount: "emoji",
    });
    expect(toEmoji?.value).toBe(1);
    const fromVoteBot = web.find(
      (m) =>
        m.name === "tcp_open_connections" &&
        m.labels.direction === "inbound" &&
        m.labels.target_port === "8080",
    );
    expect(fromVoteBot?.labels).toMatchObject({
      peer: "src",
      tls: "true",
      client_id: "default.emojivoto.serviceaccount.identity.linkerd.cluster.local",
      srv_kind: "default",
      srv_port: "8080",
    });
  });

  it("names a Job owner k8s_job, as Linkerd's destination service and tap server do (KindToL5DLabel)", async () => {
    const s = await sim({ scenario: "closed-connections" });
    const report = s.store
      .list({ apiVersion: "v1", kind: "Pod" }, "emojivoto")
      .find((p) => p.metadata.labels?.app === "report");
    expect(report).toBeDefined();
    const labels = podLabels(s.store, report as KubeObject);
    expect(labels).toMatchObject({
      k8s_job: "report",
      namespace: "emojivoto",
      control_plane_ns: "linkerd",
    });
    expect(labels).not.toHaveProperty("job");
  });

  it("split responses by the declared status mix: HTTP codes, and gRPC codes under HTTP 200", async () => {
    const s = await sim();
    const web = await metricsOf(s, "emojivoto", "web-svc");
    const responses = (filter: (labels: Record<string, string>) => boolean) =>
      web.filter((m) => m.name === "response_total" && filter(m.labels));
    const inbound = responses((l) => l.direction === "inbound" && l.target_port === "8080");
    const total = inbound.reduce((sum, m) => sum + m.value, 0);
    const failed = inbound.find((m) => m.labels.status_code === "500");
    expect(failed?.labels.classification).toBe("failure");
    expect((failed?.value ?? 0) / total).toBeCloseTo(0.05, 1);
    const voting = responses((l) => l.direction === "outbound" && l.dst_deployment === "voting");
    expect(
      voting.map((m) => [m.labels.status_code, m.labels.grpc_status, m.labels.classification]),
    ).toEqual([
      ["200", "0", "success"],
      ["200", "2", "failure"],
    ]);
  });

  it("an unmeshed client is no_tls_from_remote at the destination, and a Traffic object that does not parse is refused", async () => {
    const s = await sim({ scenario: "unmeshed-client" });
    const web = await metricsOf(s, "emojivoto", "web-svc");
    expect(
      web.some(
        (m) =>
          m.name === "tcp_open_connections" &&
          m.labels.direction === "inbound" &&
          m.labels.no_tls_reason === "no_tls_from_remote",
      ),
    ).toBe(true);
    await expect(
      sim({
        objects: [
          {
            apiVersion: "sim.meshlens.dev/v1alpha1",
            kind: "Traffic",
            metadata: { name: "bad", namespace: "emojivoto" },
            spec: { flows: [{ from: "deploy/web", to: "web-svc" }] },
          },
        ],
      }),
    ).rejects.toThrow(SimulatorError);
  });
});
