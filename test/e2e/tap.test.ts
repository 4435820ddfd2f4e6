// `meshlens tap` as a user runs it, against the simulator's tap API: Linkerd's goldens through the
// CLI, the seed's lines, filters the simulator honours, bounded runs and their exit codes, errors.
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { load as parse } from "js-yaml";
import { describe, expect, it } from "vitest";
import { decodeApiError, FrameReader } from "../../src/shared/tap-protocol.js";
import { encodeTapRequest } from "../../src/tap/protocol.js";
import { readFixture } from "../fixtures.js";
import { goldenStream } from "../tap/golden-frames.js";
import {
  exitOf,
  runCli,
  runShell,
  type StartedSim,
  simulatorsForThisFile,
  spawnCli,
} from "./helpers.js";

// The simulated traffic runs 20 times faster than real time: what a test waits for comes sooner.
const sim = simulatorsForThisFile({ timeScale: 20 });
const tap = (s: StartedSim, ...args: string[]) =>
  runCli(["--kubeconfig", s.kubeconfigPath, "tap", ...args]);

describe("Linkerd's output, byte for byte", () => {
  it("reproduces the text, wide, JSON and JSONPath goldens from a replayed stream", async () => {
    const s = await sim({ tapReplay: goldenStream });
    // The recording's end is the tap's, as in Linkerd (which never reconnects).
    const target = ["deploy/web", "-n", "emojivoto", "--no-reconnect"];
    expect(await tap(s, ...target)).toEqual({
      stdout: readFixture("tap/tap_busy_output.golden"),
      stderr: "",
      code: 0,
    });
    expect((await tap(s, ...target, "-o", "wide")).stdout).toBe(
      readFixture("tap/tap_busy_output_wide.golden"),
    );
    expect((await tap(s, ...target, "-o", "json")).stdout).toBe(
      readFixture("tap/tap_busy_output_json.golden"),
    );
    expect((await tap(s, ...target, "-o", "jsonpath={.source}")).stdout).toBe(
      readFixture("tap/tap_busy_output_jsonpath.golden"),
    );
  });

  it("an empty stream is empty output", async () => {
    const s = await sim({ tapReplay: new Uint8Array() });
    expect(await tap(s, "deploy", "web", "-n", "emojivoto", "--no-reconnect")).toEqual({
      stdout: readFixture("tap/tap_empty_output.golden"),
      stderr: "",
      code: 0,
    });
  });
});

describe("the demo's emojivoto", () => {
  it("tap deploy/web: the seed's req, rsp and end lines, inbound and outbound, tls=true", async () => {
    const s = await sim();
    const run = await tap(s, "deploy/web", "-n", "emojivoto", "--max-events", "30");
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(30);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^req id=\d+:0 proxy=in {2}src=10\.42\.\d+\.\d+:\d+ dst=10\.42\.\d+\.\d+:8080 tls=true :method=GET :authority=web-svc\.emojivoto:80 :path=\/api\/(list|vote\?choice=:\w+:)$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^rsp id=\d+:0 proxy=(in |out) src=\S+ dst=\S+ tls=true :status=\d+ latency=\d+µs$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^end id=\d+:0 proxy=out src=\S+ dst=\S+:8080 tls=true grpc-status=(OK|Unknown) duration=\d+µs response-length=\d+B$/,
      ),
    );
    expect(run.stderr).toMatch(
      // 10 exchanges, or 11 when a reset stream (req, end) is among them: every one mTLS.
      /^meshlens: 30 events, (1[01]) requests: tls=true \1\n {2}tls=true: mutual TLS/,
    );
  });

  it("unmeshed-client: the plaintext client shows as tls=no_tls_from_remote; --fail-on plaintext exits 1", async () => {
    const s = await sim({ scenario: "unmeshed-client" });
    const run = await tap(
      s,
      "deploy/web",
      "-n",
      "emojivoto",
      "--plaintext",
      "--max-events",
      "3",
      "--fail-on",
      "plaintext",
    );
    expect(run.code).toBe(1);
    for (const line of run.stdout.trimEnd().split("\n"))
      expect(line).toMatch(/ proxy=in {2}src=\S+ dst=\S+ tls=no_tls_from_remote /);
    expect(run.stderr).toContain(
      "tls=no_tls_from_remote: the client has no proxy (or skips it) and sent plaintext",
    );
    const healthy = await tap(
      await sim(),
      "deploy/web",
      "-n",
      "emojivoto",
      "--max-events",
      "6",
      "--fail-on",
      "plaintext",
    );
    expect(healthy.code).toBe(0);
  });
});

