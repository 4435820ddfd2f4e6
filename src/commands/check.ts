// `meshlens check`: parse flags -> gather -> run the checks -> render -> exit code.
import { readFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { type ExpiryThreshold, parseExpiryThreshold } from "../checks/expiry.js";
import type { IdentityInput } from "../checks/facts.js";
import type { RunEvent } from "../checks/runner.js";
import type { CheckContext, CheckReport } from "../checks/types.js";
import type { Context } from "../context.js";
import { ExitCode, usageError } from "../errors.js";
import type { Cluster } from "../k8s/types.js";
import {
  type CheckOutputFormat,
  OUTPUT_FORMATS,
  overallSuccess,
  renderJson,
  renderJunit,
  renderResultChunk,
  renderShort,
  renderTableSummary,
} from "../render/check.js";
import { parseDuration } from "./durations.js";

export interface CheckOptions {
  output: CheckOutputFormat;
  waitMs: number;
  failOn: "error" | "warning";
  expiryThreshold: ExpiryThreshold;
  offline: { anchors: string; issuerCert: string; issuerKey: string | undefined } | undefined;
}

interface RawCheckFlags {
  output: string;
  wait: string;
  failOn: string;
  expiryThreshold: string;
  anchors?: string;
  issuerCert?: string;
  issuerKey?: string;
}

/** Flags to typed options; every problem is a usage error (exit 2). */
export function parseCheckOptions(flags: RawCheckFlags): CheckOptions {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(flags.output)) {
    throw usageError(
      `Invalid output type '${flags.output}'. Supported output types are: ${OUTPUT_FORMATS.join(", ")}`,
    );
  }
  const waitMs = parseDuration(flags.wait);
  if (waitMs === undefined)
    throw usageError(`invalid --wait "${flags.wait}": use a duration such as 30s, 5m or 1h`);
  if (flags.failOn !== "error" && flags.failOn !== "warning") {
    throw usageError(`invalid --fail-on "${flags.failOn}": use error or warning`);
  }
  const expiryThreshold = parseExpiryThreshold(flags.expiryThreshold);
  if (expiryThreshold === undefined) {
    throw usageError(
      `invalid --expiry-threshold "${flags.expiryThreshold}": use a duration (60d, 720h) or a share of the lifetime (20%)`,
    );
  }
  const offlineFlags = [flags.anchors, flags.issuerCert, flags.issuerKey].some(
    (f) => f !== undefined,
  );
  if (offlineFlags && (flags.anchors === undefined || flags.issuerCert === undefined)) {
    throw usageError(
      "offline checks need both --anchors FILE and --issuer-cert FILE (--issuer-key FILE is optional)",
    );
  }
  return {
    output: flags.output as CheckOutputFormat,
    waitMs,
    failOn: flags.failOn,
    expiryThreshold,
    offline: offlineFlags
      ? {
          anchors: flags.anchors as string,
          issuerCert: flags.issuerCert as string,
          issuerKey: flags.issuerKey,
        }
      : undefined,
  };
}

/** The documented exit code for a finished run. */
export function exitCodeFor(report: CheckReport, failOn: CheckOptions["failOn"]): number {
  if (report.apiUnreachable) return ExitCode.CouldNotRun;
  if (!report.success) {
    const findings = report.results.some((r) => r.status === "error" && r.cause !== "access");
    return findings ? ExitCode.ChecksFailed : ExitCode.CouldNotRun;
  }
  return overallSuccess(report, failOn === "warning") ? ExitCode.Ok : ExitCode.ChecksFailed;
}

