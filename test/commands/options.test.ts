// Each command's flags to its options, and the usage errors (exit 2) a bad flag gets.
import { describe, expect, it } from "vitest";
import type { CheckReport, CheckResult } from "../../src/checks/types.js";
import { checkExitCode } from "../../src/checks/verdict.js";
import { parseCheckOptions, type RawCheckFlags } from "../../src/commands/check.js";
import { type EdgesFlags, parseEdgesOptions } from "../../src/commands/edges.js";
import { type IdentityFlags, parseIdentityOptions } from "../../src/commands/identity.js";
import { parseRotationOptions, type RotationFlags } from "../../src/commands/rotation.js";
import { parseTapOptions, type TapFlags } from "../../src/commands/tap.js";
import { CliError, ExitCode } from "../../src/errors.js";

/** The usage error a parse throws: its message, and that it is exit 2. */
function usage(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.Usage);
    return (error as CliError).message;
  }
  throw new Error("no usage error");
}

const checkDefaults: RawCheckFlags = {
  output: "table",
  wait: "5m0s",
  failOn: "error",
  expiryThreshold: "60d",
  verifyLeaves: true,
  vizNamespace: "linkerd-viz",
  proxyConcurrency: "32",
  proxyTimeout: "5s",
  leafExpiryThreshold: "20%",
};

describe("parseCheckOptions", () => {
  it("defaults, --proxy, offline files", () => {
    expect(parseCheckOptions(checkDefaults)).toMatchObject({
      output: "table",
      waitMs: 300_000,
      expiryThreshold: { kind: "duration", ms: 60 * 86_400_000 },
      offline: undefined,
      proxy: undefined,
    });
    expect(
      parseCheckOptions({ ...checkDefaults, proxy: true, verifyLeaves: false }).proxy,
    ).toMatchObject({
      leaves: { kind: "off" },
      leafThreshold: { kind: "lifetime", percent: 20 },
    });
    expect(
      parseCheckOptions({ ...checkDefaults, anchors: "a.pem", issuerCert: "i.pem" }).offline,
    ).toEqual({ anchors: "a.pem", issuerCert: "i.pem", issuerKey: undefined });
  });

  it.each([
    [{ output: "yaml" }, /^Invalid output type 'yaml'/],
    [{ wait: "soon" }, /^invalid --wait "soon"/],
    [{ failOn: "info" }, /^invalid --fail-on "info"/],
    [{ expiryThreshold: "0d" }, /^invalid --expiry-threshold "0d"/],
    [{ namespace: "x" }, /go with --proxy$/],
    [{ anchors: "a.pem" }, /need both --anchors FILE and --issuer-cert FILE/],
    [{ proxy: true, proxyConcurrency: "0" }, /^invalid --proxy-concurrency "0": use 1 to 512$/],
    [{ proxy: true, proxyTimeout: "0s" }, /^invalid --proxy-timeout "0s"/],
    [{ proxy: true, prometheus: "ftp://x" }, /^invalid --prometheus "ftp:\/\/x"/],
    [{ proxy: true, prometheus: "viz", verifyLeaves: false }, /cannot be combined$/],
    [{ proxy: true, selector: "app in (" }, /^invalid --selector "app in \("/],
    [{ proxy: true, anchors: "a", issuerCert: "i" }, /^--proxy needs a cluster/],
  ])("%j is a usage error", (flags, message) => {
    expect(usage(() => parseCheckOptions({ ...checkDefaults, ...flags }))).toMatch(message);
  });
});

const edgesDefaults: EdgesFlags = {
  output: "table",
  vizNamespace: "linkerd-viz",
  concurrency: "16",
  timeout: "5s",
};