describe("filters reach the simulator and narrow what it sends", () => {
  it.each([
    [
      ["--to", "deploy/voting"],
      / proxy=out src=\S+ dst=\S+ tls=true( |$)/,
      /:authority=voting-svc|grpc-status|:status/,
    ],
    [["--method", "GET"], / proxy=in /, /:method=GET|:status|duration/],
    [["--path", "/api/vote"], / proxy=in /, /:path=\/api\/vote|:status|duration/],
    [
      ["--authority", "emoji-svc.emojivoto.svc.cluster.local:8080"],
      / proxy=out /,
      /emoji-svc|:status|duration/,
    ],
  ])("%j", async (filter, direction, content) => {
    const s = await sim();
    const run = await tap(s, "deploy/web", "-n", "emojivoto", "--max-events", "9", ...filter);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(9);
    for (const line of lines) {
      expect(line).toMatch(direction);
      expect(line).toMatch(content);
    }
  });

  it("-l selects the pods; a selector that matches none is the tap server's NotFound", async () => {
    const s = await sim();
    const run = await tap(s, "ns/emojivoto", "-l", "app=voting-svc", "--max-events", "3");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ dst=10\.42\.\d+\.\d+:8080 /);
    const none = await tap(s, "ns/emojivoto", "-l", "app=nothing", "--max-events", "3");
    expect(none.code).toBe(3);
    expect(none.stderr).toBe("meshlens: no pods to tap for namespace/emojivoto\n");
  });

  it("--duration ends the run by itself with a summary", async () => {
    const run = await tap(await sim(), "deploy/web", "-n", "emojivoto", "--duration", "1s");
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^meshlens: \d+ events, \d+ requests/);
    expect(run.stdout.endsWith("\n")).toBe(true);
  });

  it("-o jsonl: one compact object per line", async () => {
    const run = await tap(
      await sim(),
      "deploy/web",
      "-n",
      "emojivoto",
      "-o",
      "jsonl",
      "--max-events",
      "3",
    );
    const objects = run.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(objects).toHaveLength(3);
    expect(objects[0]).toMatchObject({ proxyDirection: expect.stringMatching(/INBOUND|OUTBOUND/) });
    expect(objects[0].requestInitEvent.headers.length).toBeGreaterThan(0);
  });
});

