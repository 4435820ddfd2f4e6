// `meshlens rotation` as a user runs it (issue 19, first part): on the simulator's scenarios, and
// offline on files made here; hostile input is one line, exit 2, and never echoes a key.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Issued } from "../../src/sim/pki.js";
import { scratchDir } from "../fixtures.js";
import { rotationPki } from "../support/rotation-pki.js";
import { runCli, runShell, simulatorsForThisFile, toolForTests } from "./helpers.js";

const kubectl = toolForTests("kubectl", ["version", "--client"], "the kubectl walk of the runbook");

const sim = simulatorsForThisFile();
const now = new Date();
let dir: string;
let oldAnchor: Issued;
let newAnchor: Issued;
let oldIssuer: Issued;
let newIssuer: Issued;
let notCa: Issued;

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  dir = scratchDir("meshlens-rotation-");
  ({ oldAnchor, newAnchor, oldIssuer, newIssuer, notCa } = await rotationPki(now));
});

describe("offline: the files judged against each other", () => {
  it("a new issuer from an anchor of the bundle is ready; from another anchor it is not", async () => {
    const bundle = file("bundle.pem", newAnchor.certPem + oldAnchor.certPem);
    const current = file("issuer.pem", oldIssuer.certPem);
    const next = file("new-issuer.pem", newIssuer.certPem);
    const ready = await runCli([
      "rotation",
      "--anchors",
      bundle,
      "--issuer-cert",
      current,
      "--ready-for",
      `issuer=${next}`,
    ]);
    expect(ready.code, ready.stdout + ready.stderr).toBe(0);
    expect(ready.stdout).toContain(`√ ready for issuer=${next}`);
    const onlyOld = file("old-only.pem", oldAnchor.certPem);
    const refused = await runCli([
      "rotation",
      "--anchors",
      onlyOld,
      "--ready-for",
      `issuer=${next}`,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("does not chain to an anchor of the current bundle");
  });

  it("-o json is one document with full fingerprints and the answer", async () => {
    const bundle = file("bundle2.pem", newAnchor.certPem + oldAnchor.certPem);
    const run = await runCli([
      "rotation",
      "--anchors",
      bundle,
      "-o",
      "json",
      "--ready-for",
      `bundle=${file("new-only.pem", newAnchor.certPem)}`,
    ]);
    const document = JSON.parse(run.stdout);
    expect(document.anchors).toHaveLength(2);
    expect(document.anchors[0].fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(document.readiness.answer).toBe("ready");
    expect(run.code).toBe(0);
  });
});

describe("hostile input is one line, exit 2", () => {
  it.each([
    ["garbage", "this is not a certificate\n", /is not a PEM certificate$/],
    ["empty", "", /is empty$/],
    ["a private key", "KEY", /holds a private key, not a certificate$/],
  ])("%s as the bundle", async (_name, text, message) => {
    const path = file(
      `hostile-${_name.replace(/ /g, "-")}.pem`,
      text === "KEY" ? newIssuer.keyPem : text,
    );
    const run = await runCli(["rotation", "--anchors", path]);
    expect(run.code).toBe(2);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(run.stderr).not.toContain("PRIVATE KEY-----");
  });

  it("a private key given as the new issuer, and a certificate that is not a CA", async () => {
    const bundle = file("bundle3.pem", newAnchor.certPem);
    const key = await runCli([
      "rotation",
      "--anchors",
      bundle,
      "--ready-for",
      `issuer=${file("key.pem", newIssuer.keyPem)}`,
    ]);
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(
      /^meshlens: --ready-for issuer= .*key\.pem holds a private key, not a certificate\n$/,
    );
    const leaf = await runCli([
      "rotation",
      "--anchors",
      bundle,
      "--ready-for",
      `issuer=${file("leaf.pem", notCa.certPem)}`,
    ]);
    expect(leaf.code).toBe(1);
    expect(leaf.stdout).toContain("the issuer certificate is not a CA");
  });

  it.each([
    [["--ready-for", "rotate"], 'invalid --ready-for "rotate"'],
    [["-o", "yaml"], 'invalid --output "yaml"'],
    [["--issuer-cert", "x.pem"], "--issuer-cert goes with --anchors"],
  ])("%j", async (args, message) => {
    const run = await runCli(["rotation", ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});

describe("on a cluster", () => {
  it("healthy: one anchor, steady, every proxy and leaf on it; exit 0", async () => {
    const s = await sim();
    const run = await runCli(["--kubeconfig", s.kubeconfigPath, "rotation"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("phase: steady (one anchor)\n");
    expect(run.stdout).toMatch(
      /ConfigMap, linkerd-config\s+yes\s+8\/8 \(\+3\/3 control plane\)\s+11\s*\n/,
    );
  });

  it("anchor-rotation: both anchors on every proxy, ready to rotate the issuer", async () => {
    const s = await sim({ scenario: "anchor-rotation" });
    const run = await runCli(["--kubeconfig", s.kubeconfigPath, "rotation", "-o", "json"]);
    const document = JSON.parse(run.stdout);
    expect(document.phase.id).toBe("bundle-everywhere");
    expect(document.anchors).toHaveLength(2);
    // Dropping an anchor cannot be judged without the live leaves: exit 3, saying so.
    const old = document.anchors.find(
      (a: { signedCurrentIssuer: boolean }) => a.signedCurrentIssuer,
    );
    const blind = await runCli([
      "--kubeconfig",
      s.kubeconfigPath,
      "rotation",
      "--no-verify-leaves",
      "--ready-for",
      `remove-anchor=${old.fingerprintSha256.slice(0, 16)}`,
    ]);
    expect(blind.code).toBe(1);
    expect(blind.stdout).toContain("lacks the current issuer's anchor");
    const other = document.anchors.find(
      (a: { signedCurrentIssuer: boolean }) => !a.signedCurrentIssuer,
    );
    const unseen = await runCli([
      "--kubeconfig",
      s.kubeconfigPath,
      "rotation",
      "--no-verify-leaves",
      "--ready-for",
      `remove-anchor=${other.fingerprintSha256}`,
    ]);
    expect(unseen.code).toBe(3);
    expect(unseen.stdout).toContain("cannot tell whether it is ready");
    const seen = await runCli([
      "--kubeconfig",
      s.kubeconfigPath,
      "rotation",
      "--ready-for",
      `remove-anchor=${other.fingerprintSha256}`,
    ]);
    expect(seen.code, seen.stdout).toBe(0);
  });
});

describe.skipIf(kubectl.skip)("the runbook's writes, made with kubectl", () => {
  it("applying the bundle makes the control plane older than it; rollout restart fixes that", async () => {
    const s = await sim();
    // Step 2 of the manual runbook, then the apply of step 4 (kubectl validates through the
    // simulator's OpenAPI documents). Applying the same bundle a second time stores nothing
    // (kubectl says "configured" for the creationTimestamp: null of --dry-run output, as it does
    // against any cluster).
    const save = `kubectl --kubeconfig "$1" -n linkerd get cm linkerd-identity-trust-roots -o jsonpath='{.data.ca-bundle\\.crt}' > "$2"`;
    const apply = (file: string) =>
      `kubectl --kubeconfig "$1" -n linkerd create configmap linkerd-identity-trust-roots --from-file=ca-bundle.crt="${file}" --dry-run=client -o yaml | kubectl --kubeconfig "$1" apply -f - 2>/dev/null`;
    const args = [s.kubeconfigPath, join(dir, "original-trust.crt")];
    const version = `kubectl --kubeconfig "$1" -n linkerd get cm linkerd-identity-trust-roots -o jsonpath='{.metadata.resourceVersion}'`;
    const same = await runShell(
      `${save} && ${apply("$2")} >/dev/null && ${version} && echo && ${apply("$2")} && ${version}`,
      {},
      args,
    );
    const [first, said, second] = same.stdout.split("\n");
    expect(said).toBe("configmap/linkerd-identity-trust-roots configured");
    expect(second).toBe(first);
    // The first apply wrote the object (kubectl's last-applied annotation): the control plane
    // started before that write, and what it read then cannot be known from the cluster.
    const run = await runCli(["--kubeconfig", s.kubeconfigPath, "rotation", "-o", "json"]);
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout);
    expect(document.phase.id).toBe("steady");
    expect(document.dangers).toEqual([
      {
        kind: "started-before-bundle-change",
        pods: expect.arrayContaining([
          expect.objectContaining({
            namespace: "linkerd",
            pod: expect.stringMatching(/^linkerd-identity-/),
          }),
        ]),
      },
    ]);
    expect(document.dangers[0].pods).toHaveLength(3);
    // The runbook's answer: restart the control plane. Its new pods read the bundle as it is now.
    const restarted = await runShell(
      `kubectl --kubeconfig "$1" -n linkerd rollout restart deploy >/dev/null && kubectl --kubeconfig "$1" -n linkerd get pods -o name`,
      {},
      [s.kubeconfigPath],
    );
    expect(restarted.stdout.trim().split("\n")).toHaveLength(3);
    const after = await runCli(["--kubeconfig", s.kubeconfigPath, "rotation", "-o", "json"]);
    expect(after.code, after.stdout).toBe(0);
    const steady = JSON.parse(after.stdout);
    expect(steady.dangers).toEqual([]);
    expect(steady.anchors[0].trustedBy).toEqual({ dataPlane: 8, controlPlane: 3 });
    expect(steady.anchors[0].liveLeaves).toBe(11);
    expect(restarted.stdout).not.toContain(document.dangers[0].pods[0].pod);
  });
});
