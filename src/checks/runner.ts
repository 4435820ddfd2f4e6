import { forbiddenNeeds } from "../errors.js";
import { permissionNeeded } from "../k8s/api-errors.js";
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
  if (error instanceof KubeApiError && error.failure === "forbidden")
    return { status: "forbidden", permission: permissionNeeded(error.target) };
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
    hint: `${check.hintBase ?? HINT_BASE_URL}${check.hintAnchor}`,
  };
  if (outcome.status === "forbidden")
    return {
      ...base,
      status: "skipped",
      skipReason: forbiddenNeeds(outcome.permission),
      permission: outcome.permission,
    };
  if (outcome.status === "pass") {
    return {
      ...base,
      status: "success",
      ...(outcome.note ? { note: outcome.note } : {}),
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

type Settled = CheckResult | { status: "not-applicable" };

/**
 * Runs every check as soon as the checks it `requires` have finished, and reports results in
 * catalog order (Linkerd's print order). Unlike Linkerd, a failed fatal check does not stop
 * everything (users asked for every check to be evaluated, linkerd/linkerd2#5450): only the checks
 * that require it are skipped; all others still run and report. Independent checks run
 * concurrently, so a run costs about one round trip per dependency level, not one per check.
 */
export async function runChecks(
  categories: CategoryDefinition[],
  context: CheckContext,
  options: RunOptions = {},
): Promise<CheckReport> {
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const interval = options.retryIntervalMs ?? 5000;
  const entries = categories.flatMap((category) =>
    category.checks.map((check) => ({ category: category.id, check })),
  );
  const settled = new Map<string, Promise<Settled>>();

  const evaluate = async (category: string, check: CheckDefinition): Promise<Settled> => {
    const required = await Promise.all(
      (check.requires ?? []).flatMap((id) => settled.get(id) ?? []),
    );
    const blocking = required.find(
      (r): r is CheckResult =>
        r.status !== "success" && r.status !== "warning" && r.status !== "not-applicable",
    );
    if (blocking !== undefined) {
      return {
        id: check.id,
        category,
        description: check.description,
        severity: check.severity,
        hint: `${check.hintBase ?? HINT_BASE_URL}${check.hintAnchor}`,
        status: "skipped",
        skipReason: `requires "${blocking.description}"`,
      };
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
        category,
        message: check.surfaceErrorOnRetry ? outcome.message : WAITING,
      });
      await sleep(
        Math.min(interval, Math.max(0, options.retryDeadline.getTime() - context.now().getTime())),
      );
      outcome = await attempt(check, context);
    }
    return outcome.status === "not-applicable"
      ? { status: "not-applicable" }
      : toResult(category, check, outcome);
  };

  // Every promise exists before any check starts, so `requires` may name any check in the catalog.
  const starts: Array<() => void> = [];
  for (const { category, check } of entries) {
    settled.set(
      check.id,
      new Promise<void>((resolve) => starts.push(resolve)).then(() => evaluate(category, check)),
    );
  }
  for (const start of starts) start();

  const results: CheckResult[] = [];
  for (const { check } of entries) {
    const result = await (settled.get(check.id) as Promise<Settled>);
    if (result.status === "not-applicable") continue;
    results.push(result);
    options.onEvent?.({ type: "result", result });
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
