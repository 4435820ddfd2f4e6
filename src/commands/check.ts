// `meshlens check [--proxy]`: flags to options, the checks run (checks/), rendered as asked, and
// the exit code the verdict gives.
import { Command, Option } from "commander";
import { unlessAborted } from "../abort.js";
import type { CertTools } from "../certs/types.js";
import { parseExpiryThreshold } from "../checks/expiry.js";
import type { IdentityInput } from "../checks/facts.js";
import type { RunEvent } from "../checks/runner.js";
import type { DataPlaneOptions, ExpiryThreshold } from "../checks/types.js";
import { checkExitCode } from "../checks/verdict.js";
import type { Context } from "../context.js";
import { ExitCode, exitCodesHelp, usageError } from "../errors.js";
import { memoize } from "../memoize.js";
import {
  type CheckOutputFormat,
  OUTPUT_FORMATS,
  renderJson,
  renderJunit,
  renderResultChunk,
  renderShort,
  renderTableSummary,
} from "../render/check.js";
import { proxyReports } from "../render/check-proxies.js";
import { escapeControl } from "../render/escape.js";
import { rfc3339 } from "../shared/time.js";
import type { RunCommand } from "./command.js";
import { parseDuration } from "./durations.js";
import {
  checkSelectorFlag,
  concurrency,
  positiveDuration,
  prometheusSource,
  readInputFile,
} from "./flags.js";
import { statusLine } from "./status-line.js";

export type ProxyCheckOptions = Omit<DataPlaneOptions, "onProgress">;

export const FAIL_ON_LEVELS = ["error", "warning"] as const;

export interface CheckOptions {
  output: CheckOutputFormat;
  waitMs: number;
  failOn: "error" | "warning";
  expiryThreshold: ExpiryThreshold;
  offline: { anchors: string; issuerCert: string; issuerKey: string | undefined } | undefined;
  /** With --proxy. */
  proxy: ProxyCheckOptions | undefined;
}

export interface RawCheckFlags {
  output: string;
  wait: string;
  failOn: string;
  expiryThreshold: string;
  anchors?: string;
  issuerCert?: string;
  issuerKey?: string;
  proxy?: boolean;
  namespace?: string;
  selector?: string;
  verifyLeaves: boolean;
  prometheus?: string;
  vizNamespace: string;
  proxyConcurrency: string;
  proxyTimeout: string;
  leafExpiryThreshold: string;
}

function parseProxyOptions(flags: RawCheckFlags): ProxyCheckOptions | undefined {
  const proxyOnly =
    [flags.namespace, flags.selector, flags.prometheus].some((f) => f !== undefined) ||
    !flags.verifyLeaves;
  if (!flags.proxy) {
    if (proxyOnly) throw usageError("-n, -l, --prometheus and --no-verify-leaves go with --proxy");
    return undefined;
  }
  checkSelectorFlag(flags.selector);
  const leafThreshold = parseExpiryThreshold(flags.leafExpiryThreshold);
  if (leafThreshold === undefined)
    throw usageError(
      `invalid --leaf-expiry-threshold "${flags.leafExpiryThreshold}": use a share of the lifetime (20%) or a duration (6h)`,
    );
  let leaves: DataPlaneOptions["leaves"] = {
    kind: "live",
    concurrency: concurrency("--proxy-concurrency", flags.proxyConcurrency, 512),
    timeoutMs: positiveDuration("--proxy-timeout", flags.proxyTimeout),
  };
  if (flags.prometheus !== undefined) {
    if (!flags.verifyLeaves)
      throw usageError("--prometheus and --no-verify-leaves cannot be combined");
    leaves = { kind: "prometheus", source: prometheusSource(flags.prometheus, flags.vizNamespace) };
  } else if (!flags.verifyLeaves) {
    leaves = { kind: "off" };
  }
  return { namespace: flags.namespace, selector: flags.selector, leaves, leafThreshold };
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
  const proxy = parseProxyOptions(flags);
  if (offlineFlags && proxy !== undefined)
    throw usageError("--proxy needs a cluster: it cannot be combined with --anchors/--issuer-cert");
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
    proxy,
  };
}

async function offlineInput(files: NonNullable<CheckOptions["offline"]>): Promise<IdentityInput> {
  const [anchorsPem, issuerCertPem, issuerKeyPem] = await Promise.all([
    readInputFile("--anchors", files.anchors),
    readInputFile("--issuer-cert", files.issuerCert),
    files.issuerKey === undefined
      ? Promise.resolve(undefined)
      : readInputFile("--issuer-key", files.issuerKey),
  ]);
  return { scheme: "files", anchorsPem, issuerCertPem, issuerKeyPem, anchorsFile: files.anchors };
}

