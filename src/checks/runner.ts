import { KubeApiError } from "../k8s/types.js";
import {
  type CategoryDefinition,
  type CheckContext,
  type CheckDefinition,
  CheckFailure,
  type CheckOutcome,
  type CheckReport,
  type CheckResult,
  HINT_BASE_URL,
} from "./types.js";

/** What the runner tells its observer while it works (the command draws a spinner from these). */
export type RunEvent =
  | { type: "result"; result: CheckResult }
  | { type: "retrying"; check: CheckDefinition; category: string; message: string };

export interface RunOptions {
  /** Retry deadline for retrying checks (`--wait`); undefined or past means no retry. */
  retryDeadline?: Date;
  /** Pause between attempts; Linkerd uses 5 s (healthcheck retryWindow). */
  retryIntervalMs?: number;
  onEvent?: (event: RunEvent) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Linkerd's per-check error text while waiting, unless the check surfaces its own. */
const WAITING = "waiting for check to complete";

/** Turns anything a check threw into an outcome: API and data failures are reported, not raised. */
function outcomeOfError(error: unknown): CheckOutcome {
  if (error instanceof CheckFailure)
    return { status: "fail", message: error.message, cause: error.kind };
  if (error instanceof KubeApiError)
    return { status: "fail", message: error.message, cause: "access" };
  return {
    status: "fail",
    message: error instanceof Error ? error.message : String(error),
    cause: "finding",
  };
}

async function attempt(check: CheckDefinition, context: CheckContext): Promise<CheckOutcome> {
  try {
    return await check.run(context);
  } catch (error) {
    return outcomeOfError(error);
  }
}

function toResult(
  category: string,
  check: CheckDefinition,
  outcome: Exclude<CheckOutcome, { status: "not-applicable" }>,
): CheckResult {
  const base = {
    id: check.id,
    category,
    description: check.description,
    severity: check.severity,
    hint: `${HINT_BASE_URL}${check.hintAnchor}`,
  };
  if (outcome.status === "pass") {
    return {
      ...base,
      status: "success",
      ...(outcome.certificates ? { certificates: outcome.certificates } : {}),
    };
  }
  return {
    ...base,
    status: check.severity === "warning" ? "warning" : "error",
    error: outcome.message,
    cause: outcome.cause ?? "finding",
    ...(outcome.certificates ? { certificates: outcome.certificates } : {}),
  };
}

/**
 * Runs the categories in order. Unlike Linkerd, a failed fatal check does not stop everything
 * (users asked for every check to be evaluated, linkerd/linkerd2#5450): only the checks that
 * `require` it are skipped; all others still run and report.
 */
export async function runChecks(
  categories: CategoryDefinition[],
  context: CheckContext,
  options: RunOptions = {},
): Promise<CheckReport> {
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const interval = options.retryIntervalMs ?? 5000;
  const results: CheckResult[] = [];
  const statusById = new Map<string, CheckResult["status"] | "not-applicable">();

  for (const category of categories) {
    for (const check of category.checks) {
      const blocker = (check.requires ?? []).find((id) => {
        const status = statusById.get(id);
        return status !== "success" && status !== "warning" && status !== "not-applicable";
      });
      if (blocker !== undefined) {
        const blocking = results.find((r) => r.id === blocker);
        const result: CheckResult = {
          id: check.id,
          category: category.id,
          description: check.description,
          severity: check.severity,
          hint: `${HINT_BASE_URL}${check.hintAnchor}`,
          status: "skipped",
          skipReason: `requires "${blocking?.description ?? blocker}"`,
        };
        statusById.set(check.id, "skipped");
        results.push(result);
        options.onEvent?.({ type: "result", result });
        continue;
      }

      let outcome = await attempt(check, context);
      while (
        outcome.status === "fail" &&
        check.retry &&
        options.retryDeadline !== undefined &&
        context.now() < options.retryDeadline
      ) {
        options.onEvent?.({
          type: "retrying",
          check,
          category: category.id,
          message: check.surfaceErrorOnRetry ? outcome.message : WAITING,
        });
        await sleep(
          Math.min(
            interval,
            Math.max(0, options.retryDeadline.getTime() - context.now().getTime()),
          ),
        );
        outcome = await attempt(check, context);
      }
      if (outcome.status === "not-applicable") {
        statusById.set(check.id, "not-applicable");
        continue;
      }
      const result = toResult(category.id, check, outcome);
      statusById.set(check.id, result.status);
      results.push(result);
      options.onEvent?.({ type: "result", result });
    }
  }

  const failed = results.filter((r) => r.status === "error");
  return {
    results,
    success: failed.length === 0,
    hasWarnings: results.some((r) => r.status === "warning"),
    hasAccessFailures: failed.some((r) => r.cause === "access"),
    apiUnreachable: results.some((r) => r.category === "kubernetes-api" && r.status === "error"),
  };
}
