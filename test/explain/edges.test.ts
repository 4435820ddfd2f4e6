// Causes on plain facts: a row the cluster does not account for is "cause unknown" with its raw
// labels, never a guess.
import { describe, expect, it } from "vitest";
import type { Edge } from "../../src/edges/types.js";
import { explainEdge } from "../../src/explain/edges.js";
import type { ExplainPod } from "../../src/explain/types.js";

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
  ...over,
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
      { pods: [web, pod({})] },
      "deployment",
    );
    expect(found?.cause).toBe("addressed-by-ip");
    expect(found?.evidence).toContain("linkerd/linkerd2#3498");
  });

  it("a reason nothing in the cluster explains is cause-unknown with the raw labels", () => {
    const found = explainEdge(edge("not_provided_by_remote"), { pods: [pod({})] }, "deployment");
    expect(found).toMatchObject({
      cause: "cause-unknown",
      evidence:
        'no cause found in the cluster for web -> api: no_tls_reason="not_provided_by_remote"',
    });
    // tls="disabled" from a source whose proxy does have an identity: not guessed either.
    expect(explainEdge(edge("disabled"), { pods: [pod({})] }, "deployment")?.cause).toBe(
      "cause-unknown",
    );
  });

  it("an mTLS row has no explanation", () => {
    expect(
      explainEdge({ ...edge(""), security: { mtls: true } }, { pods: [] }, "deployment"),
    ).toBeUndefined();
  });
});