export async function runCheckCommand(ctx: Context, options: CheckOptions): Promise<number> {
  const [checks, cluster, input] = await Promise.all([
    import("../checks/index.js"),
    options.offline === undefined ? ctx.loadCluster() : undefined,
    options.offline === undefined ? undefined : offlineInput(options.offline),
  ]);
  // The certificate code loads once the checks have sent their first requests (below), while
  // they wait for the answers.
  const certs: () => Promise<CertTools> = memoize(() => ctx.loadCertTools());
  const status = statusLine(ctx);
  const { context, catalog } = checks.prepareCheckRun({
    source: cluster
      ? { kind: "cluster", cluster }
      : { kind: "files", input: input as IdentityInput },
    certs,
    controlPlaneNamespace: ctx.global.linkerdNamespace,
    expiryThreshold: options.expiryThreshold,
    now: ctx.clock,
    dataPlane: options.proxy && {
      ...options.proxy,
      onProgress: (done, total) => status.show(`verifying proxy certificates: ${done}/${total}`),
    },
  });
  const warningsFail = options.failOn === "warning";
  const streaming = options.output === "table";
  let previousCategory: string | undefined;

  const retryDeadline =
    options.waitMs > 0 ? new Date(ctx.clock().getTime() + options.waitMs) : undefined;
  // What each retried check last said it waits for: said again on stderr only when it changes.
  const waitingFor = new Map<string, string>();
  const onEvent = (event: RunEvent) => {
    if (event.type === "retrying") {
      const until = `until ${rfc3339(retryDeadline ?? ctx.clock())} (--wait)`;
      status.show(`${event.check.description}: ${event.message} (${until})`);
      // Without a spinner (no terminal, CI): a log says once what the run is waiting for.
      if (!status.spinning && waitingFor.get(event.check.id) !== event.message) {
        waitingFor.set(event.check.id, event.message);
        ctx.err.write(
          `meshlens: waiting ${until} for "${event.check.description}": ${escapeControl(event.message)}\n`,
        );
      }
      return;
    }
    status.clear();
    // Skipped checks are not printed, as Linkerd prints none, unless RBAC forbade them.
    if (streaming && (event.result.status !== "skipped" || event.result.permission !== undefined)) {
      ctx.out.write(renderResultChunk(event.result, previousCategory, ctx.theme));
      previousCategory = event.result.category;
    }
  };
  const running = checks.runChecks(catalog, context, {
    ...(retryDeadline ? { retryDeadline } : {}),
    onEvent,
  });
  // Started now, awaited by the checks that read certificates: they report a failure to load.
  certs().catch(() => {});
  const report = await unlessAborted(running, ctx.signal);
  status.stop();
  if (report === undefined) return ExitCode.Interrupted;

  const renderOptions = { theme: ctx.theme, warningsFail };
  switch (options.output) {
    case "table":
      ctx.out.write(renderTableSummary(report, renderOptions));
      break;
    case "short":
      ctx.out.write(renderShort(report, renderOptions));
      break;
    case "json": {
      const dataPlane = context.dataPlane;
      const proxies = dataPlane
        ? proxyReports(
            await dataPlane.assessments(),
            dataPlane.options.leaves.kind === "prometheus" ? "prometheus" : "live",
            ctx.clock(),
          )
        : undefined;
      ctx.out.write(renderJson(report, renderOptions, proxies));
      break;
    }
    case "junit":
      ctx.out.write(renderJunit(report, renderOptions));
      break;
  }
  return checkExitCode(report, options.failOn);
}

export function checkCommand(run: RunCommand): Command {
  return new Command("check")
    .description(
      "Check the health of the Linkerd mTLS identity: trust anchors, issuer, webhooks and, with --proxy, every proxy's certificate",
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
    .option(
      "--proxy",
      "also check the data plane: every proxy's trust bundle, readiness and live certificate",
    )
    .option(
      "-n, --namespace <namespace>",
      "with --proxy: only this namespace (default: all namespaces)",
    )
    .option("-l, --selector <selector>", "with --proxy: only pods with these labels")
    .option(
      "--no-verify-leaves",
      "with --proxy: do not fetch the proxies' certificates (only Linkerd's checks)",
    )
    .option(
      "--prometheus <url>",
      'with --proxy: read leaf expiries from this Prometheus ("viz": linkerd-viz\'s, via the API server) instead of each proxy',
    )
    .option("--viz-namespace <namespace>", "namespace of linkerd-viz", "linkerd-viz")
    .option("--proxy-concurrency <n>", "with --proxy: proxies verified at once", "32")
    .option("--proxy-timeout <duration>", "with --proxy: how long to wait for one proxy", "5s")
    .option(
      "--leaf-expiry-threshold <threshold>",
      "with --proxy: warn when a leaf has less than this left (share of its lifetime, or a duration)",
      "20%",
    )
    .addHelpText(
      "after",
      `\n${exitCodesHelp("healthy: every check passed (warnings too, unless --fail-on warning)", "a check failed")}\n`,
    )
    .action((flags: RawCheckFlags) => run(parseCheckOptions(flags), runCheckCommand));
}
