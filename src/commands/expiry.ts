// `meshlens expiry`: one timeline of every certificate Linkerd's identity rests on (each anchor
// where it is kept, the issuer, the webhooks' and tap's serving certificates, the proxies' leaves
// per namespace), soonest first, and a gate for CI (--fail-within).
import { Command } from "commander";
import { unlessAborted } from "../abort.js";
import { parseExpiryThreshold } from "../checks/expiry.js";
import type { ExpiryThreshold } from "../checks/types.js";
import type { Context } from "../context.js";
import { CliError, ExitCode, exitCodesHelp, usageError } from "../errors.js";
import type { ExpiryThresholds } from "../expiry/types.js";
import { KubeApiError } from "../k8s/types.js";
import type { LeafReading } from "../rotation/types.js";
import { firstLine } from "../shared/first-line.js";
import type { RunCommand } from "./command.js";
import { checkSelectorFlag, leafReading } from "./flags.js";
import { statusLine } from "./status-line.js";

export interface ExpiryFlags {
  output: string;
  verifyLeaves: boolean;
  prometheus?: string;
  vizNamespace: string;
  namespace?: string;
  selector?: string;
  warnAnchors: string;
  warnIssuer: string;
  warnWebhooks: string;
  warnLeaves: string;
  failWithin?: string;
  includeSuperseded?: boolean;
  proxyConcurrency: string;
  proxyTimeout: string;
}

export interface ExpiryOptions {
  output: "table" | "json" | "short";
  leaves: LeafReading | undefined;
  namespace: string | undefined;
  selector: string | undefined;
  thresholds: ExpiryThresholds;
  failWithin: ExpiryThreshold | undefined;
  includeSuperseded: boolean;
  vizNamespace: string;
}

function threshold(flag: string, text: string): ExpiryThreshold {
  const parsed = parseExpiryThreshold(text);
  if (parsed === undefined)
    throw usageError(
      `invalid ${flag} "${text}": use a duration such as 60d, 720h or 1d12h, or a share of the lifetime such as 20%`,
    );
  return parsed;
}

export function parseExpiryOptions(flags: ExpiryFlags): ExpiryOptions {
  if (!["table", "json", "short"].includes(flags.output))
    throw usageError(`invalid --output "${flags.output}": use table, json or short`);
  checkSelectorFlag(flags.selector);
  return {
    output: flags.output as ExpiryOptions["output"],
    leaves: leafReading(flags),
    namespace: flags.namespace,
    selector: flags.selector,
    thresholds: {
      anchor: threshold("--warn-anchors", flags.warnAnchors),
      issuer: threshold("--warn-issuer", flags.warnIssuer),
      webhook: threshold("--warn-webhooks", flags.warnWebhooks),
      leaves: threshold("--warn-leaves", flags.warnLeaves),
    },
    failWithin:
      flags.failWithin === undefined ? undefined : threshold("--fail-within", flags.failWithin),
    includeSuperseded: flags.includeSuperseded === true,
    vizNamespace: flags.vizNamespace,
  };
}

export async function runExpiry(ctx: Context, options: ExpiryOptions): Promise<number> {
  const [certs, cluster, { collectExpiryFacts }, { buildTimeline, failingRows }, render] =
    await Promise.all([
      ctx.loadCertTools(),
      ctx.loadCluster(),
      import("../expiry/collect.js"),
      import("../expiry/timeline.js"),
      import("../render/expiry.js"),
    ]);
  const status = statusLine(ctx);
  let facts: Awaited<ReturnType<typeof collectExpiryFacts>> | undefined;
  try {
    facts = await unlessAborted(
      collectExpiryFacts(cluster, certs, {
        controlPlaneNamespace: ctx.global.linkerdNamespace,
        vizNamespace: options.vizNamespace,
        namespace: options.namespace,
        selector: options.selector,
        leaves: options.leaves,
        now: ctx.clock,
        onProgress: (done, total) => status.show(`reading proxy certificates: ${done}/${total}`),
      }),
      ctx.signal,
    ).catch((error: unknown) => {
      // A Prometheus that cannot be queried is data meshlens could not read: exit 3, one line.
      if (error instanceof KubeApiError || options.leaves?.kind !== "prometheus") throw error;
      throw new CliError(firstLine(error), ExitCode.CouldNotRun);
    });
  } finally {
    status.stop();
  }
  if (facts === undefined) return ExitCode.Interrupted;
  const report = buildTimeline(facts, options.thresholds, options.includeSuperseded);
  if (options.output === "json") ctx.out.write(render.renderExpiryJson(report));
  else if (options.output === "short") ctx.out.write(render.renderExpiryShort(report, ctx.theme));
  else ctx.out.write(render.renderExpiryTable(report, ctx.theme));
  return failingRows(report, options.failWithin, options.includeSuperseded).length > 0
    ? ExitCode.ChecksFailed
    : ExitCode.Ok;
}

export function expiryCommand(run: RunCommand): Command {
  return new Command("expiry")
    .description(
      "Show when each certificate of the mesh's identity expires: anchors, issuer, webhooks, tap, and the proxies' leaves per namespace, soonest first",
    )
    .option("-o, --output <format>", "table, json or short", "table")
    .option("--no-verify-leaves", "leave the proxies' leaves out (no port-forwards)")
    .option(
      "--prometheus <url>",
      "read the leaves' expiry from Prometheus (an http(s) URL, or \"viz\" for linkerd-viz's), not the proxies",
    )
    .option("--viz-namespace <namespace>", "namespace of linkerd-viz", "linkerd-viz")
    .option("-n, --namespace <namespace>", "only the leaves of this namespace's meshed pods")
    .option("-l, --selector <selector>", "only the leaves of the meshed pods with these labels")
    .option("--warn-anchors <threshold>", "‼ a trust anchor within this (duration or %)", "60d")
    .option("--warn-issuer <threshold>", "‼ the issuer within this", "60d")
    .option(
      "--warn-webhooks <threshold>",
      "‼ a webhook or API service certificate within this",
      "60d",
    )
    .option("--warn-leaves <threshold>", "‼ a namespace whose earliest leaf is within this", "20%")
    .option(
      "--fail-within <threshold>",
      "exit 1 when a certificate expires within this (a duration such as 30d, or a share of its lifetime such as 10%)",
    )
    .option(
      "--include-superseded",
      "count anchors kept in a bundle that sign nothing current (a rotation's old anchor) for the headline and the gate",
    )
    .option("--proxy-concurrency <n>", "proxies read at once", "32")
    .option("--proxy-timeout <duration>", "how long to wait for one proxy", "5s")
    .addHelpText(
      "after",
      `\n${exitCodesHelp("nothing expired, nothing within --fail-within", "a certificate is expired or not yet valid, or within --fail-within")}\n`,
    )
    .action((flags: ExpiryFlags) => run(parseExpiryOptions(flags), runExpiry));
}
