// `meshlens check --proxy` and `meshlens identity` against the simulator's proxies, as a user runs them.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { connect as netConnect } from "node:net";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/sim/index.js";
import { PROXY_FAULT_ANNOTATION } from "../../src/sim/index.js";
import {
  kubeconfigVariant,
  kubeconfigWithPlugin,
  problemLines,
  runCli,
  type StartedSim,
  simulatorsForThisFile,
} from "./helpers.js";

type Sim = StartedSim;
const sim = simulatorsForThisFile();

const checkProxy = (s: Sim, ...args: string[]) =>
  runCli(["--kubeconfig", s.kubeconfigPath, "check", "--proxy", "--wait", "0s", ...args]);
const identity = (s: Sim, ...args: string[]) =>
  runCli(["--kubeconfig", s.kubeconfigPath, "identity", ...args]);
const podsOf = (s: Sim, namespace: string, app: string) =>
  s.store
    .list({ apiVersion: "v1", kind: "Pod" }, namespace)
    .filter((p) => p.metadata.labels?.app === app)
    .map((p) => p.metadata.name);

describe("check --proxy on each data-plane scenario", () => {
  it("healthy: every data-plane check passes, in Linkerd's order", async () => {
    const s = await sim();
    const run = await checkProxy(s);
    expect(run.code).toBe(0);
    expect(problemLines(run.stdout)).toEqual([]);
    const headers = run.stdout
      .split("\n")
      .filter((_line, i, lines) => /^-+$/.test(lines[i + 1] ?? ""));
    expect(headers.slice(-2)).toEqual(["linkerd-identity-data-plane", "linkerd-data-plane"]);
    expect(run.stdout).toContain(
      "linkerd-identity-data-plane\n---------------------------\n√ data plane proxies certificate match CA\n",
    );
    expect(run.stdout).toContain(
      "linkerd-data-plane\n------------------\n√ data plane proxies are ready\n",
    );
  });

  it("stale-trust-bundle: names the pods to restart, as a warning (exit 0, 1 with --fail-on warning)", async () => {
    const s = await sim({ scenario: "stale-trust-bundle" });
    const run = await checkProxy(s);
    expect(problemLines(run.stdout)).toEqual(["‼ data plane proxies certificate match CA"]);
    const stale = [...podsOf(s, "emojivoto", "voting-svc"), ...podsOf(s, "emojivoto", "web-svc")]
      .map((p) => `\t* emojivoto/${p}`)
      .sort();
    expect(run.stdout).toContain(
      `    Some pods do not have the current trust bundle and must be restarted:\n${stale.join("\n")}\n`,
    );
    expect(run.code).toBe(0);
    expect((await checkProxy(s, "--fail-on", "warning")).code).toBe(1);
    // With -n, pod names lose their namespace, as in Linkerd.
    const scoped = await checkProxy(s, "-n", "emojivoto");
    expect(scoped.stdout).toContain(`\t* ${podsOf(s, "emojivoto", "voting-svc")[0]}\n`);
  });

  it("anchor-rotation: the same anchors in another order and layout are not a mismatch (linkerd/linkerd2#7449)", async () => {
    const s = await sim({ scenario: "anchor-rotation" });
    const run = await checkProxy(s);
    expect(problemLines(run.stdout)).toEqual([]);
    expect(run.code).toBe(0);
  });

  it("issuer-drift: leaves from an issuer that is no longer the Secret's are errors, by pod (linkerd/linkerd2#15109)", async () => {
    const s = await sim({ scenario: "issuer-drift" });
    const run = await checkProxy(s, "-n", "emojivoto");
    expect(problemLines(run.stdout)).toEqual([
      "× data plane proxies serve a certificate issued by the current issuer",
    ]);
    for (const pod of podsOf(s, "emojivoto", "web-svc"))
      expect(run.stdout).toMatch(
        new RegExp(
          `\\t\\* ${pod}: issued by "CN=identity.linkerd.cluster.local" \\(serial \\d+\\), not by the current issuer`,
        ),
      );
    expect(run.code).toBe(1);
  });

  it("expired-leaf: the proxy that could not renew is named, with its failed refreshes", async () => {
    const s = await sim({ scenario: "expired-leaf" });
    const run = await checkProxy(s);
    expect(problemLines(run.stdout)).toEqual([
      "× data plane proxy certificates are within their validity period",
    ]);
    const [voting] = podsOf(s, "emojivoto", "voting-svc");
    expect(run.stdout).toMatch(
      new RegExp(
        `\\t\\* emojivoto/${voting}: not valid anymore\\. Expired on \\S+Z \\(the proxy counts \\d+ failed refreshes\\)`,
      ),
    );
    expect(run.code).toBe(1);
  });

  it("proxies-not-ready: Linkerd's readiness messages, Pending pods do not stall the run", async () => {
    const s = await sim({ scenario: "proxies-not-ready" });
    const run = await checkProxy(s);
    expect(problemLines(run.stdout)).toEqual(["× data plane proxies are ready"]);
    expect(run.stdout).toContain(
      `\t* pod "${podsOf(s, "emojivoto", "emoji-svc")[0]}" status is Pending\n`,
    );
    expect(run.stdout).toContain(
      `\t* container "linkerd-proxy" in pod "${podsOf(s, "emojivoto", "web-svc")[0]}" is not ready\n`,
    );
    expect(run.code).toBe(1);
  });

  it("proxies-unresponsive: every proxy that cannot be reached is named with the reason", async () => {
    const s = await sim({ scenario: "proxies-unresponsive" });
    const run = await checkProxy(s, "--proxy-timeout", "1s");
    expect(problemLines(run.stdout)).toEqual(["× data plane proxies answer on their admin port"]);
    const [emoji] = podsOf(s, "emojivoto", "emoji-svc");
    const [voting] = podsOf(s, "emojivoto", "voting-svc");
    expect(run.stdout).toContain(
      `\t* emojivoto/${emoji}: port-forward: error forwarding port 4191 to pod emojivoto/${emoji}: dial tcp4 127.0.0.1:4191: connect: connection refused\n`,
    );
    expect(run.stdout).toContain(
      `\t* emojivoto/${voting}: no answer from the proxy admin port within 1s\n`,
    );
    expect(run.code).toBe(1);
  });
});

