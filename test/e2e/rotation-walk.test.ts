// Walking both documented trust-anchor rotations on the simulator with kubectl, as a user walks
// them on `meshlens demo` (docs/rotation.md), asserting at every step the phase `meshlens rotation`
// reads and each `--ready-for` answer. The simulator plays the cluster's part: the injector gives
// new pods the bundle of the moment, the control plane reads it at start, the identity controller
// takes a new issuer only if it chains to the anchors it loaded, proxies renew at 70% of their
// leaf's life (the simulator's clock moved forward, never waited on) and refuse leaves they do not
// trust, trust-manager writes the bundle. Manual flow: rotation-multicluster-expiry-facts.md A2;
// cert-manager + trust-manager: A3.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { load as parseYaml, dump as toYaml } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { daysFrom, type Issued, issueCertificate } from "../../src/sim/pki.js";
import { scratchDir } from "../fixtures.js";
import { issuerFrom } from "../support/rotation-pki.js";
import {
  type CliRun,
  runCli,
  runShell,
  type StartedSim,
  simulatorsForThisFile,
  toolForTests,
} from "./helpers.js";

const kubectl = toolForTests("kubectl", ["version", "--client"], "the walks of the runbooks");
/** A walk is some forty kubectl and meshlens runs: seconds each on a loaded machine. */
const WALK_TIMEOUT_MS = 180_000;
const sim = simulatorsForThisFile();

let dir: string;
let newAnchor: Issued;
let newIssuer: Issued;
const path = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = scratchDir("meshlens-rotation-walk-");
  const now = new Date();
  // As `step certificate create --profile root-ca` makes it: valid from now (the simulator's
  // anchor is a day older, so this one is the newest).
  newAnchor = await issueCertificate({
    commonName: "root.linkerd.cluster.local",
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: daysFrom(now, 3650),
    isCA: true,
    pathLength: 1,
  });
  newIssuer = await issuerFrom(newAnchor, now);
  writeFileSync(path("ca-new.crt"), newAnchor.certPem);
  writeFileSync(path("ca-new.key"), newAnchor.keyPem, { mode: 0o600 });
  writeFileSync(path("issuer-new.crt"), newIssuer.certPem);
  writeFileSync(path("issuer-new.key"), newIssuer.keyPem, { mode: 0o600 });
});

/** kubectl against the simulator; the script's $K is `kubectl --kubeconfig ...`, $D the scratch dir. */
async function kube(s: StartedSim, script: string): Promise<string> {
  const run = await runShell(`K="kubectl --kubeconfig $1"; D="$2"; ${script}`, {}, [
    s.kubeconfigPath,
    dir,
  ]);
  expect(run.code, `${script}\n${run.stderr}`).toBe(0);
  return run.stdout;
}

const restart = (s: StartedSim, namespaces: string[]) =>
  kube(s, namespaces.map((ns) => `$K -n ${ns} rollout restart deploy >/dev/null`).join(" && "));

const forward = (s: StartedSim, skew: string) =>
  kube(
    s,
    `$K -n kube-system patch configmap meshlens-sim-clock --type merge -p '{"data":{"skew":"${skew}"}}' >/dev/null`,
  );

/** What `linkerd upgrade --identity-trust-anchors-file` writes: the ConfigMap and linkerd-config. */
async function upgradeAnchors(s: StartedSim, file: string): Promise<void> {
  await kube(
    s,
    `$K -n linkerd create configmap linkerd-identity-trust-roots --from-file=ca-bundle.crt="$D/${file}" --dry-run=client -o yaml | $K apply -f - >/dev/null 2>&1`,
  );
  const config = JSON.parse(await kube(s, "$K -n linkerd get configmap linkerd-config -o json"));
  const values = parseYaml(config.data.values) as Record<string, unknown>;
  values.identityTrustAnchorsPEM = await kube(s, `cat "$D/${file}"`);
  config.data.values = toYaml(values, { lineWidth: -1 });
  writeFileSync(path("linkerd-config.json"), JSON.stringify(config));
  await kube(s, `$K replace -f "$D/linkerd-config.json" >/dev/null`);
}