describe("the simulated tap server, as the real one", () => {
  it("refuses a body that does not match the URL", async () => {
    const s = await sim();
    const config = parse(readFileSync(s.kubeconfigPath, "utf8")) as {
      clusters: [{ cluster: { "certificate-authority-data": string } }];
      users: [{ user: { token: string } }];
    };
    const body = encodeTapRequest({
      target: { type: "deployment", name: "web", namespace: "emojivoto" },
      labelSelector: "",
      to: undefined,
      maxRps: 100,
      scheme: "",
      method: "",
      authority: "",
      path: "",
      extractHeaders: false,
    });
    const answer = await new Promise<{
      status: number;
      error: string | undefined;
      message: string;
    }>((resolve, reject) => {
      const req = request(
        new URL(
          "/apis/tap.linkerd.io/v1alpha1/watch/namespaces/emojivoto/deployments/emoji/tap",
          s.url,
        ),
        {
          method: "POST",
          ca: Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64"),
          headers: { authorization: `Bearer ${config.users[0].user.token}` },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (c) => chunks.push(c));
          response.on("end", () => {
            const [frame] = new FrameReader().push(Buffer.concat(chunks));
            resolve({
              status: response.statusCode ?? 0,
              error: response.headers["linkerd-error"] as string | undefined,
              message: frame ? decodeApiError(frame) : "",
            });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    expect(answer).toMatchObject({
      status: 400,
      message: "tap request body did not match APIServer URL",
    });
    expect(answer.error).toBeDefined();
  });

  it("is in API discovery, as an aggregated API is (kubectl api-versions shows it)", async () => {
    const s = await sim();
    const run = await runShell(`kubectl --kubeconfig ${s.kubeconfigPath} api-versions`);
    expect(run.stdout.split("\n")).toContain("tap.linkerd.io/v1alpha1");
  });

  it("streams resets as reset-error end events", async () => {
    const s = await sim({
      objects: [
        {
          apiVersion: "sim.meshlens.dev/v1alpha1",
          kind: "Traffic",
          metadata: { name: "emojivoto", namespace: "emojivoto" },
          spec: {
            flows: [
              {
                from: "deploy/web",
                to: "svc/emoji-svc:8080",
                protocol: "grpc",
                rps: 20,
                resets: 0.5,
              },
            ],
          },
        },
      ],
    });
    const run = await tap(
      s,
      "deploy/web",
      "-n",
      "emojivoto",
      "--to",
      "deploy/emoji",
      "--max-events",
      "40",
    );
    expect(run.stdout).toMatch(
      /^end id=\d+:0 proxy=out \S+ \S+ tls=true reset-error=8 duration=0µs response-length=0B$/m,
    );
    expect(run.stdout).toMatch(/^end id=\d+:0 proxy=out \S+ \S+ tls=true grpc-status=OK /m);
  });

  it("demo --tap-fault takes only the faults there are", async () => {
    const run = await runCli(["demo", "--tap-fault", "explode", "--run-check"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'meshlens: invalid --tap-fault "explode": use forbidden, error-midstream, cut-midframe, slow, end-first, reset-first\n',
    );
  });
});

describe("errors: one line each, exit 3", () => {
  it("linkerd-viz's tap API absent, or not Available", async () => {
    const absent = await sim({
      faults: [
        {
          pathPrefix: "/apis/apiregistration.k8s.io/v1/apiservices/v1alpha1.tap.linkerd.io",
          fault: { kind: "status", status: 404 },
        },
      ],
    });
    const run = await tap(absent, "deploy/web", "-n", "emojivoto");
    expect(run).toEqual({
      stdout: "",
      stderr:
        "meshlens: linkerd-viz's tap API is not installed (no APIService v1alpha1.tap.linkerd.io): install linkerd-viz, e.g. linkerd viz install | kubectl apply -f -\n",
      code: 3,
    });
    const down = await sim({
      objects: [
        {
          apiVersion: "apiregistration.k8s.io/v1",
          kind: "APIService",
          metadata: { name: "v1alpha1.tap.linkerd.io" },
          spec: {
            group: "tap.linkerd.io",
            version: "v1alpha1",
            service: { name: "tap", namespace: "linkerd-viz" },
          },
          status: {
            conditions: [
              {
                type: "Available",
                status: "False",
                message: 'endpoints for service/tap in "linkerd-viz" have no addresses',
              },
            ],
          },
        },
      ],
    });
    expect((await tap(down, "deploy/web", "-n", "emojivoto")).stderr).toBe(
      'meshlens: linkerd-viz\'s tap API (APIService v1alpha1.tap.linkerd.io) is not available: endpoints for service/tap in "linkerd-viz" have no addresses\n',
    );
  });

  it("tap RBAC denied names the verb, group, resource and subresource", async () => {
    const run = await tap(await sim({ tapFault: "forbidden" }), "deploy/web", "-n", "emojivoto");
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      'meshlens: tap authorization failed (not authorized to access deployments.tap.linkerd.io), visit https://linkerd.io/tap-rbac for more information; needs RBAC permission "watch" on "deployments/tap" in API group "tap.linkerd.io" in namespace "emojivoto"\n',
    );
  });

  it("a target that does not exist: the tap server's NotFound, in the API's words", async () => {
    const s = await sim();
    expect(await tap(s, "deploy/nope", "-n", "emojivoto")).toEqual({
      stdout: "",
      stderr: 'meshlens: deployments.apps "nope" not found\n',
      code: 3,
    });
    expect((await tap(s, "po/nope", "-n", "emojivoto")).stderr).toBe(
      'meshlens: pods "nope" not found\n',
    );
    // A workload with no meshed pod is Linkerd's "no pods to tap".
    expect((await tap(s, "deploy/prometheus", "-n", "linkerd-viz", "-l", "app=none")).stderr).toBe(
      "meshlens: no pods to tap for deployment/prometheus\n",
    );
  });

  it("an error frame mid-stream, and a stream cut mid-frame: the lines before are whole", async () => {
    const midstream = await tap(
      await sim({ tapFault: "error-midstream" }),
      "deploy/web",
      "-n",
      "emojivoto",
    );
    expect(midstream.code).toBe(3);
    expect(midstream.stdout.trimEnd().split("\n")).toHaveLength(3);
    expect(midstream.stderr).toBe(
      "meshlens: the tap server failed: simulated tap server failure\n",
    );
    const cut = await tap(
      await sim({ tapFault: "cut-midframe" }),
      "deploy/web",
      "-n",
      "emojivoto",
      "--no-reconnect",
    );
    expect(cut.code).toBe(3);
    expect(cut.stdout.endsWith("\n")).toBe(true);
    expect(cut.stderr).toMatch(/^meshlens: error reading byte stream header: unexpected EOF/);
  });

  it.each([
    ["end-first", "the server ended the stream"],
    ["reset-first", "connection reset"],
  ] as const)(
    "%s: the stream is reopened, with one gap line; counts go on across it",
    async (fault, reason) => {
      const run = await tap(
        await sim({ tapFault: fault }),
        "deploy/web",
        "-n",
        "emojivoto",
        "--max-events",
        "8",
        "--fail-on",
        "plaintext",
      );
      expect(run.code).toBe(0);
      // Three events from the first stream, five from the second.
      expect(run.stdout.trimEnd().split("\n")).toHaveLength(8);
      const [gap, summary] = run.stderr.split("\n");
      expect(gap).toBe(
        `meshlens: tap stream interrupted (${reason}), reconnected after 1s; events in between were not seen`,
      );
      expect(summary).toMatch(/^meshlens: 8 events, /);
    },
  );

  it("--no-reconnect: the first stream's end is the tap's, as in Linkerd", async () => {
    const ended = await tap(
      await sim({ tapFault: "end-first" }),
      "deploy/web",
      "-n",
      "emojivoto",
      "--no-reconnect",
      "--max-events",
      "8",
    );
    expect(ended.code).toBe(0);
    expect(ended.stdout.trimEnd().split("\n")).toHaveLength(3);
    expect(ended.stderr).toMatch(/^meshlens: 3 events, /);
    const reset = await tap(
      await sim({ tapFault: "reset-first" }),
      "deploy/web",
      "-n",
      "emojivoto",
      "--no-reconnect",
    );
    expect(reset.code).toBe(3);
    expect(reset.stdout.trimEnd().split("\n")).toHaveLength(3);
    expect(reset.stderr).toMatch(/^meshlens: error reading byte stream/);
  });

  it.each([
    [["svc/web"], "meshlens: unsupported resource type [svc]"],
    [["deploy/web", "-o", "yaml"], 'meshlens: output format "yaml" not recognized'],
    [["deploy", "web", "extra"], "meshlens: accepts between 1 and 2 arg(s), received 3"],
    [
      ["deploy/web", "--max-events", "0"],
      'meshlens: invalid --max-events "0": use a positive whole number',
    ],
  ])("usage: %j", async (args, message) => {
    const run = await runCli(["tap", ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr.split("\n")[0]).toBe(message);
  });
});

describe("ending a tap", () => {
  it("Ctrl-C (SIGINT) ends with 130 and whole lines", async () => {
    const s = await sim();
    const child = spawnCli([
      ...["--kubeconfig", s.kubeconfigPath, "tap", "deploy/web", "-n", "emojivoto"],
    ]);
    let stdout = "";
    await new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        if (stdout.split("\n").length > 4) resolve();
      }),
    );
    const exited = exitOf(child);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stdout.endsWith("\n")).toBe(true);
  });

  it("| head ends quietly", async () => {
    const s = await sim();
    const run = await runShell(
      `$MESHLENS --kubeconfig ${s.kubeconfigPath} tap deploy/web -n emojivoto | head -2; echo "cli=\${PIPESTATUS[0]}"`,
    );
    expect(
      run.stdout
        .split("\n")
        .slice(0, 2)
        .every((line) => line.includes(" proxy=")),
    ).toBe(true);
    expect(run.stdout).toContain("cli=0");
    expect(run.stderr).toBe("");
  });
});

/** The CLI's tap as a child process, its output collected; `stop` sends SIGINT. */
function tapChild(s: StartedSim, ...args: string[]) {
  const child = spawnCli(["--kubeconfig", s.kubeconfigPath, "tap", ...args]);
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => {
    output.stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output.stderr += chunk;
  });
  return { child, output, exited: exitOf(child) };
}

/** Resolves once the simulator has been asked for a tap stream `times` times in all. */
async function tapAsked(s: StartedSim, times = 1): Promise<void> {
  const asked = () =>
    [...s.api.stats.byPath.entries()]
      .filter(([path]) => path.startsWith("POST /apis/tap.linkerd.io/"))
      .reduce((total, [, count]) => total + count, 0);
  while (asked() < times) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("a quiet tap, and stopping before the first event (issue 16)", () => {
  it("a tap that matches nothing is not a timeout: it waits for --duration and exits 0", async () => {
    const run = await tap(
      await sim(),
      "deploy/web",
      "-n",
      "emojivoto",
      "--path",
      "/matches-nothing",
      "--duration",
      "2s",
      "--request-timeout",
      "1s",
    );
    expect(run).toEqual({ stdout: "", stderr: "meshlens: 0 events, 0 requests\n", code: 0 });
  });

  it("Ctrl-C before the first event reaches the request: the summary, then 130", async () => {
    const s = await sim();
    const { child, output, exited } = tapChild(
      s,
      "deploy/web",
      "-n",
      "emojivoto",
      "--path",
      "/matches-nothing",
      "--fail-on",
      "plaintext",
    );
    await tapAsked(s);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(output.stderr).toBe("meshlens: 0 events, 0 requests\n");
  });

  it("Ctrl-C on --fail-on plaintext prints what was seen, plaintext included, before 130", async () => {
    const s = await sim({ scenario: "unmeshed-client" });
    const { child, output, exited } = tapChild(
      s,
      "deploy/web",
      "-n",
      "emojivoto",
      "--fail-on",
      "plaintext",
    );
    while (!output.stdout.includes("tls=no_tls_from_remote"))
      await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(output.stderr).toMatch(
      /^meshlens: \d+ events?, \d+ requests?: .*tls=no_tls_from_remote \d+/,
    );
    expect(output.stderr).toContain("tls=no_tls_from_remote: the client has no proxy");
  });
});

describe("refusals and mistakes, as Linkerd and kubectl users expect them (issue 16)", () => {
  it("the tap server's own 403 (a JSON error) names the permission", async () => {
    const run = await tap(await sim({ tapFault: "forbidden" }), "deploy/web", "-n", "emojivoto");
    expect(run).toEqual({
      stdout: "",
      stderr:
        'meshlens: tap authorization failed (not authorized to access deployments.tap.linkerd.io), visit https://linkerd.io/tap-rbac for more information; needs RBAC permission "watch" on "deployments/tap" in API group "tap.linkerd.io" in namespace "emojivoto"\n',
      code: 3,
    });
  });

  it("the API server's 403 (a Status) for an impersonated user names the permission; a bound group may tap", async () => {
    const s = await sim({ objects: tapperBinding("emojivoto") });
    const denied = await tap(
      s,
      "deploy/web",
      "-n",
      "linkerd-viz",
      "--as",
      "ann",
      "--as-group",
      "sre",
    );
    expect(denied.code).toBe(3);
    expect(denied.stderr).toBe(
      'meshlens: skipped: forbidden (needs get namespaces "linkerd-viz" at the cluster scope): whether namespace "linkerd-viz" exists is not checked\n' +
        'meshlens: HTTP error, status Code [403] (deployments.tap.linkerd.io "web" is forbidden: User "ann" cannot watch resource "deployments/tap" in API group "tap.linkerd.io" in the namespace "linkerd-viz"); needs RBAC permission "watch" on "deployments/tap" in API group "tap.linkerd.io" in namespace "linkerd-viz"\n',
    );
    const allowed = await tap(
      s,
      "deploy/web",
      "-n",
      "emojivoto",
      "--as",
      "ann",
      "--as-group",
      "sre",
      "--max-events",
      "2",
    );
    expect(allowed.code).toBe(0);
    expect(allowed.stdout.trimEnd().split("\n")).toHaveLength(2);
    // Without the group, the same user is refused.
    expect((await tap(s, "deploy/web", "-n", "emojivoto", "--as", "ann")).code).toBe(3);
  });

  it("a namespace that does not exist is named, exit 3", async () => {
    expect(await tap(await sim(), "deploy/web", "-n", "nosuch")).toEqual({
      stdout: "",
      stderr: 'meshlens: namespaces "nosuch" not found\n',
      code: 3,
    });
  });

  it.each([
    [
      ["deploy/web", "-n", "emojivoto", "-l", "app in ("],
      /^meshlens: invalid --selector "app in \(": /,
    ],
    [["deploy/web/extra"], /^meshlens: Invalid resource string: deploy\/web\/extra\n/],
    [["deploy", "web/extra"], /^meshlens: Invalid resource string: deploy\/web\/extra\n/],
    [
      ["deploy/web", "--to", "deploy/voting/x"],
      /^meshlens: Invalid resource string: deploy\/voting\/x\n/,
    ],
    [["deploy/web", "--max-rps", ""], /^meshlens: invalid --max-rps "": /],
    [
      ["deploy/web", "-o", "jsonpath={.source"],
      /^meshlens: invalid jsonpath "\{\.source": unclosed action/,
    ],
    [
      ["deploy/web", "-o", "jsonpath=.source}"],
      /^meshlens: invalid jsonpath "\.source\}": unbalanced/,
    ],
    [["deploy/web", "-o", "jsonpath="], /^meshlens: invalid jsonpath "": the template is empty/],
  ])("tap %j is a usage error, exit 2", async (args, message) => {
    const run = await tap(await sim(), ...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });

  it("ns/emojivoto --to ns/emojivoto (Linkerd's help example) matches requests into the namespace", async () => {
    const run = await tap(await sim(), "ns/emojivoto", "--to", "ns/emojivoto", "--max-events", "6");
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line).toMatch(/ proxy=out /);
  });

  it("-o jsonpath in kubectl's dialect: string literals and ranges", async () => {
    const run = await tap(
      await sim(),
      "deploy/web",
      "-n",
      "emojivoto",
      "--max-events",
      "2",
      "-o",
      'jsonpath={.proxyDirection}{"\\t"}{range .source.metadata.*}{@}/{end}',
    );
    expect(run.code).toBe(0);
    for (const line of run.stdout.trimEnd().split("\n"))
      expect(line).toMatch(/^(INBOUND|OUTBOUND)\t(\S+\/)*$/);
  });

  it("one request is '1 request'", async () => {
    const run = await tap(await sim(), "deploy/web", "-n", "emojivoto", "--max-events", "2");
    expect(run.stderr.split("\n")[0]).toBe("meshlens: 2 events, 1 request: tls=true 1");
  });

  it("--help shows no empty defaults", async () => {
    const run = await runCli(["tap", "--help"]);
    expect(run.stdout).not.toContain('(default: "")');
    expect(run.stdout).toMatch(/--to-namespace <namespace> +namespace of --to \(default: any\)\n/);
  });
});

/** linkerd-viz's tap role bound to the group `sre` in `ns`, and leave to read its APIService. */
function tapperBinding(ns: string) {
  return [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "sre-tap", namespace: ns },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "linkerd-linkerd-viz-tap-admin",
      },
      subjects: [{ kind: "Group", name: "sre" }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "apiservice-reader" },
      rules: [
        { apiGroups: ["apiregistration.k8s.io"], resources: ["apiservices"], verbs: ["get"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "sre-apiservices" },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "apiservice-reader",
      },
      subjects: [{ kind: "Group", name: "sre" }],
    },
  ];
}