async function readInputFile(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw usageError(
      `cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

async function offlineInput(files: NonNullable<CheckOptions["offline"]>): Promise<IdentityInput> {
  const [anchorsPem, issuerCertPem, issuerKeyPem] = await Promise.all([
    readInputFile("--anchors", files.anchors),
    readInputFile("--issuer-cert", files.issuerCert),
    files.issuerKey === undefined
      ? Promise.resolve(undefined)
      : readInputFile("--issuer-key", files.issuerKey),
  ]);
  return { scheme: "files", anchorsPem, issuerCertPem, issuerKeyPem };
}

/** A spinner on stderr while checks are retried, only on a terminal (Linkerd shows one on stdout). */
function retrySpinner(ctx: Context) {
  let spinner: { text: string; stop(): void } | undefined;
  let starting: Promise<void> | undefined;
  return {
    async retrying(text: string) {
      // A pseudo-terminal without a width (some CI runners) makes spinners redraw without end.
      const columns = ctx.err.columns ?? 0;
      if (!ctx.err.isTTY || columns <= 0) return;
      // The spinner glyph and a space come first; a wrapped line would make ora erase the line above.
      const room = columns - 3;
      text = text.length > room ? `${text.slice(0, room - 1)}…` : text;
      if (spinner === undefined) {
        starting ??= import("ora").then(({ default: ora }) => {
          spinner = ora({ text, stream: process.stderr, color: "yellow" }).start();
        });
        await starting;
      }
      if (spinner) spinner.text = text;
    },
    stop() {
      spinner?.stop();
      spinner = undefined;
      starting = undefined;
    },
  };
}

export async function runCheckCommand(ctx: Context, options: CheckOptions): Promise<number> {
  const certsPromise = ctx.loadCertTools();
  const { checkCatalog, createFacts, readClusterIdentityInput, runChecks } = await import(
    "../checks/index.js"
  );
  let cluster: Cluster | undefined;
  let loadInput: () => Promise<IdentityInput>;
  if (options.offline !== undefined) {
    const input = await offlineInput(options.offline);
    loadInput = async () => input;
  } else {
    cluster = await ctx.loadCluster();
    const target = cluster;
    loadInput = () => readClusterIdentityInput(target, ctx.global.linkerdNamespace);
  }
  const certs = await certsPromise;
  const facts = createFacts(loadInput, certs);
  const context: CheckContext = {
    cluster,
    certs,
    facts,
    now: ctx.clock,
    controlPlaneNamespace: ctx.global.linkerdNamespace,
    expiryThreshold: options.expiryThreshold,
  };
  const catalog = checkCatalog(options.offline ? "files" : "cluster", options.expiryThreshold);
  const warningsFail = options.failOn === "warning";
  const streaming = options.output === "table";
  const spinner = retrySpinner(ctx);
  let previousCategory: string | undefined;

  const onEvent = (event: RunEvent) => {
    if (event.type === "retrying") {
      void spinner.retrying(`${event.check.description}: ${event.message}`);
      return;
    }
    spinner.stop();
    if (streaming && event.result.status !== "skipped") {
      ctx.out.write(renderResultChunk(event.result, previousCategory, ctx.theme));
      previousCategory = event.result.category;
    }
  };
  const report = await runChecks(catalog, context, {
    ...(options.waitMs > 0
      ? { retryDeadline: new Date(ctx.clock().getTime() + options.waitMs) }
      : {}),
    onEvent,
  });
  spinner.stop();

  const renderOptions = { theme: ctx.theme, warningsFail };
  switch (options.output) {
    case "table":
      ctx.out.write(renderTableSummary(report, renderOptions));
      break;
    case "short":
      ctx.out.write(renderShort(report, renderOptions));
      break;
    case "json":
      ctx.out.write(renderJson(report, renderOptions));
      break;
    case "junit":
      ctx.out.write(renderJunit(report, renderOptions));
      break;
  }
  return exitCodeFor(report, options.failOn);
}

export function checkCommand(
  run: (action: (ctx: Context) => Promise<number>) => Promise<void>,
): Command {
  return new Command("check")
    .description(
      "Check the health of the Linkerd control plane's mTLS identity (trust anchors, issuer, webhooks)",
    )
    .addOption(
      new Option("-o, --output <format>", `output format: ${OUTPUT_FORMATS.join(", ")}`).default(
        "table",
      ),
    )
    .option(
      "--wait <duration>",
      "retry the checks Linkerd retries for up to this long (0s: no retry)",
      "5m0s",
    )
    .option(
      "--fail-on <level>",
      "lowest result that makes the exit code 1: error or warning",
      "error",
    )
    .option(
      "--expiry-threshold <threshold>",
      "warn when a certificate expires within this: a duration (60d, 720h) or a share of its lifetime (20%)",
      "60d",
    )
    .option("--anchors <file>", "offline: trust anchors PEM bundle (no cluster needed)")
    .option("--issuer-cert <file>", "offline: issuer certificate PEM")
    .option("--issuer-key <file>", "offline: issuer private key PEM (checked, never printed)")
    .addHelpText(
      "after",
      "\nExit codes: 0 healthy (warnings allowed), 1 a check failed, 2 usage error, 3 could not run.\n",
    )
    .action(async (flags: RawCheckFlags) => {
      const options = parseCheckOptions(flags);
      await run((ctx) => runCheckCommand(ctx, options));
    });
}
