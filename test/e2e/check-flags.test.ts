// Flags, output formats, offline mode and failure handling of `meshlens check`, run as a user would.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { certTools } from "../../src/certs/x509.js";
import { decodeCertificateBundle } from "../../src/shared/pem.js";
import { linkerdFixtures, readFixture } from "../fixtures.js";
import {
  kubeconfigVariant,
  problemLines,
  runCli,
  type StartedSim,
  simulatorsForThisFile,
} from "./helpers.js";

type Sim = StartedSim;
const sim = simulatorsForThisFile();

const check = (s: Sim, ...args: string[]) =>
  runCli(["--kubeconfig", s.kubeconfigPath, "check", "--wait", "0s", ...args]);

describe("--fail-on warning", () => {
  let soon: Sim;
  beforeAll(async () => {
    soon = await sim({ scenario: "issuer-expiring-soon" });
  });

  it("keeps warnings at exit 0 by default, as Linkerd", async () => {
    const run = await check(soon);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("‼ issuer cert is valid for at least 60 days");
  });

  it("makes a warning exit 1 and the summary ×", async () => {
    const run = await check(soon, "--fail-on", "warning");
    expect(run.code).toBe(1);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("Status check results are ×");
  });

  it("does not change a healthy run", async () => {
    const run = await check(await sim(), "--fail-on", "warning");
    expect(run.code).toBe(0);
  });
});

describe("--expiry-threshold", () => {
  let soon: Sim;
  beforeAll(async () => {
    soon = await sim({ scenario: "issuer-expiring-soon" });
  });

  it("accepts days and names them in the description", async () => {
    const run = await check(soon, "--expiry-threshold", "20d");
    expect(run.stdout).toContain("√ issuer cert is valid for at least 20 days");
    expect(problemLines(run.stdout)).toEqual([]);
  });

  it("accepts hours", async () => {
    const run = await check(soon, "--expiry-threshold", "1440h");
    expect(problemLines(run.stdout)).toEqual(["‼ issuer cert is valid for at least 60 days"]);
  });

  it("accepts a share of the lifetime", async () => {
    // The issuer lives 365 days and has 30 left (8%): under 10% warns, under 5% does not.
    const warn = await check(soon, "--expiry-threshold", "10%");
    expect(problemLines(warn.stdout)).toEqual([
      "‼ issuer cert is valid for at least 10% of its lifetime",
    ]);
    const calm = await check(soon, "--expiry-threshold", "5%");
    expect(problemLines(calm.stdout)).toEqual([]);
  });

  it("rejects nonsense with exit 2", async () => {
    const run = await check(soon, "--expiry-threshold", "soon");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^meshlens: invalid --expiry-threshold "soon"/);
    expect(run.stdout).toBe("");
  });
});

describe("output formats", () => {
  let expired: Sim;
  beforeAll(async () => {
    expired = await sim({ scenario: "issuer-expired" });
  });

  it("-o json is one document, a superset of Linkerd's shape", async () => {
    const run = await check(expired, "-o", "json");
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc.success).toBe(false);
    const identity = doc.categories.find(
      (c: { categoryName: string }) => c.categoryName === "linkerd-identity",
    );
    const validity = identity.checks.find(
      (c: { id: string }) => c.id === "linkerd-identity/issuer-cert-time-valid",
    );
    expect(Object.keys(validity).slice(0, 4)).toEqual(["description", "hint", "error", "result"]);
    expect(validity).toMatchObject({
      description: "issuer cert is within its validity period",
      hint: "https://linkerd.io/2/checks/#l5d-identity-issuer-cert-is-time-valid",
      result: "error",
      severity: "fatal",
    });
    const [issuer] = validity.certificates;
    expect(issuer.role).toBe("issuer");
    expect(issuer.subject).toBe("CN=identity.linkerd.cluster.local");
    expect(issuer.secondsLeft).toBeLessThan(0);
    expect(Date.parse(issuer.notAfter)).toBeLessThan(Date.now());
    expect(issuer.serial).toMatch(/^\d+$/);
    // A check that depends on the failed one is reported as skipped, with why.
    const soon = identity.checks.find(
      (c: { id: string }) => c.id === "linkerd-identity/issuer-cert-not-expiring-soon",
    );
    expect(soon).toMatchObject({
      result: "skipped",
      skipReason: 'requires "issuer cert is within its validity period"',
    });
  });

  it("-o short prints only problems", async () => {
    const run = await check(expired, "-o", "short");
    expect(run.stdout).toMatch(
      /^linkerd-identity\n----------------\n× issuer cert is within its validity period\n/,
    );
    expect(run.stdout).not.toContain("√ can query");
    expect(run.stdout.endsWith("\nStatus check results are ×\n")).toBe(true);
  });

  it("-o short on a healthy cluster prints just the summary", async () => {
    const run = await check(await sim(), "-o", "short");
    expect(run.stdout).toBe("Status check results are √\n");
  });

  it("-o junit gives a test report with failures", async () => {
    const run = await check(expired, "-o", "junit");
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="meshlens check" tests="\d+" failures="2" skipped="1">/,
    );
    expect(run.stdout).toContain(
      '<testcase classname="linkerd-identity" name="issuer cert is within its validity period">',
    );
    expect(run.stdout).toContain(
      '<failure type="fatal" message="issuer certificate is not valid anymore. Expired on',
    );
  });

  it("rejects an unknown format with Linkerd's message and exit 2", async () => {
    const run = await check(expired, "-o", "yaml");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "Invalid output type 'yaml'. Supported output types are: table, json, short, junit",
    );
  });
});