interface Reading {
  phase: string;
  words: string;
  dangers: string[];
  code: number;
}

async function rotation(s: StartedSim): Promise<Reading> {
  const run = await runCli(["--kubeconfig", s.kubeconfigPath, "rotation", "-o", "json"]);
  const document = JSON.parse(run.stdout);
  return {
    phase: document.phase.id,
    words: document.phase.words,
    dangers: document.dangers.map((d: { kind: string }) => d.kind),
    code: run.code,
  };
}

/** The exit code of `rotation --ready-for STEP` (0 ready, 1 not, 3 cannot tell), with its words. */
async function readyFor(s: StartedSim, step: string, ...flags: string[]): Promise<CliRun> {
  return runCli([
    "--kubeconfig",
    s.kubeconfigPath,
    "rotation",
    "-o",
    "short",
    ...flags,
    "--ready-for",
    step.replaceAll("$D", dir),
  ]);
}

async function answers(s: StartedSim, steps: string[]): Promise<number[]> {
  return Promise.all(steps.map(async (step) => (await readyFor(s, step)).code));
}

describe.skipIf(kubectl.skip)("the manual runbook, walked with kubectl", () => {
  it(
    "each step: the phase, and whether the next step is safe",
    async () => {
      const s = await sim();
      // Step 2: save the anchor; step 3: bundle the new one in front of it.
      await kube(
        s,
        `$K -n linkerd get cm linkerd-identity-trust-roots -o=jsonpath='{.data.ca-bundle\\.crt}' > "$D/original-trust.crt" && cat "$D/ca-new.crt" "$D/original-trust.crt" > "$D/bundle.crt"`,
      );
      const steps = [
        "bundle=$D/bundle.crt",
        "issuer=$D/issuer-new.crt",
        "remove-anchor=$D/original-trust.crt",
      ];
      expect(await rotation(s)).toMatchObject({ phase: "steady", dangers: [], code: 0 });
      // Bundling is safe; the new issuer is not (no proxy trusts its anchor); removing the only anchor is not.
      expect(await answers(s, steps)).toEqual([0, 1, 1]);

      // Step 4: the bundle goes in. The control plane still runs on what it read at start.
      await upgradeAnchors(s, "bundle.crt");
      expect(await rotation(s)).toMatchObject({
        phase: "new-anchor-bundled",
        words: "new anchor bundled, 11 workloads to restart",
        dangers: ["started-before-bundle-change"],
        code: 1,
      });
      const early = await readyFor(s, steps[1] as string);
      expect(early.code).toBe(1);
      expect(early.stdout).toContain("control-plane pods started before the bundle last changed");
      await restart(s, ["linkerd"]);
      expect(await rotation(s)).toMatchObject({
        words: "new anchor bundled, 8 workloads to restart",
        dangers: [],
      });
      expect(await answers(s, steps)).toEqual([0, 1, 1]);
      await restart(s, ["emojivoto", "linkerd-viz"]);
      expect(await rotation(s)).toMatchObject({ phase: "bundle-everywhere", dangers: [], code: 0 });
      // Now the issuer may move; the old anchor still signs it, so it stays.
      expect(await answers(s, steps)).toEqual([0, 0, 1]);

      // Step 5: the new issuer. The identity controller, restarted with the bundle, takes it.
      await kube(
        s,
        `$K -n linkerd create secret generic linkerd-identity-issuer --type=linkerd.io/tls --from-file=crt.pem="$D/issuer-new.crt" --from-file=key.pem="$D/issuer-new.key" --dry-run=client -o yaml | $K apply -f - >/dev/null 2>&1`,
      );
      expect(await kube(s, "$K -n linkerd get events")).toMatch(
        /Normal\s+IssuerUpdated\s+deployment\/linkerd-identity\s+Updated identity issuer/,
      );
      const rotated = await rotation(s);
      expect(rotated).toMatchObject({ phase: "issuer-rotated", dangers: [], code: 0 });
      expect(rotated.words).toMatch(/^issuer rotated, 11 leaves still from the old issuer/);
      // Live leaves still chain to the old anchor: it must stay. Without leaves, no one can tell.
      expect(await answers(s, steps)).toEqual([0, 0, 1]);
      expect((await readyFor(s, steps[2] as string, "--no-verify-leaves")).code).toBe(3);
      // The runbook restarts the workloads: every new pod's leaf comes from the new issuer.
      await restart(s, ["linkerd", "emojivoto", "linkerd-viz"]);
      expect(await rotation(s)).toMatchObject({ phase: "ready-to-remove-old-anchor", code: 0 });
      expect(await answers(s, steps)).toEqual([0, 0, 0]);

      // Step 6: the old anchor goes; every pod restarts a third time.
      await upgradeAnchors(s, "ca-new.crt");
      expect(await rotation(s)).toMatchObject({
        phase: "old-anchor-removed",
        words: "old anchor removed, 11 workloads to restart",
      });
      await restart(s, ["linkerd", "emojivoto", "linkerd-viz"]);
      expect(await rotation(s)).toMatchObject({ phase: "steady", dangers: [], code: 0 });
    },
    WALK_TIMEOUT_MS,
  );

  it(
    "out of order: an issuer before the restarts is refused by the identity controller, then by the proxies",
    async () => {
      const s = await sim();
      await kube(
        s,
        `$K -n linkerd get cm linkerd-identity-trust-roots -o=jsonpath='{.data.ca-bundle\\.crt}' > "$D/original.crt" && cat "$D/ca-new.crt" "$D/original.crt" > "$D/both.crt"`,
      );
      await upgradeAnchors(s, "both.crt");
      const applyIssuer = `$K -n linkerd create secret generic linkerd-identity-issuer --type=linkerd.io/tls --from-file=crt.pem="$D/issuer-new.crt" --from-file=key.pem="$D/issuer-new.key" --dry-run=client -o yaml | $K apply -f - >/dev/null 2>&1`;
      // The identity controller still holds the anchors it loaded at start (linkerd2#9022).
      expect((await readyFor(s, "issuer=$D/issuer-new.crt")).code).toBe(1);
      await kube(s, applyIssuer);
      expect(await kube(s, "$K -n linkerd get events")).toMatch(
        /Warning\s+IssuerUpdateSkipped\s+deployment\/linkerd-identity\s+Skipping issuer update .*failed to verify issuer credentials for 'identity\.linkerd\.cluster\.local' with trust anchors/,
      );
      // The control plane restarts and takes it; the data plane was never restarted.
      await restart(s, ["linkerd"]);
      const danger = await runCli(["--kubeconfig", s.kubeconfigPath, "rotation", "-o", "short"]);
      expect(danger.code).toBe(1);
      expect(danger.stdout).toMatch(
        /^× the issuer's anchor is missing from 8 proxies: .*\n {4}they reject every new leaf and keep their current one until it expires \(the first in \d+h\d+m\)/m,
      );
      // A day later (the simulator's day: the CLI keeps the machine's clock) the data plane's
      // proxies have refused every new leaf: they still serve the old issuer's, now expired.
      await forward(s, "25h");
      const identity = await runCli([
        "--kubeconfig",
        s.kubeconfigPath,
        "identity",
        "-n",
        "emojivoto",
        "-l",
        "app=web-svc",
      ]);
      const notAfter = /^Not after: +(\S+)/m.exec(identity.stdout)?.[1];
      expect(Date.parse(notAfter ?? "")).toBeLessThan(s.now().getTime());
      const servedIssuer = /^Issuer: .*\(serial (\d+)\)/m.exec(identity.stdout)?.[1];
      expect(servedIssuer).toBeDefined();
      expect(servedIssuer).not.toBe(BigInt(`0x${newIssuer.cert.serialNumber}`).toString());
      // The control plane's proxies, restarted with the bundle, took leaves from the new issuer.
      const controlPlane = await runCli([
        "--kubeconfig",
        s.kubeconfigPath,
        "identity",
        "-n",
        "linkerd",
        "-l",
        "linkerd.io/control-plane-component=destination",
      ]);
      expect(controlPlane.stdout).toContain(
        `(serial ${BigInt(`0x${newIssuer.cert.serialNumber}`).toString()})`,
      );
    },
    WALK_TIMEOUT_MS,
  );
});

