// What a big cluster's API server does to a client (issue 18): throttling, a roll-out's 503s, an
// expired continue token, a dropped connection, a restart, an exec token that expires. Each command
// gives the output it gives without the fault; what cannot be ridden out ends in one line, exit 3.
import { request } from "node:https";
import { describe, expect, it, vi } from "vitest";
import type { FaultRule } from "../../src/sim/index.js";
import {
  type CliRun,
  kubeconfigWithPlugin,
  runCli,
  type StartedSim,
  simulatorsForThisFile,
} from "./helpers.js";

const sim = simulatorsForThisFile();
// Each test runs whole commands twice (with and without the fault), some on hundreds of pods: a
// loaded CI machine needs more than vitest's 30 s default. A bound, not a timing.
vi.setConfig({ testTimeout: 90_000 });

/** The command lines whose output must not change under a fault the client can ride out. */
const COMMANDS: Record<string, string[]> = {
  check: ["check", "--wait", "0s"],
  "check --proxy": ["check", "--proxy", "--wait", "0s"],
  "check --proxy --no-verify-leaves": ["check", "--proxy", "--no-verify-leaves", "--wait", "0s"],
  edges: ["edges", "po", "-A"],
  identity: ["identity", "-n", "emojivoto"],
  tap: ["tap", "deploy/web", "-n", "emojivoto", "--max-events", "6"],
};

const runOn = (s: StartedSim, args: string[], kubeconfig = s.kubeconfigPath) =>
  runCli(["--kubeconfig", kubeconfig, ...args]);

/** Runs each command with and without `rule` (fresh counts each time): stdout and code agree. */
async function expectSameUnder(s: StartedSim, rule: FaultRule, commands = Object.keys(COMMANDS)) {
  for (const name of commands) {
    const args = COMMANDS[name] as string[];
    s.faults.clear();
    const clean = await runOn(s, args);
    s.faults.add(rule);
    const faulted = await runOn(s, args);
    s.faults.clear();
    expect({ name, stdout: faulted.stdout, code: faulted.code }).toEqual({
      name,
      stdout: clean.stdout,
      code: clean.code,
    });
  }
}

const waitLines = (run: CliRun) =>
  run.stderr.split("\n").filter((line) => line.startsWith("meshlens: waiting:"));

describe("throttling and unavailability (429 and 503 with Retry-After)", () => {
  it("every command rides out three 429s on its first requests", async () => {
    const s = await sim();
    await expectSameUnder(s, {
      pathPrefix: "/",
      fault: { kind: "retry-after", status: 429, seconds: 0 },
      times: 3,
    });
  });

  it("every command rides out a roll-out's 503s", async () => {
    const s = await sim();
    await expectSameUnder(s, {
      pathPrefix: "/api",
      fault: { kind: "retry-after", status: 503, seconds: 0 },
      times: 2,
    });
  });

  it("waits as long as Retry-After says, and says once what it waits for", async () => {
    const s = await sim();
    const clean = await runOn(s, ["check"]);
    s.faults.add({
      pathPrefix: "/api/v1/namespaces/linkerd/configmaps",
      fault: { kind: "retry-after", status: 429, seconds: 1 },
      times: 2,
    });
    const started = performance.now();
    const run = await runOn(s, ["check"]);
    // Two waits of one second each, one after the other, on the one request.
    expect(performance.now() - started).toBeGreaterThanOrEqual(2000);
    expect(run.stdout).toBe(clean.stdout);
    expect(run.code).toBe(0);
    expect(waitLines(run)).toEqual([
      "meshlens: waiting: the API server is throttling requests (429), retrying in 1s",
    ]);
  });

  it("endless throttling ends after client-go's ten retries: one line, exit 3", async () => {
    const s = await sim();
    s.faults.add({
      pathPrefix: "/api/v1/namespaces/linkerd/configmaps",
      fault: { kind: "retry-after", status: 429, seconds: 0 },
    });
    const run = await runOn(s, ["check", "--wait", "0s"]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(
      `× 'linkerd-config' config map exists\n    cannot get configmaps "linkerd-config" in namespace "linkerd": the API server kept throttling requests (429 Too Many Requests); gave up after 10 retries\n`,
    );
    // The first try and ten retries.
    expect(
      s.api.stats.byPath.get("GET /api/v1/namespaces/linkerd/configmaps/linkerd-config"),
    ).toBeGreaterThanOrEqual(11);
  });

  it("a 500 without Retry-After is not retried: the server's answer, as before", async () => {
    const s = await sim();
    s.faults.add({
      pathPrefix: "/api/v1/namespaces/linkerd/configmaps",
      fault: { kind: "status", status: 500 },
    });
    const run = await runOn(s, ["check", "--wait", "0s"]);
    expect(run.code).toBe(3);
    expect(s.api.stats.byPath.get("GET /api/v1/namespaces/linkerd/configmaps/linkerd-config")).toBe(
      1,
    );
    expect(waitLines(run)).toEqual([]);
  });
});

describe("dropped connections and restarts", () => {
  it("every command rides out a connection reset on its second request", async () => {
    const s = await sim();
    await expectSameUnder(s, { pathPrefix: "/", fault: { kind: "drop" }, after: 1, times: 1 });
  });

  it("check --proxy rides out an API server restart in the middle, tunnels and all", async () => {
    const s = await sim({ scenario: "scale", scale: { pods: 300, namespaces: 6 } });
    // The restart comes with the first port-forward to the fourth namespace's pods: tunnels to
    // the others are open or opening then.
    await expectSameUnder(
      s,
      {
        pathPrefix: "/api/v1/namespaces/scale-003/pods/",
        fault: { kind: "restart", ms: 1000 },
        times: 1,
      },
      ["check --proxy"],
    );
  });

  it("a server that stays away past --request-timeout: one line, exit 3", async () => {
    const s = await sim();
    // Away once it has answered: the first read of the Linkerd namespace takes it down.
    s.faults.add({
      pathPrefix: "/api/v1/namespaces/linkerd/configmaps",
      fault: { kind: "restart", ms: 60_000 },
    });
    const started = performance.now();
    const run = await runOn(s, ["--request-timeout", "2s", "check", "--wait", "0s"]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(2000);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(
      /^× 'linkerd-config' config map exists\n {4}cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED [\d.:]+ \(still unreachable after retrying\)$/m,
    );
  });
});

/** A GET of `path` on the simulator with its token: what another client would send. */
function poke(s: StartedSim, path: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request(
      `${s.url}${path}`,
      { rejectUnauthorized: false, headers: { authorization: `Bearer ${s.token}` } },
      (response) => response.resume().on("end", resolve),
    );
    req.on("error", () => resolve());
    req.end();
  });
}

