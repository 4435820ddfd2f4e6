import { describe, expect, it } from "vitest";
import { computeEdges, securityOf, shortIdentity } from "../../src/edges/compute.js";
import { edgesQuery } from "../../src/edges/prometheus.js";
import { parseEdgesResourceType } from "../../src/edges/resource-types.js";
import type { EdgeSample } from "../../src/edges/types.js";

const id = (sa: string, ns: string) => `${sa}.${ns}.serviceaccount.identity.linkerd.cluster.local`;
const sample = (over: Partial<EdgeSample>): EdgeSample => ({
  src: "web",
  srcNamespace: "emojivoto",
  dst: "emoji",
  dstNamespace: "emojivoto",
  pod: "web-1",
  serverId: id("emoji", "emojivoto"),
  noTlsReason: "",
  tls: undefined,
  value: 1,
  ...over,
});
const pods = new Map([
  ["emojivoto/web-1", { identity: id("web", "emojivoto"), running: true }],
  ["emojivoto/web-2", { identity: id("web", "emojivoto"), running: true }],
  ["emojivoto/gone-1", { identity: id("gone", "emojivoto"), running: false }],
  ["linkerd-viz/prometheus-1", { identity: id("prometheus", "linkerd-viz"), running: true }],
]);

describe("computeEdges (Linkerd's rules, viz/metrics-api/edges.go)", () => {
  it("drops zero samples, samples outside -n, and samples whose source pod is missing or not Running", () => {
    const edges = computeEdges(
      [
        sample({ value: 0 }),
        sample({ srcNamespace: "other", dstNamespace: "other", pod: "web-1" }),
        sample({ src: "gone", pod: "gone-1" }),
        sample({ src: "ghost", pod: "ghost-1" }),
      ],
      { namespace: "emojivoto", pods },
    );
    expect(edges).toEqual([]);
  });

  it("keeps a row whose destination is in -n though its source is elsewhere, with the source pod's identity", () => {
    const [edge] = computeEdges(
      [sample({ src: "prometheus", srcNamespace: "linkerd-viz", pod: "prometheus-1" })],
      { namespace: "emojivoto", pods },
    );
    expect(edge).toMatchObject({
      src: "prometheus",
      srcNamespace: "linkerd-viz",
      clientId: "prometheus.linkerd-viz",
      serverId: "emoji.emojivoto",
      security: { mtls: true },
    });
  });

  it("one row per pair, mTLS only when every sample is, sorted as Go sorts srcNs+dstNs+src+dst", () => {
    const edges = computeEdges(
      [
        sample({ dst: "voting", pod: "web-2", serverId: id("voting", "emojivoto") }),
        sample({ dst: "Zed", serverId: "", noTlsReason: "not_provided_by_service_discovery" }),
        sample({ pod: "web-1" }),
        sample({ pod: "web-2", serverId: "", noTlsReason: "not_provided_by_service_discovery" }),
      ],
      { namespace: undefined, pods },
    );
    expect(edges.map((e) => [e.dst, e.security])).toEqual([
      // Byte order: "Z" sorts before "e".
      ["Zed", { mtls: false, reason: "not_provided_by_service_discovery" }],
      ["emoji", { mtls: false, reason: "not_provided_by_service_discovery" }],
      ["voting", { mtls: true }],
    ]);
  });

  it("decides mTLS from the tls label, or from server_id where Linkerd's query has no tls", () => {
    expect(securityOf({ tls: "true", serverId: "x.y", noTlsReason: "" })).toEqual({ mtls: true });
    expect(securityOf({ tls: "disabled", serverId: "", noTlsReason: "" })).toEqual({
      mtls: false,
      reason: "disabled",
    });
    expect(securityOf({ tls: undefined, serverId: "", noTlsReason: "" })).toEqual({
      mtls: false,
      reason: "disabled",
    });
    expect(
      securityOf({ tls: undefined, serverId: "", noTlsReason: "ingress_without_override" }),
    ).toEqual({ mtls: false, reason: "ingress_without_override" });
    expect(securityOf({ tls: undefined, serverId: "a.b.serviceaccount", noTlsReason: "" })).toEqual(
      {
        mtls: true,
      },
    );
  });

  it("shortens identities to sa.ns, and keeps one without a dot whole (Linkerd would panic)", () => {
    expect(shortIdentity(id("web", "emojivoto"))).toBe("web.emojivoto");
    expect(shortIdentity("nodots")).toBe("nodots");
    expect(shortIdentity("")).toBe("");
  });
});

describe("Linkerd's query and arguments", () => {
  it("builds Linkerd's query byte for byte, matchers sorted (linkerd-facts.md 2.2)", () => {
    expect(edgesQuery("deployment", undefined)).toBe(
      'sum(tcp_open_connections{deployment!="", direction="outbound", dst_deployment!=""}) by (deployment, dst_deployment, pod, server_id, namespace, dst_namespace, no_tls_reason)',
    );
    expect(edgesQuery("pod", undefined)).toBe(
      'sum(tcp_open_connections{direction="outbound", dst_pod!="", pod!=""}) by (pod, dst_pod, pod, server_id, namespace, dst_namespace, no_tls_reason)',
    );
    expect(edgesQuery("job", "1h")).toBe(
      'sum(max_over_time(tcp_open_connections{direction="outbound", dst_k8s_job!="", k8s_job!=""}[1h]) > 0 or increase(tcp_open_total{direction="outbound", dst_k8s_job!="", k8s_job!=""}[1h]) > 0) by (k8s_job, dst_k8s_job, pod, server_id, namespace, dst_namespace, no_tls_reason)',
    );
  });

  it.each([
    [["po"], { ok: true, type: "pod" }],
    [["deploy"], { ok: true, type: "deployment" }],
    [["statefulsets"], { ok: true, type: "statefulset" }],
    [["cj"], { ok: true, type: "cronjob" }],
    [
      ["svc"],
      {
        ok: false,
        message: "Error creating edges request: Resource type is not supported: service",
      },
    ],
    [
      ["authority"],
      {
        ok: false,
        message: "Error creating edges request: Resource type is not supported: authority",
      },
    ],
    [
      ["all"],
      { ok: false, message: "Error creating edges request: Resource type is not supported: all" },
    ],
    [
      ["deploy/web"],
      {
        ok: false,
        message:
          "Error creating edges request: Edges cannot be returned for a specific resource name; remove web from query",
      },
    ],
    [["deploy", "web"], { ok: false, message: "accepts 1 arg(s), received 2" }],
    [[], { ok: false, message: "accepts 1 arg(s), received 0" }],
  ])("%j", (args, expected) => {
    expect(parseEdgesResourceType(args)).toEqual(expected);
  });
});
