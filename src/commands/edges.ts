// `meshlens edges RESOURCETYPE [-n NS | -A]`: who talks to whom, and whether it is mTLS, from the
// proxies' own metrics (default) or from a Prometheus (--prometheus). Linkerd's output by default.
import { Command } from "commander";
import { unlessAborted } from "../abort.js";
import type { Context } from "../context.js";
import { parseEdgesResourceType } from "../edges/resource-types.js";
import type { EdgeResourceType, EdgesResult, UnreadProxy } from "../edges/types.js";
import { CliError, ExitCode, exitCodesHelp, usageError } from "../errors.js";
import { requireNamespace } from "../k8s/namespaces.js";
import { KubeApiError } from "../k8s/types.js";
import type { PrometheusSource } from "../proxy/prometheus.js";
import { escapeControl } from "../render/escape.js";
import { firstLine } from "../shared/first-line.js";
import { parseDuration, parsePrometheusDuration } from "./durations.js";
import { statusLine } from "./status-line.js";

interface EdgesFlags {
  namespace?: string;
  allNamespaces?: boolean;
  output: string;
  prometheus?: string;
  vizNamespace: string;
  failOn?: string;
  unmeshed?: boolean;
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
  source: { kind: "proxies"; concurrency: number; timeoutMs: number } | PrometheusSource;
  failOnPlaintext: boolean;
  unmeshed: boolean;
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
  const concurrency = Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    throw usageError(`invalid --concurrency "${flags.concurrency}": use 1 to 256`);
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0)
    throw usageError(`invalid --timeout "${flags.timeout}": use a duration such as 5s`);
  let source: EdgesOptions["source"] = { kind: "proxies", concurrency, timeoutMs };
  if (flags.prometheus !== undefined) {
    if (flags.prometheus !== "viz" && !/^https?:\/\/[^/]+/.test(flags.prometheus))
      throw usageError(`invalid --prometheus "${flags.prometheus}": use an http(s) URL or "viz"`);
    source =
      flags.prometheus === "viz"
        ? { kind: "viz", namespace: flags.vizNamespace }
        : { kind: "url", url: flags.prometheus };
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
    // --since implies --seen: a window is only read for edges seen in it.
    seen:
      flags.seen || flags.since !== undefined
        ? { window: flags.prometheus === undefined ? undefined : (flags.since ?? "1h") }
        : undefined,
  };
}

/** Proxies that could not be read, in few lines: RBAC once per namespace, the same reason grouped. */
function describeUnread(unread: readonly UnreadProxy[], usingPrometheusHint: boolean): string[] {
  const lines: string[] = [];
  const forbidden = new Map<string, UnreadProxy>();
  const byReason = new Map<string, UnreadProxy[]>();
  for (const proxy of unread) {
    if (proxy.forbidden) forbidden.set(proxy.namespace, forbidden.get(proxy.namespace) ?? proxy);
    else byReason.set(proxy.reason, [...(byReason.get(proxy.reason) ?? []), proxy]);
  }
  for (const [namespace, proxy] of forbidden)
    lines.push(
      `cannot read the proxies' metrics in namespace "${namespace}": ${proxy.reason}${usingPrometheusHint ? " (or use --prometheus, which needs no access to the pods)" : ""}`,
    );
  for (const [reason, proxies] of byReason) {
    const named = proxies.map((p) => `${p.namespace}/${p.pod}`);
    lines.push(
      proxies.length > 5
        ? `cannot read ${proxies.length} proxies' metrics (${named.slice(0, 3).join(", ")}, …): ${reason}`
        : `cannot read ${named.join(", ")}'s metrics: ${reason}`,
    );
  }
  return lines.map((line) => `meshlens: ${escapeControl(line)}\n`);
}

export async function runEdges(ctx: Context, options: EdgesOptions): Promise<number> {
  const cluster = await ctx.loadCluster();
  const namespace = options.namespace === "context" ? cluster.defaultNamespace : options.namespace;
  if (namespace !== undefined) {
    await unlessAborted(requireNamespace(cluster, namespace), ctx.signal);
    if (ctx.signal.aborted) return ExitCode.Interrupted;
  }
  const status = statusLine(ctx);
  let result: EdgesResult | undefined;
  if (options.source.kind === "proxies") {
    const { edgesFromProxies } = await import("../edges/direct.js");
    result = await unlessAborted(
      edgesFromProxies(cluster, {
        type: options.type,
        namespace,
        seen: options.seen !== undefined,
        unmeshed: options.unmeshed,
        concurrency: options.source.concurrency,
        timeoutMs: options.source.timeoutMs,
        onProgress: (done, total) => status.show(`reading proxy metrics: ${done}/${total}`),
      }),
      ctx.signal,
    );
  } else {
    const { edgesFromPrometheus } = await import("../edges/prometheus.js");
    const source = options.source;
    result = await unlessAborted(
      edgesFromPrometheus(cluster, source, {
        type: options.type,
        namespace,
        window: options.seen?.window,
      }).catch((error: unknown) => {
        // A Prometheus that cannot be queried is data meshlens could not read: exit 3, one line.
        if (error instanceof KubeApiError) throw error;
        throw new CliError(firstLine(error), ExitCode.CouldNotRun);
      }),
      ctx.signal,
    );
  }
  status.stop();
  if (result === undefined) return ExitCode.Interrupted;
  const { edges, unread } = result;
  // Loaded here, not with the command: cli-table3 is not needed for `--help` (issue 12).
  const { renderEdgesJson, renderEdgesTable } = await import("../render/edges.js");
  if (options.output === "json") ctx.out.write(renderEdgesJson(edges));
  else if (edges.length === 0) ctx.err.write("No edges found.\n");
  else ctx.out.write(renderEdgesTable(edges, options.output === "wide", ctx.theme));
  for (const line of describeUnread(unread, options.source.kind === "proxies")) ctx.err.write(line);
  if (result.elsewhereUnread !== undefined)
    ctx.err.write(`meshlens: ${escapeControl(result.elsewhereUnread)}\n`);
  if (unread.length > 0) {
    ctx.err.write(
      `meshlens: the edges are incomplete: ${unread.length} ${unread.length === 1 ? "proxy" : "proxies"} could not be read\n`,
    );
    return ExitCode.CouldNotRun;
  }
  if (result.elsewhereUnread !== undefined) {
    ctx.err.write(
      "meshlens: the edges are incomplete: callers in other namespaces were not read\n",
    );
    return ExitCode.CouldNotRun;
  }
  if (options.failOnPlaintext && edges.some((edge) => !edge.security.mtls))
    return ExitCode.ChecksFailed;
  return ExitCode.Ok;
}

export function edgesCommand(
  run: (action: (ctx: Context) => Promise<number>) => Promise<void>,
): Command {
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
    .action(async (args: string[], flags: EdgesFlags) => {
      const options = parseEdgesOptions(args, flags);
      await run((ctx) => runEdges(ctx, options));
    });
}