describe("check --proxy details", () => {
  it("-o json lists per-pod findings", async () => {
    const s = await sim({ scenario: "expired-leaf" });
    const run = await checkProxy(s, "-o", "json", "-n", "emojivoto");
    const doc = JSON.parse(run.stdout);
    expect(doc.proxies).toHaveLength(4);
    const [voting] = podsOf(s, "emojivoto", "voting-svc");
    const expired = doc.proxies.find((p: { pod: string }) => p.pod === voting);
    expect(expired).toMatchObject({
      namespace: "emojivoto",
      identity: "voting.emojivoto.serviceaccount.identity.linkerd.cluster.local",
      source: "live",
      result: "error",
      issuer: "CN=identity.linkerd.cluster.local",
    });
    expect(expired.secondsLeft).toBeLessThan(0);
    const healthy = doc.proxies.find((p: { pod: string }) => p.pod !== voting);
    expect(healthy.result).toBe("ok");
    expect(healthy.secondsLeft).toBeGreaterThan(0);
    expect(healthy.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("at scale, every proxy's reported leaf is the one it serves (leaves are released as they are judged)", async () => {
    const s = await sim({ scenario: "scale", scale: { pods: 400, namespaces: 8 } });
    const run = await checkProxy(s, "-o", "json");
    expect(run.code).toBe(0);
    const reported = new Map<string, { result: string; fingerprintSha256: string; issuer: string }>(
      JSON.parse(run.stdout).proxies.map((p: { namespace: string; pod: string }) => [
        `${p.namespace}/${p.pod}`,
        p,
      ]),
    );
    const proxies = s.proxies.all();
    expect(reported.size).toBe(proxies.length);
    for (const proxy of proxies) {
      const served = await s.proxies.leafOf(proxy);
      const der = Buffer.from(served.leaf.certPem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
      expect(reported.get(`${proxy.namespace}/${proxy.pod}`)).toMatchObject({
        result: "ok",
        issuer: "CN=identity.linkerd.cluster.local",
        fingerprintSha256: createHash("sha256").update(der).digest("hex"),
      });
    }
  });

  it("-l limits the pods checked", async () => {
    const s = await sim({ scenario: "expired-leaf" });
    const run = await checkProxy(s, "-n", "emojivoto", "-l", "app=web-svc", "-o", "json");
    expect(JSON.parse(run.stdout).proxies.map((p: { pod: string }) => p.pod)).toEqual(
      podsOf(s, "emojivoto", "web-svc"),
    );
    expect(run.code).toBe(0);
  });

  it("a malformed -l is a usage error (exit 2), not a failed check", async () => {
    const s = await sim();
    const run = await checkProxy(s, "-l", "app=web tier=front");
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `meshlens: invalid --selector "app=web tier=front": found 'tier', expected: ',' or end of selector\n`,
    );
    expect(run.stdout).toBe("");
  });

  it("a port-forward the API server is slow to open times out as an access problem, named per pod (exit 3)", async () => {
    const s = await sim({
      faults: [
        { pathPrefix: "/api/v1/namespaces/emojivoto/pods/", fault: { kind: "delay", ms: 4000 } },
      ],
    });
    const run = await checkProxy(s, "--proxy-timeout", "1s");
    expect(problemLines(run.stdout)).toEqual(["× data plane proxies answer on their admin port"]);
    for (const app of ["emoji-svc", "vote-bot", "voting-svc", "web-svc"]) {
      const [pod] = podsOf(s, "emojivoto", app);
      expect(run.stdout).toContain(
        `\t* emojivoto/${pod}: port-forward failed: the API server did not open it within 1s\n`,
      );
    }
    expect(run.code).toBe(3);
  });

  it("a kubeconfig proxy-url carries the API calls and every port-forward through that proxy", async () => {
    const s = await sim();
    // A real HTTP CONNECT proxy on loopback; it notes the local port of each connection it opens.
    const targets = new Set<string>();
    const viaProxy = new Set<number>();
    const proxy = createServer((_request, response) => response.writeHead(405).end());
    proxy.on("connect", (request, client, head) => {
      targets.add(request.url ?? "");
      const [host = "", port = ""] = (request.url ?? "").split(":");
      const upstream = netConnect(Number(port), host, () => {
        viaProxy.add(upstream.localPort ?? 0);
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    // And the API server notes where each connection it accepts comes from.
    const arrivals: number[] = [];
    const noteArrival = (socket: { remotePort?: number }) => arrivals.push(socket.remotePort ?? 0);
    s.api.server.on("connection", noteArrival);
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = proxy.address() as { port: number };
      const kubeconfig = kubeconfigVariant(s, "via-proxy", (text) =>
        text.replace(/^(\s*)server: (.*)$/m, `$1server: $2\n$1proxy-url: http://127.0.0.1:${port}`),
      );
      const run = await runCli(["--kubeconfig", kubeconfig, "check", "--proxy", "-o", "short"]);
      expect(run.stdout).toBe("Status check results are √\n");
      expect(run.code).toBe(0);
      const forwards = [...s.api.stats.byPath.keys()].filter((k) => k.startsWith("UPGRADE"));
      expect(forwards).toHaveLength(11);
      expect(targets).toEqual(new Set([new URL(s.url).host]));
      // Each port-forward needs its own connection; none of them reached the API server directly.
      expect(arrivals.length).toBeGreaterThanOrEqual(forwards.length);
      expect(arrivals.filter((from) => !viaProxy.has(from))).toEqual([]);
    } finally {
      s.api.server.off("connection", noteArrival);
      proxy.close();
    }
  });

  it("a forbidden port-forward skips the proxies it kept from, naming the permission (issue 20)", async () => {
    const s = await sim({
      faults: [
        {
          pathPrefix: "/api/v1/namespaces/emojivoto/pods/",
          fault: { kind: "status", status: 403 },
        },
      ],
    });
    const run = await checkProxy(s);
    // Not a finding about the mesh, nor a failure: skipped, said with the permission. The control
    // plane's proxies were asked, so the run checked something: not exit 3.
    expect(problemLines(run.stdout)).toEqual([]);
    expect(run.stdout).toContain(
      '- data plane proxies answer on their admin port\n    skipped: forbidden (needs create pods/portforward in namespace "emojivoto")\n',
    );
    expect(run.code).toBe(0);
    const json = JSON.parse((await checkProxy(s, "-o", "json")).stdout) as {
      categories: Array<{
        checks: Array<{ description: string; result: string; permission?: string }>;
      }>;
    };
    const answer = json.categories
      .flatMap((c) => c.checks)
      .find((c) => c.description === "data plane proxies answer on their admin port");
    expect(answer).toMatchObject({
      result: "skipped",
      permission: 'create pods/portforward in namespace "emojivoto"',
    });
    // One pod denied among proxies that fail otherwise: named with the permission, one line each.
    s.faults.clear();
    const [web] = podsOf(s, "emojivoto", "web-svc");
    const [emoji] = podsOf(s, "emojivoto", "emoji-svc");
    s.faults.add({
      pathPrefix: `/api/v1/namespaces/emojivoto/pods/${web}/`,
      fault: { kind: "status", status: 403 },
    });
    s.faults.add({
      pathPrefix: `/api/v1/namespaces/emojivoto/pods/${emoji}/`,
      fault: { kind: "drop" },
    });
    const one = await checkProxy(s, "--request-timeout", "1s");
    expect(one.stdout).toContain(
      `\t* emojivoto/${web}: skipped: forbidden (needs create pods/portforward in namespace "emojivoto")\n`,
    );
    expect(one.code).toBe(3);
  });

  it("many proxies failing for the same reason are one line; -o json still lists each", async () => {
    const s = await sim({
      scenario: "scale",
      scale: { pods: 8, namespaces: 1 },
      faults: [{ pathPrefix: "/api/v1/namespaces/scale-000/pods/", fault: { kind: "drop" } }],
    });
    // Each dropped port-forward is retried (issue 18) for at most the request timeout.
    const run = await checkProxy(s, "-n", "scale-000", "--request-timeout", "1s");
    const lines = run.stdout.split("\n").filter((line) => line.startsWith("\t* "));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\t\* 8 pods \(app-0-[a-z0-9-]+, app-0-[a-z0-9-]+, app-0-[a-z0-9-]+, …\): port-forward failed: cannot reach the Kubernetes API at /,
    );
    expect(run.code).toBe(3);
    const json = await checkProxy(s, "-n", "scale-000", "-o", "json", "--request-timeout", "1s");
    const proxies = JSON.parse(json.stdout).proxies as { result: string }[];
    expect(proxies.map((p) => p.result)).toEqual(Array(8).fill("unreachable"));
  });

  it("a namespace that does not exist fails Linkerd's check", async () => {
    const s = await sim();
    const run = await checkProxy(s, "-n", "nope");
    expect(run.stdout).toContain(
      '× data plane namespace exists\n    The "nope" namespace does not exist\n',
    );
    expect(run.code).toBe(1);
    // The per-pod checks would pass on zero pods there: they are skipped, not reported √.
    expect(run.stdout).not.toContain("data plane proxies certificate match CA");
    expect(run.stdout).not.toContain("data plane proxies are ready");
    const json = await checkProxy(s, "-n", "nope", "-o", "json");
    const checks = (
      JSON.parse(json.stdout) as {
        categories: { checks: { description: string; result: string }[] }[];
      }
    ).categories.flatMap((c) => c.checks);
    const skipped = checks.filter((c) => c.result === "skipped").map((c) => c.description);
    expect(skipped).toContain("data plane proxies are ready");
    expect(skipped).toContain("data plane proxies certificate match CA");
    expect(skipped).toContain(
      "data plane proxies serve a certificate issued by the current issuer",
    );
  });

  it("--no-verify-leaves runs only Linkerd's data-plane checks, with paged pod LISTs and no per-pod calls", async () => {
    const s = await sim({ scenario: "stale-trust-bundle" });
    const before = s.api.stats.total;
    const run = await checkProxy(s, "--no-verify-leaves");
    expect(run.stdout).not.toContain("answer on their admin port");
    expect(problemLines(run.stdout)).toEqual(["‼ data plane proxies certificate match CA"]);
    const portForwards = [...s.api.stats.byPath.keys()].filter((k) => k.startsWith("UPGRADE"));
    expect(portForwards).toEqual([]);
    expect(s.api.stats.total - before).toBeLessThan(40);
    // linkerd-config is read once and shared by the existence, identity and data-plane checks.
    expect(s.api.stats.byPath.get("GET /api/v1/namespaces/linkerd/configmaps/linkerd-config")).toBe(
      1,
    );
  });

  it("finds each proxy's admin port by its name, as Linkerd does (config.linkerd.io/admin-port)", async () => {
    const s = await sim({
      objects: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "moved", namespace: "emojivoto" },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: "moved" } },
            template: {
              metadata: {
                labels: { app: "moved" },
                annotations: { "config.linkerd.io/admin-port": "4192" },
              },
              spec: { serviceAccountName: "default", containers: [{ name: "app", image: "app" }] },
            },
          },
        },
      ],
    });
    const [moved] = podsOf(s, "emojivoto", "moved");
    const pod = s.store.get({ apiVersion: "v1", kind: "Pod" }, "emojivoto", moved ?? "");
    expect(JSON.stringify(pod?.spec)).toContain('{"containerPort":4192,"name":"linkerd-admin"}');

    const run = await checkProxy(s, "-n", "emojivoto", "-l", "app=moved", "-o", "json");
    const [finding] = JSON.parse(run.stdout).proxies;
    expect(finding).toMatchObject({ pod: moved, source: "live", result: "ok" });
    expect(run.code).toBe(0);
    const shown = await identity(s, "-n", "emojivoto", moved ?? "", "-o", "json");
    expect(JSON.parse(shown.stdout)[0].result).toBe("valid");
  });

  it("expands the proxy's identity as the kubelet does, also an older injector's $(_l5d_ns).$(_l5d_trustdomain)", async () => {
    const s = await sim({
      objects: [
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: "older-proxy",
            namespace: "emojivoto",
            labels: { "linkerd.io/control-plane-ns": "linkerd", app: "older-proxy" },
          },
          spec: {
            serviceAccountName: "web",
            containers: [
              { name: "app", image: "app" },
              {
                name: "linkerd-proxy",
                image: "cr.l5d.io/linkerd/proxy:stable-2.11.5",
                env: [
                  { name: "_pod_ns", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                  {
                    name: "_pod_sa",
                    valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } },
                  },
                  { name: "_l5d_ns", value: "linkerd" },
                  { name: "_l5d_trustdomain", value: "cluster.local" },
                  {
                    name: "LINKERD2_PROXY_IDENTITY_LOCAL_NAME",
                    value:
                      "$(_pod_sa).$(_pod_ns).serviceaccount.identity.$(_l5d_ns).$(_l5d_trustdomain)",
                  },
                ],
                ports: [{ name: "linkerd-admin", containerPort: 4191 }],
              },
            ],
          },
        },
      ],
    });
    const run = await checkProxy(s, "-n", "emojivoto", "-l", "app=older-proxy", "-o", "json");
    expect(JSON.parse(run.stdout).proxies[0]).toMatchObject({
      pod: "older-proxy",
      identity: "web.emojivoto.serviceaccount.identity.linkerd.cluster.local",
      result: "ok",
    });
    expect(run.code).toBe(0);
  });

  it("resolves valueFrom trust anchors and reads classic sidecars in containers", async () => {
    const stale =
      "-----BEGIN CERTIFICATE-----\nnot the current bundle\n-----END CERTIFICATE-----\n";
    const pod = (
      name: string,
      anchors: Record<string, unknown>,
      where: "containers" | "initContainers",
    ): KubeObject => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        namespace: "emojivoto",
        labels: { "linkerd.io/control-plane-ns": "linkerd", app: name },
      },
      spec: {
        serviceAccountName: "default",
        [where]: [
          {
            name: "linkerd-proxy",
            image: "cr.l5d.io/linkerd/proxy:edge-26.8.3",
            ...(where === "initContainers" ? { restartPolicy: "Always" } : {}),
            env: [
              { name: "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", ...anchors },
              {
                name: "LINKERD2_PROXY_IDENTITY_LOCAL_NAME",
                value: "$(_pod_sa).$(_pod_ns).serviceaccount.identity.linkerd.cluster.local",
              },
            ],
            ports: [{ name: "linkerd-admin", containerPort: 4191 }],
          },
        ],
        ...(where === "initContainers" ? { containers: [{ name: "app", image: "app" }] } : {}),
      },
    });
    const s = await sim({
      objects: [
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "anchors", namespace: "emojivoto" },
          data: { good: "", old: stale },
        },
        pod(
          "from-cm-current",
          { valueFrom: { configMapKeyRef: { name: "anchors", key: "good" } } },
          "initContainers",
        ),
        pod(
          "from-cm-stale",
          { valueFrom: { configMapKeyRef: { name: "anchors", key: "old" } } },
          "initContainers",
        ),
        pod("classic-stale", { value: stale }, "containers"),
      ],
    });
    // The current bundle is only known once the simulator made it: point "good" at it.
    s.store.put({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "anchors", namespace: "emojivoto" },
      data: { good: s.pki.anchors[0]?.certPem ?? "", old: stale },
    });
    const run = await checkProxy(s, "-n", "emojivoto", "--no-verify-leaves");
    expect(run.stdout).toContain(
      "Some pods do not have the current trust bundle and must be restarted:\n\t* classic-stale\n\t* from-cm-stale\n",
    );
  });
});