describe.skipIf(kubectl.skip)("cert-manager + trust-manager, walked with kubectl", () => {
  it(
    "each step: the phase, and whether the next step is safe",
    async () => {
      const s = await sim({ scenario: "rotation-cm-ready-to-remove-old-anchor" });
      // Start from a finished rotation: linkerd-previous-anchor already holds the current anchor.
      const anchorSecret = (name: string, crt: string, key: string) =>
        `$K -n cert-manager create secret tls ${name} --cert="${crt}" --key="${key}" --dry-run=client -o yaml | $K apply -f - >/dev/null 2>&1`;
      await kube(
        s,
        `$K -n cert-manager get secret linkerd-trust-anchor -o jsonpath='{.data.tls\\.crt}' | base64 -d > "$D/current.crt" && $K -n cert-manager get secret linkerd-trust-anchor -o jsonpath='{.data.tls\\.key}' | base64 -d > "$D/current.key"`,
      );
      await kube(s, anchorSecret("linkerd-previous-anchor", "$D/current.crt", "$D/current.key"));
      await restart(s, ["linkerd", "emojivoto", "linkerd-viz"]);
      expect(await rotation(s)).toMatchObject({ phase: "steady", dangers: [], code: 0 });
      const steps = ["issuer=$D/issuer-new.crt", "remove-anchor=$D/current.crt"];
      expect(await answers(s, steps)).toEqual([1, 1]);

      // `cmctl renew linkerd-trust-anchor`: cert-manager writes the new anchor; trust-manager puts it
      // in the bundle beside the previous one. Nothing restarts (linkerd2#13613).
      await kube(s, anchorSecret("linkerd-trust-anchor", "$D/ca-new.crt", "$D/ca-new.key"));
      expect(await rotation(s)).toMatchObject({
        phase: "new-anchor-bundled",
        words: "new anchor bundled, 11 workloads to restart",
        dangers: ["started-before-bundle-change"],
      });
      await restart(s, ["linkerd"]);
      await restart(s, ["emojivoto", "linkerd-viz"]);
      expect(await rotation(s)).toMatchObject({ phase: "bundle-everywhere", dangers: [], code: 0 });
      expect(await answers(s, steps)).toEqual([0, 1]);

      // `cmctl renew linkerd-identity-issuer`: cert-manager writes tls.crt, tls.key and ca.crt.
      await kube(
        s,
        `$K -n linkerd create secret generic linkerd-identity-issuer --type=kubernetes.io/tls --from-file=tls.crt="$D/issuer-new.crt" --from-file=tls.key="$D/issuer-new.key" --from-file=ca.crt="$D/ca-new.crt" --dry-run=client -o yaml | $K apply -f - >/dev/null 2>&1`,
      );
      const rotated = await rotation(s);
      expect(rotated).toMatchObject({ phase: "issuer-rotated", dangers: [] });
      expect(await answers(s, steps)).toEqual([0, 1]);
      // No restart this time: 17 hours on, each proxy has renewed at 70% of its leaf's life, from
      // the new issuer, which it trusts.
      await forward(s, "17h");
      expect(await rotation(s)).toMatchObject({ phase: "ready-to-remove-old-anchor", code: 0 });
      expect(await answers(s, steps)).toEqual([0, 0]);

      // Copy the new anchor into linkerd-previous-anchor: the bundle collapses to it.
      await kube(s, anchorSecret("linkerd-previous-anchor", "$D/ca-new.crt", "$D/ca-new.key"));
      expect(await rotation(s)).toMatchObject({
        phase: "old-anchor-removed",
        words: "old anchor removed, 11 workloads to restart",
        dangers: ["started-before-bundle-change"],
      });
      await restart(s, ["linkerd", "emojivoto", "linkerd-viz"]);
      expect(await rotation(s)).toMatchObject({ phase: "steady", dangers: [], code: 0 });
    },
    WALK_TIMEOUT_MS,
  );
});
