// `meshlens check` run as a user runs it: the built CLI, a kubeconfig, the simulated cluster.
import { afterAll, describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/index.js";
import { problemLines, runCli, startSim } from "./helpers.js";

interface Expectation {
  scenario: string;
  exit: number;
  problems: string[];
  messages?: RegExp[];
}

// Each scenario flips exactly these checks, with Linkerd's descriptions and messages.
const EXPECTATIONS: Expectation[] = [
  { scenario: "healthy", exit: 0, problems: [] },
  {
    scenario: "issuer-expiring-soon",
    exit: 0,
    problems: ["‼ issuer cert is valid for at least 60 days"],
    messages: [/^ {4}issuer certificate will expire on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m],
  },
  {
    scenario: "issuer-expired",
    exit: 1,
    problems: [
      "× issuer cert is within its validity period",
      "× issuer cert is issued by the trust anchor",
    ],
    messages: [
      /^ {4}issuer certificate is not valid anymore\. Expired on \S+Z$/m,
      /x509: certificate has expired or is not yet valid: current time \S+ is after \S+/,
    ],
  },
  {
    scenario: "issuer-not-yet-valid",
    exit: 1,
    problems: [
      "× issuer cert is within its validity period",
      "× issuer cert is issued by the trust anchor",
    ],
    messages: [/^ {4}issuer certificate is not valid before: \S+Z$/m],
  },
  {
    scenario: "anchor-expired",
    exit: 1,
    problems: [
      "× trust anchors are within their validity period",
      "× issuer cert is issued by the trust anchor",
    ],
    messages: [
      /^ {4}Invalid anchors:\n\t\* \d+ root\.linkerd\.cluster\.local not valid anymore\. Expired on \S+Z$/m,
      /x509: certificate signed by unknown authority \(possibly because of/,
    ],
  },
  {
    scenario: "anchor-expiring-soon",
    exit: 0,
    problems: ["‼ trust anchors are valid for at least 60 days"],
    messages: [
      /^ {4}Anchors expiring soon:\n\t\* \d+ root\.linkerd\.cluster\.local will expire on \S+Z$/m,
    ],
  },
  {
    scenario: "issuer-untrusted",
    exit: 1,
    problems: ["× issuer cert is issued by the trust anchor"],
    messages: [/^ {4}x509: certificate signed by unknown authority$/m],
  },
  { scenario: "rsa-anchor", exit: 0, problems: [] },
  {
    scenario: "issuer-p384",
    exit: 1,
    problems: ["× issuer cert is using supported crypto algorithm"],
    messages: [
      /^ {4}issuer certificate must use P-256 curve for public key, instead P-384 was used$/m,
    ],
  },
  { scenario: "anchor-rotation", exit: 0, problems: [] },
  {
    scenario: "malformed-pem",
    exit: 1,
    problems: ["× certificate config is valid"],
    messages: [/^ {4}could not parse issuer certificate: not a PEM certificate$/m],
  },
  {
    scenario: "issuer-key-mismatch",
    exit: 1,
    problems: ["× certificate config is valid"],
    messages: [/^ {4}tls: Public and private key do not match$/m],
  },
  {
    scenario: "missing-secret-key",
    exit: 1,
    problems: ["× certificate config is valid"],
    messages: [
      /^ {4}key key\.pem containing the issuer key needs to exist in secret linkerd-identity-issuer if --identity-external-issuer=true$/m,
    ],
  },
  { scenario: "external-issuer", exit: 0, problems: [] },
  {
    scenario: "control-plane-not-ready",
    exit: 1,
    problems: ["× control plane replica sets are ready", "× control plane pods are ready"],
    messages: [/^ {4}pod\/linkerd-destination-\S+ container \S+ is not ready$/m],
  },
  {
    scenario: "webhook-cert-expiring-soon",
    exit: 0,
    problems: ["‼ proxy-injector cert is valid for at least 60 days"],
    messages: [/^ {4}certificate will expire on \S+Z$/m],
  },
];

describe("meshlens check against each simulator scenario", () => {
  const sims: Simulator[] = [];
  afterAll(async () => {
    await Promise.all(sims.map((sim) => sim.close()));
  });

  it.each(EXPECTATIONS)(
    "$scenario flips exactly its checks (exit $exit)",
    async ({ scenario, exit, problems, messages }) => {
      const sim = await startSim({ scenario });
      sims.push(sim);
      const run = await runCli(["--kubeconfig", sim.kubeconfigPath, "check", "--wait", "0s"]);
      expect(problemLines(run.stdout)).toEqual(problems);
      for (const message of messages ?? []) expect(run.stdout).toMatch(message);
      expect(run.code).toBe(exit);
      expect(run.stdout.trimEnd().split("\n").at(-1)).toBe(
        `Status check results are ${exit === 0 ? "√" : "×"}`,
      );
      expect(run.stderr).toBe("");
    },
  );
});