describe("kubeconfig exec credential plugins (aws eks get-token, gke-gcloud-auth-plugin, …)", () => {
  it("runs a plugin without expirationTimestamp once per run, not once per request and pod", async () => {
    const s = await sim();
    const { path, runs } = kubeconfigWithPlugin(
      s,
      `require("fs").appendFileSync("RUNS", "x");
       console.log(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1",
         kind: "ExecCredential", status: { token: "TOKEN" } }));`,
    );
    const run = await runCli(["--kubeconfig", path, "check", "--proxy", "--wait", "0s"]);
    expect(run.stdout.trimEnd().split("\n").at(-1), run.stdout + run.stderr).toBe(
      "Status check results are √",
    );
    expect(run.stdout).toContain("√ data plane proxies answer on their admin port");
    expect(runs()).toBe(1);
  });

  it("a failing plugin is named with its own words, exit 3", async () => {
    const s = await sim();
    const { path } = kubeconfigWithPlugin(
      s,
      `process.stderr.write("error: the SSO session has expired\\n"); process.exit(1);`,
    );
    const run = await runCli(["--kubeconfig", path, "check", "--proxy", "--wait", "0s"]);
    expect(run.stdout).toContain(
      `× can query the Kubernetes API\n    the kubeconfig's credential plugin "${process.execPath}" failed: error: the SSO session has expired\n`,
    );
    expect(run.code).toBe(3);
  });
});

