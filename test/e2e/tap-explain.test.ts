// `tap --explain` (issue 20): the end summary says why each tls value other than true was seen,
// found in the cluster from the pods the tap server names for each end.
import { describe, expect, it } from "vitest";
import { runCli, simulatorsForThisFile } from "./helpers.js";

// The simulated traffic runs twenty times as fast: no test waits on the wall clock for events.
const sim = simulatorsForThisFile({ timeScale: 20 });

describe("tap --explain", () => {
  it.each([
    [
      "unmeshed-client",
      "deploy/web",
      "no_tls_from_remote",
      /why: source-not-meshed: unmeshed\/curl-\S+ \(Deployment\/curl\) has no proxy\n/,
    ],
    [
      "tls-disabled",
      "deploy/web",
      "no_tls_from_remote",
      /why: identity-disabled: emojivoto\/vote-bot-\S+: config\.linkerd\.io\/disable-identity: "true" on the pod\n/,
    ],
    [
      "skip-and-opaque-ports",
      "deploy/web",
      "no_tls_from_remote",
      /why: port-skipped: emojivoto\/vote-bot-\S+ \(config\.linkerd\.io\/skip-outbound-ports "80" on the pod\)\n/,
    ],
    [
      "unmeshed-service",
      "deploy/web",
      "not_provided_by_service_discovery",
      /why: destination-not-meshed: legacy\/ledger-\S+ has no proxy/,
    ],
    [
      "addressed-by-ip",
      "deploy/vote-bot",
      "not_provided_by_service_discovery",
      /why: addressed-by-ip: emojivoto\/voting-\S+ is meshed and has an identity/,
    ],
  ] as const)("%s, tap %s: tls=%s", async (scenario, target, tls, why) => {
    const s = await sim({ scenario });
    const run = await runCli([
      "--kubeconfig",
      s.kubeconfigPath,
      "tap",
      target,
      "-n",
      "emojivoto",
      "--plaintext",
      "--max-events",
      "3",
      "--explain",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`  tls=${tls}: `);
    expect(run.stderr).toMatch(why);
    expect(run.stderr).toMatch(/\n {4}fix: \S/);
    // Not a terminal: the explanation comes once, at the end (a terminal also gets it at once).
    expect(run.stderr).not.toContain("first seen");
  });

  it("only mTLS seen: nothing to explain, nothing more read", async () => {
    const s = await sim();
    const run = await runCli([
      "--kubeconfig",
      s.kubeconfigPath,
      "tap",
      "deploy/web",
      "-n",
      "emojivoto",
      "--max-events",
      "3",
      "--explain",
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain("why:");
    expect([...s.api.stats.byPath.keys()]).not.toContain("GET /api/v1/namespaces");
  });
});