describe("offline mode on the upstream certificate fixtures", () => {
  const certs = join(linkerdFixtures, "certs");
  const offline = (set: string, ...extra: string[]) =>
    runCli([
      "check",
      "--anchors",
      join(certs, `${set}-trust-anchors.pem`),
      "--issuer-cert",
      join(certs, `${set}-crt.pem`),
      "--issuer-key",
      join(certs, `${set}-key.pem`),
      ...extra,
    ]);

  it("valid-*: all pass without any cluster", async () => {
    const run = await offline("valid");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^linkerd-identity\n/);
    expect(problemLines(run.stdout)).toEqual([]);
    expect(run.stdout.match(/^√/gm)).toHaveLength(8);
  });

  it("expired-*: trust anchors out of their validity period, as Linkerd's test expects", async () => {
    const run = await offline("expired");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "× trust anchors are within their validity period\n    Invalid anchors:\n\t* ",
    );
    expect(run.stdout).toContain(
      "identity.linkerd.cluster.local not valid anymore. Expired on 1990-01-01T01:01:11Z\n",
    );
  });

  it("not-valid-yet-*: not valid before 2100", async () => {
    const run = await offline("not-valid-yet");
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /identity\.linkerd\.cluster\.local not valid before: 2100-01-01T01:00:51Z/,
    );
  });

  it("wrong-algo-*: P-521 is not a supported algorithm", async () => {
    const run = await offline("wrong-algo");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "× trust anchors are using supported crypto algorithm\n    Invalid trustAnchors:\n\t* ",
    );
    expect(run.stdout).toContain("must use P-256 curve for public key, instead P-521 was used");
    expect(run.stdout).toContain(
      "× issuer cert is using supported crypto algorithm\n    issuer certificate must use P-256 curve for public key, instead P-521 was used",
    );
  });

  it("valid-with-rsa-anchor-* and rsa-ca-*: RSA anchors pass", async () => {
    expect((await offline("valid-with-rsa-anchor")).code).toBe(0);
    const rsa = await runCli([
      "check",
      "--anchors",
      join(certs, "rsa-ca-ca.crt"),
      "--issuer-cert",
      join(certs, "rsa-ca-issuer.crt"),
      "--issuer-key",
      join(certs, "rsa-ca-issuer.key"),
    ]);
    expect(rsa.code).toBe(0);
  });

  it("a cross pair does not chain: issuer not issued by the trust anchor", async () => {
    const run = await runCli([
      "check",
      "--anchors",
      join(certs, "wrong-domain-trust-anchors.pem"),
      "--issuer-cert",
      join(certs, "valid-crt.pem"),
    ]);
    expect(problemLines(run.stdout)).toEqual(["× issuer cert is issued by the trust anchor"]);
    expect(run.stdout).toContain("    x509: certificate signed by unknown authority\n");
  });

  it("the wrong key for an issuer fails the config check and never prints the key", async () => {
    const run = await runCli([
      "check",
      "--anchors",
      join(certs, "valid-trust-anchors.pem"),
      "--issuer-cert",
      join(certs, "valid-crt.pem"),
      "--issuer-key",
      join(certs, "wrong-domain-key.pem"),
      "-o",
      "json",
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("tls: Public and private key do not match");
    const keyBody = readFixture("certs/wrong-domain-key.pem").split("\n")[1] ?? "";
    expect(keyBody.length).toBeGreaterThan(20);
    expect(run.stdout + run.stderr).not.toContain(keyBody);
  });

  it("a missing file is a usage error", async () => {
    const run = await runCli([
      "check",
      "--anchors",
      "/nonexistent.pem",
      "--issuer-cert",
      join(certs, "valid-crt.pem"),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("meshlens: cannot read --anchors /nonexistent.pem: ENOENT\n");
  });

  it("--anchors without --issuer-cert is a usage error", async () => {
    const run = await runCli(["check", "--anchors", join(certs, "valid-trust-anchors.pem")]);
    expect(run.code).toBe(2);
  });
});

describe("real upstream install manifests load into the simulator and check healthy", () => {
  it("linkerd install (install_default.golden): the issuer is the fixture's", async () => {
    const s = await sim({
      manifestFiles: [join(linkerdFixtures, "install", "install_default.golden")],
    });
    const run = await check(s, "-o", "json");
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    const config = doc.categories.find(
      (c: { categoryName: string }) => c.categoryName === "linkerd-identity",
    ).checks[0];
    const issuerDer = decodeCertificateBundle(readFixture("certs/valid-crt.pem"));
    if (!issuerDer.ok || issuerDer.value[0] === undefined) throw new Error("fixture");
    const serial = certTools.parseCertificate(issuerDer.value[0]).serial;
    expect(config.certificates.find((c: { role: string }) => c.role === "issuer").serial).toBe(
      serial,
    );
  });

  it("the external-issuer variant (kubernetes.io/tls)", async () => {
    const s = await sim({
      manifestFiles: [join(linkerdFixtures, "install", "external_issuer.derived.yaml")],
    });
    const run = await check(s);
    expect(run.code).toBe(0);
    expect(problemLines(run.stdout)).toEqual([]);
  });
});

describe("failures outside the mesh", () => {
  it("an unreachable cluster is one clear line and exit 3", async () => {
    const s = await sim();
    // The API server goes away; its kubeconfig stays.
    await s.api.close();
    const run = await check(s);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(
      "× can query the Kubernetes API\n    cannot reach the Kubernetes API at https://127.0.0.1:",
    );
    expect(run.stderr).toBe("");
    expect(run.stdout).not.toMatch(/\bat .*\.js:\d+/);
  });

  it("no kubeconfig at all is exit 3 with a hint", async () => {
    const run = await runCli(["check"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^meshlens: no kubeconfig found/);
  });

  it("a kubeconfig path that does not exist is exit 3", async () => {
    const run = await runCli(["--kubeconfig", "/nonexistent/kubeconfig", "check"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe("meshlens: kubeconfig /nonexistent/kubeconfig does not exist\n");
  });

  it("an unknown context is a usage error", async () => {
    const s = await sim();
    const run = await runCli(["--kubeconfig", s.kubeconfigPath, "--context", "nope", "check"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('meshlens: context "nope" does not exist in the kubeconfig\n');
  });

  it("a forbidden Secret is a skipped check naming the permission; the others still run (issue 20)", async () => {
    const s = await sim({
      faults: [
        {
          pathPrefix: "/api/v1/namespaces/linkerd/secrets/linkerd-identity-issuer",
          fault: { kind: "status", status: 403 },
        },
      ],
    });
    const run = await check(s);
    expect(problemLines(run.stdout)).toEqual([]);
    expect(run.stdout).toContain(
      '- certificate config is valid\n    skipped: forbidden (needs get secrets "linkerd-identity-issuer" in namespace "linkerd")\n',
    );
    // The webhook checks read other Secrets and still pass.
    expect(run.stdout).toContain("√ proxy-injector webhook has valid cert");
    // Nothing about the mesh was found wrong and the rest was checked: exit 0, the skip said.
    expect(run.code).toBe(0);
    const json = JSON.parse((await check(s, "-o", "json")).stdout);
    const skipped = json.categories
      .flatMap((c: { checks: unknown[] }) => c.checks)
      .find((c: { description: string }) => c.description === "certificate config is valid");
    expect(skipped).toMatchObject({
      result: "skipped",
      permission: 'get secrets "linkerd-identity-issuer" in namespace "linkerd"',
    });
    const junit = (await check(s, "-o", "junit")).stdout;
    expect(junit).toContain(
      '<skipped message="forbidden (needs get secrets &quot;linkerd-identity-issuer&quot; in namespace &quot;linkerd&quot;)"/>',
    );
  });

  it("a server error is reported in the check, without a stack trace", async () => {
    const s = await sim({
      faults: [
        {
          pathPrefix: "/api/v1/namespaces/linkerd/configmaps/linkerd-config",
          fault: { kind: "status", status: 500 },
        },
      ],
    });
    const run = await check(s);
    expect(run.stdout).toContain(
      '× \'linkerd-config\' config map exists\n    cannot get configmaps "linkerd-config" in namespace "linkerd": Internal error occurred: simulated fault',
    );
    expect(run.stderr).toBe("");
  });

  it("an API server the kubeconfig's CA does not vouch for is named as such, exit 3", async () => {
    const s = await sim();
    const otherCa = Buffer.from(readFixture("certs/valid-trust-anchors.pem")).toString("base64");
    const path = kubeconfigVariant(s, "other-ca", (text) =>
      text.replace(/certificate-authority-data: .*/, `certificate-authority-data: ${otherCa}`),
    );
    const run = await runCli(["--kubeconfig", path, "check", "--wait", "0s"]);
    expect(run.stdout).toContain(
      `× can query the Kubernetes API\n    cannot trust the Kubernetes API at ${s.api.url}: its certificate is not signed by the kubeconfig's certificate-authority (`,
    );
    expect(run.code).toBe(3);
  });

  it("wrong credentials are exit 3", async () => {
    const s = await sim();
    const path = kubeconfigVariant(s, "bad", (text) => text.replace(/token: .*/, "token: wrong"));
    const run = await runCli(["--kubeconfig", path, "check", "--wait", "0s"]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("rejected the kubeconfig's credentials (401 Unauthorized)");
  });
});