describe("parseEdgesOptions", () => {
  it("-A wins over -n; --prometheus; --since implies --seen", () => {
    expect(
      parseEdgesOptions(["deploy"], { ...edgesDefaults, allNamespaces: true, namespace: "x" }),
    ).toMatchObject({
      type: "deployment",
      namespace: undefined,
    });
    expect(parseEdgesOptions(["po"], edgesDefaults).namespace).toBe("context");
    expect(
      parseEdgesOptions(["sts"], { ...edgesDefaults, prometheus: "http://p:9090", since: "1h30m" }),
    ).toMatchObject({
      source: { kind: "url", url: "http://p:9090" },
      seen: { window: "1h30m" },
    });
  });

  it.each([
    [["svc"], {}, /Resource type is not supported: service$/],
    [["deploy"], { output: "yaml" }, /^--output supports table, json and wide$/],
    [["deploy"], { concurrency: "300" }, /^invalid --concurrency "300": use 1 to 256$/],
    [["deploy"], { since: "1h" }, /^--since needs --prometheus/],
    [["deploy"], { prometheus: "viz", since: "1h1h" }, /^invalid --since "1h1h"/],
    [["deploy"], { prometheus: "viz", unmeshed: true }, /^--unmeshed reads the destinations'/],
  ])("%j %j is a usage error", (args, flags, message) => {
    expect(usage(() => parseEdgesOptions(args, { ...edgesDefaults, ...flags }))).toMatch(message);
  });
});

describe("parseTapOptions", () => {
  it("TYPE NAME and TYPE/NAME; a namespace target has no namespace; headers only with json", () => {
    expect(parseTapOptions(["deploy", "web"], { maxRps: "100" })).toMatchObject({
      query: { target: { type: "deployment", name: "web", namespace: "" }, extractHeaders: false },
      contextNamespace: true,
    });
    expect(
      parseTapOptions(["ns/emojivoto"], { maxRps: "10", namespace: "x", output: "json" }),
    ).toMatchObject({
      query: {
        target: { type: "namespace", name: "emojivoto", namespace: "" },
        extractHeaders: true,
      },
      contextNamespace: false,
      format: { kind: "json" },
    });
  });

  it.each([
    [["svc/web"], {}, /^unsupported resource type \[svc\]$/],
    [["deploy"], {}, /^the resource needs a name/],
    [["deploy/web/x"], {}, /^Invalid resource string: deploy\/web\/x$/],
    [["deploy/web"], { maxRps: "-1" }, /^invalid --max-rps "-1"/],
    [["deploy/web"], { maxEvents: "0" }, /^invalid --max-events "0"/],
    [["deploy/web"], { duration: "never" }, /^invalid --duration "never"/],
    [["deploy/web"], { output: "yaml" }, /^output format "yaml" not recognized$/],
  ])("%j %j is a usage error", (args, flags, message) => {
    expect(usage(() => parseTapOptions(args, { maxRps: "100", ...flags } as TapFlags))).toMatch(
      message,
    );
  });
});

describe("parseIdentityOptions", () => {
  const defaults: IdentityFlags = { output: "text", timeout: "5s" };
  it("pods or a selector", () => {
    expect(parseIdentityOptions(["web-1"], defaults)).toEqual({
      pods: ["web-1"],
      namespace: undefined,
      selector: undefined,
      output: "text",
      timeoutMs: 5000,
    });
    expect(usage(() => parseIdentityOptions([], defaults))).toMatch(/^Provide the pod name/);
    expect(usage(() => parseIdentityOptions(["p"], { ...defaults, output: "yaml" }))).toMatch(
      /^invalid --output "yaml"/,
    );
  });
});

describe("parseRotationOptions", () => {
  const defaults: RotationFlags = {
    output: "table",
    verifyLeaves: true,
    vizNamespace: "linkerd-viz",
    proxyConcurrency: "32",
    proxyTimeout: "5s",
  };
  it("reads the step, and fingerprints as the table or openssl print them", () => {
    expect(parseRotationOptions({ ...defaults, readyFor: "issuer=new.crt" }).readyFor).toEqual({
      text: "issuer=new.crt",
      step: { kind: "issuer", file: "new.crt" },
    });
    expect(
      parseRotationOptions({ ...defaults, readyFor: "remove-anchor=AB:CD:EF:01:23:45:67:89" })
        .readyFor?.step,
    ).toEqual({ kind: "remove-anchor", fingerprint: "abcdef0123456789" });
    expect(
      parseRotationOptions({ ...defaults, readyFor: "remove-anchor=old.crt" }).readyFor?.step,
    ).toEqual({ kind: "remove-anchor", file: "old.crt" });
  });
  it("live leaves unless --no-verify-leaves or --prometheus; offline reads no proxy", () => {
    expect(parseRotationOptions(defaults).leaves).toEqual({
      kind: "live",
      concurrency: 32,
      timeoutMs: 5000,
    });
    expect(parseRotationOptions({ ...defaults, prometheus: "viz" }).leaves).toEqual({
      kind: "prometheus",
      source: { kind: "viz", namespace: "linkerd-viz" },
    });
    expect(parseRotationOptions({ ...defaults, verifyLeaves: false }).leaves).toBeUndefined();
    const offline = parseRotationOptions({ ...defaults, anchors: "b.pem", issuerCert: "i.pem" });
    expect(offline).toMatchObject({ offline: { anchors: "b.pem", issuerCert: "i.pem" } });
    expect(offline.leaves).toBeUndefined();
  });
  it.each([
    [{ readyFor: "rotate" }, 'invalid --ready-for "rotate"'],
    [{ readyFor: "issuer=" }, 'invalid --ready-for "issuer="'],
    [{ output: "yaml" }, 'invalid --output "yaml"'],
    [{ issuerCert: "i.pem" }, "--issuer-cert goes with --anchors"],
    [{ anchors: "b.pem", namespace: "x" }, "-n, -l and --prometheus read a cluster"],
    [{ anchors: "b.pem", prometheus: "viz" }, "-n, -l and --prometheus read a cluster"],
    [{ prometheus: "viz", verifyLeaves: false }, "cannot be combined"],
    [{ prometheus: "prom:9090" }, 'invalid --prometheus "prom:9090"'],
    [{ proxyConcurrency: "0" }, 'invalid --proxy-concurrency "0"'],
  ] as const)("%j is a usage error", (flags, message) => {
    expect(usage(() => parseRotationOptions({ ...defaults, ...flags }))).toContain(message);
  });
});

describe("check's exit code", () => {
  const result = (overrides: Partial<CheckResult>): CheckResult => ({
    id: "x/y",
    category: "x",
    description: "y",
    severity: "error",
    hint: "",
    status: "success",
    ...overrides,
  });
  const report = (results: CheckResult[], overrides: Partial<CheckReport> = {}): CheckReport => ({
    results,
    success: !results.some((r) => r.status === "error"),
    hasWarnings: results.some((r) => r.status === "warning"),
    hasAccessFailures: results.some((r) => r.status === "error" && r.cause === "access"),
    apiUnreachable: false,
    ...overrides,
  });
  it.each([
    ["every check passed", report([result({})]), "error", ExitCode.Ok],
    ["a warning", report([result({ status: "warning" })]), "error", ExitCode.Ok],
    [
      "a warning, --fail-on warning",
      report([result({ status: "warning" })]),
      "warning",
      ExitCode.ChecksFailed,
    ],
    [
      "a finding",
      report([result({ status: "error", cause: "finding" })]),
      "error",
      ExitCode.ChecksFailed,
    ],
    [
      "only access failures",
      report([result({ status: "error", cause: "access" })]),
      "error",
      ExitCode.CouldNotRun,
    ],
    [
      "a finding and an access failure",
      report([result({ status: "error", cause: "access" }), result({ status: "error" })]),
      "error",
      ExitCode.ChecksFailed,
    ],
    [
      "the API unreachable",
      report([result({ status: "error" })], { apiUnreachable: true }),
      "error",
      ExitCode.CouldNotRun,
    ],
  ] as const)("%s", (_name, checked, failOn, code) => {
    expect(checkExitCode(checked, failOn)).toBe(code);
  });
});