describe("check --proxy during a rollout", () => {
  /** Makes the pod's proxy refuse connections and applies `change` to the pod. */
  const breakPod = (s: Sim, name: string, change: (pod: KubeObject) => KubeObject) => {
    const pod = s.store.get({ apiVersion: "v1", kind: "Pod" }, "emojivoto", name) as KubeObject;
    const annotations = { ...pod.metadata.annotations, [PROXY_FAULT_ANNOTATION]: "refuse" };
    s.store.put(change({ ...pod, metadata: { ...pod.metadata, annotations } }));
    s.proxies.refresh();
  };
  const proxyResults = async (s: Sim) => {
    const run = await checkProxy(s, "-n", "emojivoto", "-o", "json");
    const proxies = (
      JSON.parse(run.stdout) as { proxies: { pod: string; result: string; reason?: string }[] }
    ).proxies;
    return { run, proxies };
  };

  it("a terminating pod is not asked: its proxy may already be gone", async () => {
    const s = await sim();
    const [web] = podsOf(s, "emojivoto", "web-svc");
    breakPod(s, web ?? "", (pod) => ({
      ...pod,
      metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString() },
    }));
    const { run, proxies } = await proxyResults(s);
    expect(run.code).toBe(0);
    expect(proxies.find((p) => p.pod === web)).toMatchObject({
      result: "skipped",
      reason: "the pod is terminating",
    });
    expect(proxies.filter((p) => p.result === "ok")).toHaveLength(proxies.length - 1);
  });

  it("a proxy that is not ready is left to the readiness check, not reported unreachable", async () => {
    const s = await sim({ scenario: "proxies-not-ready" });
    const [web] = podsOf(s, "emojivoto", "web-svc");
    breakPod(s, web ?? "", (pod) => pod);
    const run = await checkProxy(s, "-n", "emojivoto");
    expect(problemLines(run.stdout)).toEqual(["× data plane proxies are ready"]);
    // Not silently: the passing check names what it did not ask.
    expect(run.stdout).toContain(
      `√ data plane proxies answer on their admin port\n    1 pod was not asked:\n\t* ${web}: its linkerd-proxy container is not ready`,
    );
    const { proxies } = await proxyResults(s);
    expect(proxies.find((p) => p.pod === web)).toMatchObject({ result: "skipped" });
    expect(proxies.find((p) => p.pod === web)?.reason).toContain("not ready");
  });
});

