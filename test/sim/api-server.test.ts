// The simulated API server through the real client library, as the CLI uses it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKubeCluster } from "../../src/k8s/kube-cluster.js";
import { KubeApiError } from "../../src/k8s/types.js";
import type { KubeObject } from "../../src/sim/index.js";
import { startSim } from "../e2e/helpers.js";

function pod(namespace: string, name: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: "app", image: "app" }] },
  };
}

describe("simulated API server with @kubernetes/client-node", () => {
  let sim: Awaited<ReturnType<typeof startSim>>;
  const extraPods = Array.from({ length: 1203 }, (_, i) =>
    pod(`bulk-${i % 3}`, `p-${String(i).padStart(4, "0")}`, { tier: i % 2 === 0 ? "even" : "odd" }),
  );

  beforeAll(async () => {
    sim = await startSim({ objects: extraPods });
  });
  afterAll(async () => {
    await sim.close();
  });

  const cluster = () =>
    createKubeCluster({
      kubeconfig: sim.kubeconfigPath,
      context: undefined,
      env: {},
      requestTimeoutMs: 5000,
    });

  it("lists all pods across namespaces in bounded pages", async () => {
    const before = sim.api.stats.byPath.get("GET /api/v1/pods") ?? 0;
    const pods = await cluster().listPods(undefined);
    const total = sim.store.list({ apiVersion: "v1", kind: "Pod" }).length;
    expect(pods).toHaveLength(total);
    expect(new Set(pods.map((p) => `${p.namespace}/${p.name}`)).size).toBe(total);
    // 500 per page: ceil(total / 500) requests, never one per pod.
    expect((sim.api.stats.byPath.get("GET /api/v1/pods") ?? 0) - before).toBe(
      Math.ceil(total / 500),
    );
  });

  it("applies label selectors (=, !=, in, notin, exists, !key)", async () => {
    const c = cluster();
    const count = async (labelSelector: string) =>
      (await c.listPods("bulk-0", { labelSelector })).length;
    const all = await count("tier");
    expect(all).toBe(401);
    expect((await count("tier=even")) + (await count("tier!=even"))).toBe(all);
    expect(await count("tier in (even,odd)")).toBe(all);
    expect(await count("tier notin (even)")).toBe(await count("tier==odd"));
    expect(await count("!tier")).toBe(0);
  });

  it("applies field selectors", async () => {
    const pods = await cluster().listPods(undefined, {
      fieldSelector: "metadata.namespace=bulk-1,metadata.name=p-0001",
    });
    expect(pods.map((p) => p.name)).toEqual(["p-0001"]);
  });

  it("answers undefined for a missing object", async () => {
    expect(await cluster().getSecret("linkerd", "nope")).toBeUndefined();
  });

  it("decodes Secret data", async () => {
    const secret = await cluster().getSecret("linkerd", "linkerd-identity-issuer");
    expect(secret?.data["crt.pem"]).toBe(sim.pki.issuer.certPem);
  });

  it("turns 403, 500 and a dropped connection into KubeApiErrors that say what happened", async () => {
    sim.faults.add({
      pathPrefix: "/api/v1/namespaces/kube-system/secrets",
      fault: { kind: "status", status: 403 },
    });
    sim.faults.add({
      pathPrefix: "/api/v1/namespaces/kube-system/configmaps",
      fault: { kind: "status", status: 500 },
    });
    sim.faults.add({ pathPrefix: "/api/v1/namespaces/kube-system/pods", fault: { kind: "drop" } });
    const c = cluster();
    await expect(c.getSecret("kube-system", "x")).rejects.toMatchObject({
      failure: "forbidden",
      status: 403,
    });
    await expect(c.getConfigMap("kube-system", "x")).rejects.toMatchObject({
      failure: "server-error",
      message:
        'cannot get configmaps "x" in namespace "kube-system": Internal error occurred: simulated fault',
    });
    await expect(c.listPods("kube-system")).rejects.toBeInstanceOf(KubeApiError);
    sim.faults.clear();
  });

  it("times out a slow request", async () => {
    sim.faults.add({
      pathPrefix: "/api/v1/namespaces/kube-system/configmaps",
      fault: { kind: "delay", ms: 2000 },
    });
    const slow = createKubeCluster({
      kubeconfig: sim.kubeconfigPath,
      context: undefined,
      env: {},
      requestTimeoutMs: 300,
    });
    await expect(slow.getConfigMap("kube-system", "x")).rejects.toMatchObject({
      failure: "timeout",
    });
    sim.faults.clear();
  });

  it("serves discovery and a Kubernetes Status body for unknown paths", async () => {
    const ca = Buffer.from(
      /certificate-authority-data: (\S+)/.exec(sim.kubeconfig)?.[1] ?? "",
      "base64",
    ).toString();
    const { request } = await import("node:https");
    const get = (path: string) =>
      new Promise<{ status: number; body: unknown }>((resolve, reject) => {
        const req = request(
          `${sim.url}${path}`,
          { ca, headers: { Authorization: `Bearer ${sim.token}` } },
          (res) => {
            let text = "";
            res.on("data", (chunk) => {
              text += chunk;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        req.on("error", reject);
        req.end();
      });
    expect((await get("/apis")).body).toMatchObject({ kind: "APIGroupList" });
    expect((await get("/apis/apps/v1")).body).toMatchObject({
      kind: "APIResourceList",
      groupVersion: "apps/v1",
    });
    expect(await get("/api/v1/nothing")).toEqual({
      status: 404,
      body: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "the server could not find the requested resource",
        reason: "NotFound",
        code: 404,
      },
    });
  });
});
