// `meshlens exporter` (issue 21) as a user runs it: against the simulator through its kubeconfig,
// scraped over HTTP; refreshed on SIGHUP; the cluster going away later keeps the last values and
// counts the error; objects that go away take their series with them; only GET and HEAD.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scratchDir } from "../fixtures.js";
import { exitOf, runCli, simulatorsForThisFile, startLongLived } from "./helpers.js";

const sim = simulatorsForThisFile();

async function startExporter(kubeconfig: string, ...args: string[]) {
  const started = await startLongLived(
    [
      "--kubeconfig",
      kubeconfig,
      "exporter",
      "--listen",
      "127.0.0.1:0",
      "--interval",
      "1h",
      ...args,
    ],
    /serving http:\/\/[\d.]+:\d+\/metrics/,
  );
  const port = Number(/serving http:\/\/[\d.]+:(\d+)\/metrics/.exec(started.said())?.[1]);
  return { ...started, url: `http://127.0.0.1:${port}` };
}

function get(url: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }>((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? "GET", headers: init.headers ?? {} },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The value of the first sample of `name` whose labels contain each of `labels`. */
function sample(
  body: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of body.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

/** Polls until `done` holds of the metrics body (a refresh runs in the background). */
async function metricsUntil(url: string, done: (body: string) => boolean): Promise<string> {
  for (let i = 0; i < 200; i += 1) {
    const { body } = await get(`${url}/metrics`);
    if (done(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the exporter's metrics never showed what was waited for");
}

describe("meshlens exporter", () => {
  it("serves the timeline and the checks as metrics; OpenMetrics when asked; only GET and HEAD", async () => {
    const s = await sim({ scenario: "issuer-expiring-soon" });
    const { url, child } = await startExporter(s.kubeconfigPath, "--no-verify-leaves");
    const { status, headers, body } = await get(`${url}/metrics`);
    expect(status).toBe(200);
    expect(headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    const issuer = sample(body, "meshlens_certificate_not_after_timestamp_seconds", {
      layer: "issuer",
      source: "secret/linkerd/linkerd-identity-issuer/crt.pem",
      subject_cn: "identity.linkerd.cluster.local",
      superseded: "false",
    });
    const expiry = JSON.parse(
      (
        await runCli([
          "--kubeconfig",
          s.kubeconfigPath,
          "expiry",
          "--no-verify-leaves",
          "-o",
          "json",
        ])
      ).stdout,
    ) as { certificates: Array<{ layer: string; notAfterEpoch: number }> };
    expect(issuer).toBe(expiry.certificates.find((c) => c.layer === "issuer")?.notAfterEpoch);
    expect(
      sample(body, "meshlens_check_success", {
        check: "linkerd-identity/issuer-cert-not-expiring-soon",
      }),
    ).toBe(0);
    expect(
      sample(body, "meshlens_check_success", {
        check: "linkerd-identity/cert-config-valid",
      }),
    ).toBe(1);
    expect(sample(body, "meshlens_refresh_errors_total", { reason: "unreachable" })).toBe(0);
    expect(sample(body, "meshlens_build_info", { version: "0.1.0" })).toBe(1);
    expect(sample(body, "meshlens_refresh_timestamp_seconds")).toBeGreaterThan(0);
    // Nothing secret: no key material, no PEM, no token.
    expect(body).not.toMatch(/PRIVATE KEY|BEGIN|token/i);

    const om = await get(`${url}/metrics`, {
      headers: { accept: "application/openmetrics-text; version=1.0.0" },
    });
    expect(om.headers["content-type"]).toBe(
      "application/openmetrics-text; version=1.0.0; charset=utf-8",
    );
    expect(om.body.trimEnd().endsWith("# EOF")).toBe(true);
    expect(om.body).toMatch(/^meshlens_refresh_errors_total\{reason="unreachable"\} 0$/m);
    // The text format still names the counter in full after an OpenMetrics scrape.
    expect((await get(`${url}/metrics`)).body).toMatch(
      /^meshlens_refresh_errors_total\{reason="unreachable"\} 0$/m,
    );

    expect((await get(`${url}/readyz`)).status).toBe(200);
    expect((await get(`${url}/healthz`)).body).toBe("ok\n");
    const head = await get(`${url}/metrics`, { method: "HEAD" });
    expect([head.status, head.body]).toEqual([200, ""]);
    const post = await get(`${url}/metrics`, { method: "POST" });
    expect([post.status, post.headers.allow]).toEqual([405, "GET, HEAD"]);
    expect((await get(`${url}/debug`)).status).toBe(404);

    child.kill("SIGTERM");
    expect(await exitOf(child)).toBe(143);
  });

  it("SIGHUP refreshes: what went away loses its series; the cluster gone keeps the last values and counts it", async () => {
    const s = await sim();
    const { url, child } = await startExporter(s.kubeconfigPath, "--no-verify-leaves");
    const policy = {
      layer: "webhook",
      source: "secret/linkerd/linkerd-policy-validator-k8s-tls/tls.crt",
    };
    const first = (await get(`${url}/metrics`)).body;
    expect(
      sample(first, "meshlens_certificate_not_after_timestamp_seconds", policy),
    ).toBeGreaterThan(0);
    const refreshedAt = sample(first, "meshlens_refresh_timestamp_seconds") ?? 0;

    s.store.remove("v1", "Secret", "linkerd", "linkerd-policy-validator-k8s-tls");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    child.kill("SIGHUP");
    const after = await metricsUntil(
      url,
      (body) => (sample(body, "meshlens_refresh_timestamp_seconds") ?? 0) > refreshedAt,
    );
    expect(
      sample(after, "meshlens_certificate_not_after_timestamp_seconds", policy),
    ).toBeUndefined();
    expect(
      sample(after, "meshlens_certificate_not_after_timestamp_seconds", { layer: "issuer" }),
    ).toBeGreaterThan(0);

    await s.close();
    child.kill("SIGHUP");
    const failed = await metricsUntil(url, (body) =>
      ["unreachable", "other", "timeout"].some(
        (reason) => (sample(body, "meshlens_refresh_errors_total", { reason }) ?? 0) > 0,
      ),
    );
    // The last good values stay, and so does the refresh time that says how old they are.
    expect(
      sample(failed, "meshlens_certificate_not_after_timestamp_seconds", { layer: "issuer" }),
    ).toBeGreaterThan(0);
    expect(sample(failed, "meshlens_refresh_timestamp_seconds")).toBe(
      sample(after, "meshlens_refresh_timestamp_seconds"),
    );
    expect((await get(`${url}/readyz`)).status).toBe(200);
    child.kill("SIGTERM");
    expect(await exitOf(child)).toBe(143);
  }, 60_000);

  it("--once: one refresh, its metrics on stdout, exit 0", async () => {
    const s = await sim({ scenario: "issuer-expiring-soon" });
    const run = await runCli([
      "--kubeconfig",
      s.kubeconfigPath,
      "exporter",
      "--once",
      "--no-verify-leaves",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    expect(
      sample(run.stdout, "meshlens_check_success", {
        check: "linkerd-identity/issuer-cert-not-expiring-soon",
      }),
    ).toBe(0);
    expect(run.stdout).toMatch(/^# TYPE meshlens_refresh_errors_total counter$/m);
  });

  it("an unreachable cluster at start is one line, exit 3; bad flags are exit 2", async () => {
    const s = await sim();
    await s.close();
    const gone = await runCli([
      "--kubeconfig",
      s.kubeconfigPath,
      "--request-timeout",
      "2s",
      "exporter",
      "--listen",
      "127.0.0.1:0",
    ]);
    expect(gone.code).toBe(3);
    expect(gone.stderr.trim().split("\n")).toHaveLength(1);
    for (const [args, message] of [
      [
        ["--listen", "9771"],
        'invalid --listen "9771": use HOST:PORT, such as 0.0.0.0:9771 or 127.0.0.1:9771',
      ],
      [["--interval", "0s"], 'invalid --interval "0s": use a duration of at least 1s, such as 5m'],
      [["--tls-cert", "cert.pem"], "--tls-cert and --tls-key go together"],
    ] as const) {
      const run = await runCli(["exporter", ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`meshlens: ${message}\n`);
    }
  }, 60_000);

  it("--tls-cert and --tls-key serve HTTPS; an unreadable one is exit 2", async () => {
    const dir = scratchDir("meshlens-exporter-tls-");
    const [cert, key] = [join(dir, "tls.crt"), join(dir, "tls.key")];
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
        ...["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
        ...["-addext", "subjectAltName=IP:127.0.0.1"],
      ],
      { stdio: "ignore" },
    );
    const s = await sim();
    const started = await startLongLived(
      [
        "--kubeconfig",
        s.kubeconfigPath,
        "exporter",
        "--listen",
        "127.0.0.1:0",
        "--no-verify-leaves",
        "--tls-cert",
        cert,
        "--tls-key",
        key,
      ],
      /serving https:\/\/[\d.]+:\d+\/metrics/,
    );
    const port = Number(/serving https:\/\/[\d.]+:(\d+)\/metrics/.exec(started.said())?.[1]);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        { host: "127.0.0.1", port, path: "/metrics", ca: readFileSync(cert) },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve(text));
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(body).toMatch(/^meshlens_certificate_not_after_timestamp_seconds\{layer="issuer",/m);
    // The key it serves with is in no answer.
    expect(body).not.toContain(readFileSync(key, "utf8").split("\n")[1] as string);
    started.child.kill("SIGTERM");
    const missing = await runCli([
      "exporter",
      "--tls-cert",
      join(dir, "none.crt"),
      "--tls-key",
      key,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^meshlens: cannot read --tls-cert \S+none\.crt: /);
  });

  it("cuts off a client that never finishes its request head (10 s)", async () => {
    const s = await sim();
    const { url, child } = await startExporter(s.kubeconfigPath, "--no-verify-leaves");
    const port = Number(new URL(url).port);
    const socket = connect(port, "127.0.0.1");
    const started = Date.now();
    socket.write("GET /metrics HTTP/1.1\r\nHost: exporter\r\n");
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    await new Promise((resolve) => socket.once("close", resolve));
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(9);
    expect(seconds).toBeLessThan(20);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    // Others are answered meanwhile and after.
    expect((await get(`${url}/healthz`)).status).toBe(200);
    child.kill("SIGTERM");
  }, 30_000);
});