const tapRequests = (s: StartedSim) =>
  [...s.api.stats.byPath.entries()]
    .filter(([key]) => key.startsWith("POST /apis/tap.linkerd.io"))
    .reduce((sum, [, count]) => sum + count, 0);

describe("tap through an API server restart", () => {
  it("reconnects once the server is back, with one gap line; the tap goes on", async () => {
    const s = await sim();
    s.faults.add({ pathPrefix: "/version", fault: { kind: "restart", ms: 1000 }, times: 1 });
    const tapping = runOn(s, ["tap", "deploy/web", "-n", "emojivoto", "--duration", "4s"]);
    await vi.waitFor(() => expect(tapRequests(s)).toBe(1), { timeout: 10_000, interval: 50 });
    // Another client's request takes the server down: the tap stream's connection goes with it.
    await poke(s, "/version");
    const run = await tapping;
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /^meshlens: tap stream interrupted \((connection reset|the server ended the stream)\), reconnected after [12]s; events in between were not seen$/m,
    );
    expect(tapRequests(s)).toBe(2);
  });
});

describe("an expired continue token (410 Gone)", () => {
  it("is read again in one LIST, with the same result; --verbose says so", async () => {
    const s = await sim({ scenario: "scale", scale: { pods: 520, namespaces: 2 } });
    const rule: FaultRule = {
      pathPrefix: "/api/v1/pods",
      fault: { kind: "expire-continue" },
      times: 1,
    };
    // One command that pages through every pod: edges and identity would also read 520 proxies.
    await expectSameUnder(s, rule, ["check --proxy --no-verify-leaves"]);
    s.faults.add(rule);
    const verbose = await runOn(s, [
      "--verbose",
      ...(COMMANDS["check --proxy --no-verify-leaves"] as string[]),
    ]);
    expect(verbose.stderr).toContain(
      "meshlens: the API server expired the continue token of list pods after 500 items (410 Gone): reading the whole list in one request\n",
    );
    // The second page was asked once, refused; then one LIST without limit.
    expect(
      [...s.api.stats.byRequest.keys()].some(
        (key) => key.startsWith("GET /api/v1/pods") && !key.includes("limit="),
      ),
    ).toBe(true);
  });
});

describe("exec credential plugins whose token expires mid-run", () => {
  it("a 401 renews the token once and the request is made again", async () => {
    const s = await sim();
    const { path, runs } = kubeconfigWithPlugin(
      s,
      // A token that says it lasts an hour (as EKS' and GKE's do), different on every run.
      `require("fs").appendFileSync("RUNS", "x");
       console.log(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1",
         kind: "ExecCredential", status: { token: "TOKEN." + process.pid,
         expirationTimestamp: new Date(Date.now() + 3600e3).toISOString() } }));`,
    );
    const clean = await runOn(s, COMMANDS["check --proxy"] as string[]);
    s.faults.add({ pathPrefix: "/", fault: { kind: "expire-token" }, after: 5, times: 1 });
    const run = await runOn(s, COMMANDS["check --proxy"] as string[], path);
    expect(run.stdout).toBe(clean.stdout);
    expect(run.code).toBe(0);
    expect(runs()).toBe(2);
  });
});
