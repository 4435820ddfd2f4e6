// `meshlens edges RESOURCETYPE [-n NS | -A]`: who talks to whom, and whether it is mTLS, from the
// proxies' own metrics (default) or from a Prometheus (--prometheus). Linkerd's output by default.
import { Command } from "commander";
import { unlessAborted } from "../abort.js";
import type { Context } from "../context.js";
import { type EdgesRequest, readEdges } from "../edges/read.js";
import { parseEdgesResourceType } from "../edges/resource-types.js";
import type { EdgeResourceType, EdgesResult } from "../edges/types.js";
import { CliError, ExitCode, exitCodesHelp, forbiddenNeeds, usageError } from "../errors.js";
import type { ExplainFacts, Explanation } from "../explain/types.js";
import { permissionNeeded } from "../k8s/api-errors.js";
import { requireNamespace } from "../k8s/namespaces.js";
import { KubeApiError } from "../k8s/types.js";
import { escapeControl } from "../render/escape.js";
import { firstLine } from "../shared/first-line.js";
import type { RunCommand } from "./command.js";
import { parsePrometheusDuration } from "./durations.js";
import { concurrency, positiveDuration, prometheusSource } from "./flags.js";
import { statusLine } from "./status-line.js";

export interface EdgesFlags {
  namespace?: string;
  allNamespaces?: boolean;
  output: string;
  prometheus?: string;
  vizNamespace: string;
  failOn?: string;
  unmeshed?: boolean;
  explain?: boolean;
  seen?: boolean;
  since?: string;
  concurrency: string;
  timeout: string;
}

export const EDGES_FAIL_ON = ["plaintext"] as const;
export const EDGES_OUTPUT_FORMATS = ["table", "wide", "json"] as const;
export type EdgesOutputFormat = (typeof EDGES_OUTPUT_FORMATS)[number];

export interface EdgesOptions {
  type: EdgeResourceType;
  /** undefined: -A. */
  namespace: string | undefined | "context";
  output: EdgesOutputFormat;
  source: EdgesRequest["source"];
  failOnPlaintext: boolean;
  unmeshed: boolean;
  /** Find, in the cluster, why each row that is not mTLS is not. */
  explain: boolean;
  /** Also connections not open now: since each proxy started, or within this Prometheus window. */
  seen: { window: string | undefined } | undefined;
}

export function parseEdgesOptions(args: string[], flags: EdgesFlags): EdgesOptions {
  const parsed = parseEdgesResourceType(args);
  if (!parsed.ok) throw usageError(parsed.message);
  if (!(EDGES_OUTPUT_FORMATS as readonly string[]).includes(flags.output))
    throw usageError("--output supports table, json and wide");
  if (flags.failOn !== undefined && flags.failOn !== "plaintext")
    throw usageError(`invalid --fail-on "${flags.failOn}": use plaintext`);
  let source: EdgesOptions["source"] = {
    kind: "proxies",
    concurrency: concurrency("--concurrency", flags.concurrency, 256),
    timeoutMs: positiveDuration("--timeout", flags.timeout),
  };
  if (flags.prometheus !== undefined) {
    source = prometheusSource(flags.prometheus, flags.vizNamespace);
    if (flags.unmeshed)
      throw usageError(
        "--unmeshed reads the destinations' inbound metrics, which Linkerd's query does not ask: leave out --prometheus",
      );
  }
  if (flags.since !== undefined) {
    if (flags.prometheus === undefined)
      throw usageError(
        "--since needs --prometheus: a proxy's own counters run from when it started (use --seen alone)",
      );
    if (!parsePrometheusDuration(flags.since))
      throw usageError(
        `invalid --since "${flags.since}": use a Prometheus duration such as 1h, 1h30m or 2d`,
      );
  }
  return {
    type: parsed.type,
    // -A wins over -n, as in kubectl.
    namespace: flags.allNamespaces ? undefined : (flags.namespace ?? "context"),
    output: flags.output as EdgesOutputFormat,
    source,
    failOnPlaintext: flags.failOn === "plaintext",
    unmeshed: flags.unmeshed === true,
    explain: flags.explain === true,
    // --since implies --seen: a window is only read for edges seen in it.
    seen:
      flags.seen || flags.since !== undefined
        ? { window: flags.prometheus === undefined ? undefined : (flags.since ?? "1h") }
        : undefined,
  };
}

