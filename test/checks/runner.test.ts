import { describe, expect, it } from "vitest";
import type { CertTools } from "../../src/certs/types.js";
import { DEFAULT_EXPIRY_THRESHOLD } from "../../src/checks/expiry.js";
import { runChecks } from "../../src/checks/runner.js";
import {
  type CategoryDefinition,
  type CheckContext,
  CheckFailure,
  type CheckOutcome,
} from "../../src/checks/types.js";
import { KubeApiError } from "../../src/k8s/types.js";

function context(now = new Date("2026-01-01T00:00:00Z")): CheckContext {
  return {
    cluster: undefined,
    certs: async () => ({}) as CertTools,
    facts: {
      identity: () => Promise.reject(new Error("unused")),
      linkerdConfig: async () => undefined,
      linkerdValues: () => Promise.reject(new Error("unused")),
    },
    now: () => now,
    controlPlaneNamespace: "linkerd",
    expiryThreshold: DEFAULT_EXPIRY_THRESHOLD,
  };
}

const check = (
  id: string,
  outcome: CheckOutcome | (() => Promise<CheckOutcome>),
  extra: Partial<CategoryDefinition["checks"][number]> = {},
) => ({
  id,
  description: id,
  hintAnchor: id,
  severity: "fatal" as const,
  run: typeof outcome === "function" ? outcome : async () => outcome,
  ...extra,
});

describe("runChecks", () => {
  it("skips only the checks that require a failed one; the rest still run (linkerd/linkerd2#5450)", async () => {
    const catalog: CategoryDefinition[] = [
      {
        id: "a",
        checks: [
          check("a/1", { status: "fail", message: "broken" }),
          check("a/2", { status: "pass" }, { requires: ["a/1"] }),
        ],
      },
      { id: "b", checks: [check("b/1", { status: "pass" })] },
    ];
    const report = await runChecks(catalog, context());
    expect(report.results.map((r) => [r.id, r.status])).toEqual([
      ["a/1", "error"],
      ["a/2", "skipped"],
      ["b/1", "success"],
    ]);
    expect(report.results[1]?.skipReason).toBe('requires "a/1"');
    expect(report.success).toBe(false);
  });

  it("reports warnings without failing the run", async () => {
    const report = await runChecks(
      [
        {
          id: "a",
          checks: [check("a/1", { status: "fail", message: "soon" }, { severity: "warning" })],
        },
      ],
      context(),
    );
    expect(report.results[0]?.status).toBe("warning");
    expect(report).toMatchObject({ success: true, hasWarnings: true });
  });

  it("leaves not-applicable checks out, like Linkerd's SkipError", async () => {
    const report = await runChecks(
      [{ id: "a", checks: [check("a/1", { status: "not-applicable", reason: "not installed" })] }],
      context(),
    );
    expect(report.results).toEqual([]);
  });

  it("turns thrown API and check failures into results with their cause; forbidden is a skip", async () => {
    const report = await runChecks(
      [
        {
          id: "a",
          checks: [
            check("a/1", async () => {
              throw new KubeApiError(
                "forbidden",
                "forbidden: cannot get secrets",
                { verb: "get", resource: "secrets" },
                403,
              );
            }),
            check("a/2", async () => {
              throw new CheckFailure("bad PEM");
            }),
          ],
        },
      ],
      context(),
    );
    // RBAC forbade a read: the check is skipped, the permission named, nothing failed for it.
    expect(report.results.map((r) => [r.status, r.skipReason ?? r.error, r.cause])).toEqual([
      ["skipped", "forbidden (needs get secrets at the cluster scope)", undefined],
      ["error", "bad PEM", "finding"],
    ]);
    expect(report.results[0]?.permission).toBe("get secrets at the cluster scope");
    expect(report.hasAccessFailures).toBe(false);
  });

  it("retries retrying checks until they pass or the deadline, telling the observer", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    let attempts = 0;
    const events: string[] = [];
    const flaky = check(
      "a/1",
      async () => {
        attempts += 1;
        return attempts < 3 ? { status: "fail", message: "not yet" } : { status: "pass" };
      },
      { retry: true, surfaceErrorOnRetry: true },
    );
    const ctx = { ...context(), now: () => now };
    const report = await runChecks([{ id: "a", checks: [flaky] }], ctx, {
      retryDeadline: new Date(now.getTime() + 60_000),
      sleep: async (ms) => {
        now = new Date(now.getTime() + ms);
      },
      onEvent: (event) =>
        events.push(
          event.type === "retrying" ? `retry:${event.message}` : `result:${event.result.status}`,
        ),
    });
    expect(attempts).toBe(3);
    expect(report.results[0]?.status).toBe("success");
    expect(events).toEqual(["retry:not yet", "retry:not yet", "result:success"]);
  });

  it("stops retrying at the deadline and says 'waiting for check to complete' unless told otherwise", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const events: string[] = [];
    const ctx = { ...context(), now: () => now };
    const report = await runChecks(
      [{ id: "a", checks: [check("a/1", { status: "fail", message: "down" }, { retry: true })] }],
      ctx,
      {
        retryDeadline: new Date(now.getTime() + 12_000),
        sleep: async (ms) => {
          now = new Date(now.getTime() + ms);
        },
        onEvent: (event) => event.type === "retrying" && events.push(event.message),
      },
    );
    expect(events).toEqual([
      "waiting for check to complete",
      "waiting for check to complete",
      "waiting for check to complete",
    ]);
    expect(report.results[0]?.status).toBe("error");
  });
});