function openssl(address: string, servername: string): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile(
      "sh",
      [
        "-c",
        `echo | openssl s_client -connect ${address} -servername ${servername} 2>/dev/null | openssl x509 -noout -fingerprint -sha256`,
      ],
      (error, stdout) => resolve(error ? "" : stdout),
    );
    child.stdin?.end();
  });
}

describe("meshlens identity", () => {
  it("shows the live leaf, the same certificate openssl s_client gets from the proxy's admin port", async () => {
    const s = await sim();
    const [web] = podsOf(s, "emojivoto", "web-svc");
    const run = await identity(s, "-n", "emojivoto", web ?? "", "-o", "json");
    expect(run.code).toBe(0);
    const [report] = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      pod: web,
      result: "valid",
      identity: "web.emojivoto.serviceaccount.identity.linkerd.cluster.local",
    });
    expect(report.leaf.sans).toEqual([
      "web.emojivoto.serviceaccount.identity.linkerd.cluster.local",
    ]);
    expect(report.leaf.keyAlgorithm).toBe("ECDSA P-256");
    expect(report.leaf.chainsToTrustAnchors).toBe(true);
    const proxy = s.proxies.find("emojivoto", web ?? "");
    const fingerprint = await openssl(`127.0.0.1:${proxy?.port}`, report.identity);
    expect(fingerprint.trim()).toBe(
      `sha256 Fingerprint=${(report.leaf.fingerprintSha256.toUpperCase().match(/../g) ?? []).join(":")}`,
    );
  });

  it("-o pem prints only the leaves, the certificate openssl s_client gets; failures go to stderr", async () => {
    const s = await sim();
    const [web] = podsOf(s, "emojivoto", "web-svc");
    const run = await identity(s, "-n", "emojivoto", web ?? "", "nosuch", "-o", "pem");
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('meshlens: nosuch: pod "nosuch" not found in namespace "emojivoto"\n');
    expect(run.stdout.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(1);
    const fromPem = await new Promise<string>((resolve) => {
      const child = execFile("openssl", ["x509", "-noout", "-fingerprint", "-sha256"], (_e, out) =>
        resolve(out),
      );
      child.stdin?.end(run.stdout);
    });
    const proxy = s.proxies.find("emojivoto", web ?? "");
    const served = await openssl(
      `127.0.0.1:${proxy?.port}`,
      "web.emojivoto.serviceaccount.identity.linkerd.cluster.local",
    );
    expect(fromPem).toMatch(/^sha256 Fingerprint=/);
    expect(fromPem).toBe(served);
  });

  it("prints Linkerd's POD header and exits 1 when a pod's certificate cannot be fetched", async () => {
    const s = await sim({ scenario: "proxies-unresponsive" });
    const [emoji] = podsOf(s, "emojivoto", "emoji-svc");
    const [web] = podsOf(s, "emojivoto", "web-svc");
    const run = await identity(s, "-n", "emojivoto", web ?? "", emoji ?? "");
    expect(run.stdout).toContain(
      `\nPOD ${web} (1 of 2)\n\nIdentity:   web.emojivoto.serviceaccount.identity.linkerd.cluster.local\n`,
    );
    expect(run.stdout).toContain(
      `\nPOD ${emoji} (2 of 2)\n\n× port-forward: error forwarding port 4191`,
    );
    expect(run.code).toBe(1);
  });

  it("selects pods by label and flags an expired leaf as invalid", async () => {
    const s = await sim({ scenario: "expired-leaf" });
    const run = await identity(s, "-n", "emojivoto", "-l", "app=voting-svc", "-o", "json");
    const [report] = JSON.parse(run.stdout);
    expect(report.result).toBe("invalid");
    expect(report.leaf.chainError).toMatch(/^x509: certificate has expired or is not yet valid/);
    expect(run.code).toBe(1);
  });

  it("needs a pod name or a selector", async () => {
    const s = await sim();
    const run = await identity(s);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("meshlens: Provide the pod name argument or use the selector flag\n");
  });

  it("a pod LIST the cluster forbids is a one-line error with exit 3, not an unexpected error", async () => {
    const s = await sim({
      faults: [
        { pathPrefix: "/api/v1/namespaces/emojivoto/pods", fault: { kind: "status", status: 403 } },
      ],
    });
    const run = await identity(s, "-n", "emojivoto", "-l", "app=web-svc");
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      'meshlens: forbidden: cannot list pods in namespace "emojivoto"; needs RBAC permission "list" on "pods" in namespace "emojivoto"\n',
    );
  });

  it("rejects a malformed selector before it asks the cluster", async () => {
    const s = await sim();
    const before = s.api.stats.total;
    const run = await identity(s, "-n", "emojivoto", "-l", "app in (");
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `meshlens: invalid --selector "app in (": found '', expected: ',' or ')'\n`,
    );
    expect(s.api.stats.total).toBe(before);
  });
});

