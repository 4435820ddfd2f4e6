// Every phase of both documented rotation flows, and each dangerous state, as `meshlens rotation`
// reads it from the simulator's scenarios (issue 19): the phase id, the dangers by kind, and the
// exit code a CI gate gets.
import { describe, expect, it } from "vitest";
import { runCli, simulatorsForThisFile } from "./helpers.js";

const sim = simulatorsForThisFile();

interface Expected {
  scenario: string;
  phase: string;
  dangers: string[];
  words: RegExp;
}

const CASES: Expected[] = [
  {
    scenario: "rotation-new-anchor-bundled",
    phase: "new-anchor-bundled",
    dangers: [],
    words: /^phase: new anchor bundled, 8 workloads to restart$/m,
  },
  {
    scenario: "rotation-bundle-everywhere",
    phase: "bundle-everywhere",
    dangers: [],
    words: /^phase: bundle on every proxy: ready to rotate the issuer$/m,
  },
  {
    scenario: "rotation-issuer-rotated",
    phase: "issuer-rotated",
    dangers: [],
    words:
      /^phase: issuer rotated, 11 leaves still from the old issuer \(last one expires in 2\dh\d+m\)$/m,
  },
  {
    scenario: "rotation-ready-to-remove-old-anchor",
    phase: "ready-to-remove-old-anchor",
    dangers: [],
    words: /^phase: ready to remove the old anchor$/m,
  },
  {
    scenario: "rotation-old-anchor-removed",
    phase: "old-anchor-removed",
    dangers: [],
    words: /^phase: old anchor removed, 8 workloads to restart$/m,
  },
  {
    scenario: "rotation-issuer-before-bundle",
    phase: "new-anchor-bundled",
    dangers: ["issuer-anchor-missing"],
    words: /^× the issuer's anchor is missing from 8 proxies: /m,
  },
  {
    scenario: "rotation-anchor-removed-early",
    phase: "old-anchor-removed",
    dangers: ["leaves-of-removed-anchor"],
    words:
      /^× 11 live leaves chain only to anchor [0-9a-f]{16}, which the bundle no longer holds: /m,
  },
  {
    scenario: "rotation-control-plane-not-restarted",
    phase: "new-anchor-bundled",
    dangers: ["started-before-bundle-change"],
    words:
      /^× 3 control-plane pods started before the bundle changed: linkerd\/linkerd-destination-/m,
  },
  {
    scenario: "rotation-config-disagrees",
    phase: "bundle-everywhere",
    dangers: ["linkerd-config-disagrees"],
    words: /^× linkerd-config's identityTrustAnchorsPEM and the trust-roots ConfigMap disagree/m,
  },
];

// The cert-manager + trust-manager flow passes through the same phases.
const CERT_MANAGER_CASES = CASES.slice(0, 5).map((expected) => ({
  ...expected,
  scenario: expected.scenario.replace(/^rotation-/, "rotation-cm-"),
}));

describe("each phase and each dangerous state, read from the cluster", () => {
  it.each([...CASES, ...CERT_MANAGER_CASES])("$scenario", async (expected) => {
    const s = await sim({ scenario: expected.scenario });
    const table = await runCli(["--kubeconfig", s.kubeconfigPath, "rotation"]);
    expect(table.stdout).toMatch(expected.words);
    expect(table.code, table.stdout + table.stderr).toBe(expected.dangers.length > 0 ? 1 : 0);
    const json = await runCli(["--kubeconfig", s.kubeconfigPath, "rotation", "-o", "json"]);
    const document = JSON.parse(json.stdout);
    expect(document.phase.id).toBe(expected.phase);
    expect(document.dangers.map((d: { kind: string }) => d.kind)).toEqual(expected.dangers);
    expect(document.anchors).toHaveLength(2);
  });

  it("cert-manager: linkerd check's anchors are the issuer Secret's ca.crt; linkerd-config holds none", async () => {
    const s = await sim({ scenario: "rotation-cm-bundle-everywhere" });
    const run = await runCli(["--kubeconfig", s.kubeconfigPath, "rotation", "-o", "json"]);
    const document = JSON.parse(run.stdout);
    const places = document.anchors.map((a: { places: string[] }) => a.places);
    expect(places).toEqual([
      ["trust-roots-configmap"],
      ["trust-roots-configmap", "issuer-secret-ca"],
    ]);
  });

  it("-o json names each pod's anchors, leaf anchor and whether it read the bundle before it changed", async () => {
    const s = await sim({ scenario: "rotation-control-plane-not-restarted" });
    const run = await runCli(["--kubeconfig", s.kubeconfigPath, "rotation", "-o", "json"]);
    const pods = JSON.parse(run.stdout).pods as Array<Record<string, unknown>>;
    expect(pods).toHaveLength(11);
    const identity = pods.find((p) => String(p.pod).startsWith("linkerd-identity-"));
    expect(identity).toMatchObject({
      namespace: "linkerd",
      controlPlane: true,
      identityController: true,
      trusts: null,
      startedBeforeBundleChange: true,
      leafAnchor: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const web = pods.find((p) => String(p.pod).startsWith("web-"));
    expect(web).toMatchObject({ controlPlane: false, startedBeforeBundleChange: false });
    expect(web?.trusts).toHaveLength(2);
  });
});