export async function runEdges(ctx: Context, options: EdgesOptions): Promise<number> {
  const cluster = await ctx.loadCluster();
  const namespace = options.namespace === "context" ? cluster.defaultNamespace : options.namespace;
  if (namespace !== undefined) {
    const unchecked = await unlessAborted(requireNamespace(cluster, namespace), ctx.signal);
    if (ctx.signal.aborted) return ExitCode.Interrupted;
    if (unchecked !== undefined) ctx.err.write(`meshlens: ${escapeControl(unchecked)}\n`);
  }
  const status = statusLine(ctx);
  // --explain reduces each pod of the LIST edges makes anyway: the pods are listed once.
  const explainer = options.explain ? await import("../explain/facts.js") : undefined;
  const reading = readEdges(cluster, {
    type: options.type,
    namespace,
    source: options.source,
    seen: options.seen,
    unmeshed: options.unmeshed,
    onProgress: (done, total) => status.show(`reading proxy metrics: ${done}/${total}`),
    ...(explainer ? { describePod: explainer.explainPodReader() } : {}),
  }).catch((error: unknown) => {
    // A Prometheus that cannot be queried is data meshlens could not read: exit 3, one line.
    if (error instanceof KubeApiError || options.source.kind === "proxies") throw error;
    throw new CliError(firstLine(error), ExitCode.CouldNotRun);
  });
  const result = await unlessAborted(reading, ctx.signal);
  status.stop();
  if (result === undefined) return ExitCode.Interrupted;
  const { edges } = result;
  const explained = explainer
    ? await unlessAborted(
        explainOrSay(ctx, result, options, (listed) =>
          explainer.collectExplainFacts(cluster, {
            controlPlaneNamespace: ctx.global.linkerdNamespace,
            ...(listed ? { listed } : {}),
          }),
        ),
        ctx.signal,
      )
    : undefined;
  if (explainer && explained === undefined) return ExitCode.Interrupted;
  const explanations = explained?.rows;
  // Loaded here, not with the command: cli-table3 is not needed for `--help` (issue 12).
  const { renderEdgesGaps, renderEdgesJson, renderEdgesTable, renderUnscraped } = await import(
    "../render/edges.js"
  );
  if (options.output === "json") ctx.out.write(renderEdgesJson(edges, explanations));
  else if (edges.length === 0) ctx.err.write("No edges found.\n");
  else ctx.out.write(renderEdgesTable(edges, options.output === "wide", ctx.theme, explanations));
  if (explained?.facts !== undefined && options.source.kind !== "proxies") {
    const { findUnscraped } = await import("../explain/scrapes.js");
    const unscraped = await unlessAborted(
      findUnscraped(options.source, cluster, explained.facts, namespace),
      ctx.signal,
    );
    if (unscraped === undefined) return ExitCode.Interrupted;
    ctx.err.write(renderUnscraped(unscraped));
  }
  const gaps = renderEdgesGaps(result, options.source.kind === "proxies");
  if (gaps !== "") {
    ctx.err.write(gaps);
    return ExitCode.CouldNotRun;
  }
  if (options.failOnPlaintext && edges.some((edge) => !edge.security.mtls))
    return ExitCode.ChecksFailed;
  return ExitCode.Ok;
}

/**
 * Each row's explanation (undefined where there is nothing to explain), from what edges listed and
 * a few more reads (explain/facts.ts), and the facts, for what else --explain says. RBAC that
 * forbids those reads leaves the rows unexplained, said on stderr; a part it forbids (the trust
 * roots) is said the same way.
 */
async function explainOrSay(
  ctx: Context,
  result: EdgesResult,
  options: EdgesOptions,
  collect: (listed: EdgesResult["described"]) => Promise<ExplainFacts>,
): Promise<{ rows: Array<Explanation | undefined>; facts: ExplainFacts | undefined }> {
  const { explainEdge } = await import("../explain/edges.js");
  let facts: ExplainFacts;
  try {
    facts = await collect(result.described);
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.failure !== "forbidden") throw error;
    ctx.err.write(
      `meshlens: skipped: ${forbiddenNeeds(permissionNeeded(error.target))}: the rows are not explained\n`,
    );
    return { rows: result.edges.map(() => undefined), facts: undefined };
  }
  const anchors = facts.currentAnchors;
  if (anchors !== undefined && "unread" in anchors)
    ctx.err.write(`meshlens: ${escapeControl(anchors.unread)}\n`);
  return { rows: result.edges.map((edge) => explainEdge(edge, facts, options.type)), facts };
}

export function edgesCommand(run: RunCommand): Command {
  return new Command("edges")
    .description(
      "Show who talks to whom (RESOURCETYPE: deploy, po, sts, ds, job, cj, rs, rc) and whether each connection is mTLS",
    )
    .argument("[resourcetype...]", "the resource type to aggregate by (one)")
    .option("-n, --namespace <namespace>", "namespace (default: the kubeconfig context's)")
    .option("-A, --all-namespaces", "every namespace (wins over -n)")
    .option("-o, --output <format>", "table, wide or json", "table")
    .option(
      "--prometheus <url>",
      "read Linkerd's query from this Prometheus (\"viz\": linkerd-viz's, via the API server) instead of each proxy",
    )
    .option("--viz-namespace <namespace>", "namespace of linkerd-viz", "linkerd-viz")
    .option("--fail-on <what>", "plaintext: exit 1 when an edge shown is not mTLS")
    .option("--unmeshed", "also show clients without a proxy, as their destinations count them")
    .option(
      "--explain",
      "say why each connection that is not mTLS is not, found in the cluster (a WHY column; `explanation` in JSON)",
    )
    .option(
      "--seen",
      "also show edges with no connection open now (since each proxy started; with --prometheus, within --since)",
    )
    .option(
      "--since <duration>",
      "with --prometheus: the window --seen looks back over, a Prometheus duration (default 1h; implies --seen)",
    )
    .option("--concurrency <n>", "proxies read at once", "16")
    .option("--timeout <duration>", "how long to wait for one proxy's metrics", "5s")
    .addHelpText(
      "after",
      `\n${exitCodesHelp("the edges were read (and, with --fail-on plaintext, all are mTLS)", "with --fail-on plaintext: an edge shown is not mTLS")}\nAn incomplete read (a proxy that could not be read) is exit 3.\n`,
    )
    .action((args: string[], flags: EdgesFlags) => run(parseEdgesOptions(args, flags), runEdges));
}