describe("a proxy without an identity, and a user held to RBAC (issue 16)", () => {
  it("tls-disabled: check --proxy and identity say the proxy has no identity", async () => {
    const s = await sim({ scenario: "tls-disabled" });
    const [voteBot] = podsOf(s, "emojivoto", "vote-bot");
    const run = await checkProxy(s, "-n", "emojivoto");
    expect(run.code).toBe(1);
    expect(problemLines(run.stdout)).toEqual([
      "× data plane proxy certificates name their pod's identity",
    ]);
    expect(run.stdout).toContain(
      `\t* ${voteBot}: has no identity: its proxy runs with identity disabled (LINKERD2_PROXY_IDENTITY_DISABLED): no certificate, no mTLS\n`,
    );
    const shown = await identity(s, "-n", "emojivoto", voteBot as string);
    expect(shown.code).toBe(1);
    expect(shown.stdout).toContain(
      "× has no identity: its proxy runs with identity disabled (LINKERD2_PROXY_IDENTITY_DISABLED): no certificate, no mTLS",
    );
  });

  it("--as: the impersonated user's RBAC applies to the port-forwards too", async () => {
    const s = await sim({
      objects: [
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "ClusterRoleBinding",
          metadata: { name: "viewer" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
          subjects: [{ kind: "User", name: "viewer" }],
        },
      ],
    });
    const [web] = podsOf(s, "emojivoto", "web-svc");
    const shown = await identity(s, "-n", "emojivoto", web as string, "--as", "viewer");
    expect(shown.code).toBe(1);
    expect(shown.stdout).toContain(
      `forbidden: cannot create pods/portforward "${web}" in namespace "emojivoto"; needs RBAC permission "create" on "pods/portforward" in namespace "emojivoto"`,
    );
    // The token's own user may.
    expect((await identity(s, "-n", "emojivoto", web as string)).code).toBe(0);
  });
});
