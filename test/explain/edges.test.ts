// Causes on plain facts: a row the cluster does not account for is "cause unknown" with its raw
// labels, never a guess.
import { describe, expect, it } from "vitest";
import type { Edge } from "../../src/edges/types.js";
import { explainEdge } from "../../src/explain/edges.js";
import type { ExplainFacts, ExplainPod } from "../../src/explain/types.js";

const pod = (over: Partial<ExplainPod>): ExplainPod => ({
  namespace: "shop",
  name: "api-1",
  workloads: { deployment: "api", pod: "api-1", namespace: "shop" },
  owner: "Deployment/api",
  meshed: true,
  noIdentity: undefined,
  ready: true,
  ingress: false,
  skipOutbound: undefined,
  identityDisabledBy: undefined,
  trust: { from: "configmap" },
  inboundPolicy: undefined,
  ...over,
});

const OLD = { sha256: "aa".repeat(32), commonName: "root.linkerd.cluster.local" };
const NEW = { sha256: "bb".repeat(32), commonName: "root.linkerd.cluster.local" };
const facts = (pods: ExplainPod[]): ExplainFacts => ({
  pods,
  currentAnchors: { anchors: [NEW], where: "linkerd/linkerd-identity-trust-roots" },
});

const edge = (reason: string): Edge => ({
  src: "web",
  srcNamespace: "shop",
  dst: "api",
  dstNamespace: "shop",
  clientId: "web.shop",
  serverId: "",
  security: { mtls: false, reason },
});

describe("explainEdge", () => {
  it("a meshed destination with an identity, not found by discovery, was addressed by IP (#3498)", () => {
    const web = pod({ name: "web-1", workloads: { deployment: "web" } });
    const found = explainEdge(
      edge("not_provided_by_service_discovery"),
      facts([web, pod({})]),
      "deployment",
    );
    expect(found?.cause).toBe("addressed-by-ip");
    expect(found?.evidence).toContain("linkerd/linkerd2#3498");
  });

  it("a reason nothing in the cluster explains is cause-unknown with the raw labels", () => {
    const found = explainEdge(edge("not_provided_by_remote"), facts([pod({})]), "deployment");
    expect(found).toMatchObject({
      cause: "cause-unknown",
      evidence:
        'no cause found in the cluster for web -> api: no_tls_reason="not_provided_by_remote"',
    });
    // tls="disabled" from a source whose proxy does have an identity: not guessed either.
    expect(explainEdge(edge("disabled"), facts([pod({})]), "deployment")?.cause).toBe(
      "cause-unknown",
    );
  });

  it("an mTLS row has no explanation while both sides trust the current anchors", () => {
    const mtls: Edge = { ...edge(""), security: { mtls: true } };
    const web = pod({
      name: "web-1",
      workloads: { deployment: "web" },
      trust: { from: "spec", anchors: [OLD, NEW] },
    });
    expect(explainEdge(mtls, facts([web, pod({})]), "deployment")).toBeUndefined();
    expect(explainEdge(mtls, facts([]), "deployment")).toBeUndefined();
  });

  it("a side injected with anchors the mesh no longer uses fails the handshake, whatever the label", () => {
    const mtls: Edge = { ...edge(""), security: { mtls: true } };
    const web = pod({
      name: "web-1",
      owner: "Deployment/web",
      workloads: { deployment: "web" },
      trust: { from: "spec", anchors: [OLD] },
    });
    const found = explainEdge(mtls, facts([web, pod({})]), "deployment");
    expect(found).toEqual({
      cause: "trust-anchors-differ",
      evidence: `shop/web-1 trusts CN=root.linkerd.cluster.local sha256 ${"aa".repeat(8)}; the mesh's current bundle (linkerd/linkerd-identity-trust-roots) holds CN=root.linkerd.cluster.local sha256 ${"bb".repeat(8)}: the two sides cannot verify each other, so new connections fail in the mTLS handshake`,
      fix: "restart Deployment/web (kubectl rollout restart) so their proxies are given the current bundle",
    });
    // Anchors that could not be read are not compared: nothing is said rather than guessed.
    expect(
      explainEdge(
        mtls,
        { pods: [web, pod({})], currentAnchors: { unread: "forbidden" } },
        "deployment",
      ),
    ).toBeUndefined();
  });
});
