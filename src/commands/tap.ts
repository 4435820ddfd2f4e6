// `meshlens tap RESOURCE [NAME]`: live requests with `tls=`, printed as Linkerd prints them, through
// linkerd-viz's tap API; bounded (--max-events, --duration) and filtered (--plaintext) for scripts.
import { Command } from "commander";
import { unlessAborted } from "../abort.js";
import type { Context } from "../context.js";
import { CliError, ExitCode, exitCodesHelp, forbiddenNeeds, usageError } from "../errors.js";
import type { ExplainFacts, Explanation } from "../explain/types.js";
import { permissionNeeded } from "../k8s/api-errors.js";
import { requireNamespace } from "../k8s/namespaces.js";
import { type Cluster, KubeApiError } from "../k8s/types.js";
import { workloadTypeOf } from "../k8s/workload-types.js";
import { escapeControl } from "../render/escape.js";
import { JsonPathError } from "../render/jsonpath-error.js";
import { tlsOf } from "../render/tap.js";
import { type TapFormat, tapRenderer } from "../render/tap-formats.js";
import { renderTapSummary } from "../render/tap-summary.js";
import type { TapEvent, TapQuery, TapResourceType } from "../tap/types.js";
import type { RunCommand } from "./command.js";
import { parseDuration } from "./durations.js";
import { checkSelectorFlag } from "./flags.js";

export interface TapFlags {
  namespace?: string;
  to?: string;
  toNamespace?: string;
  maxRps: string;
  scheme?: string;
  method?: string;
  authority?: string;
  path?: string;
  selector?: string;
  output?: string;
  maxEvents?: string;
  duration?: string;
  plaintext?: boolean;
  failOn?: string;
  reconnect?: boolean;
  explain?: boolean;
}

export interface TapOptions {
  query: TapQuery;
  /** true: the kubeconfig context's namespace fills in the target's. */
  contextNamespace: boolean;
  format: TapFormat;
  maxEvents: number | undefined;
  durationMs: number | undefined;
  plaintextOnly: boolean;
  failOnPlaintext: boolean;
  /** false with --no-reconnect: a stream that ends ends the tap. */
  reconnect: boolean;
  /** The end summary explains each tls value other than true, from the cluster. */
  explain: boolean;
}

/**
 * `TYPE/NAME` (or `TYPE NAME`, joined) as Linkerd's parseResource reads it (viz/pkg/util): more
 * than one slash is refused, not cut off.
 */
function resourceOf(text: string, allowService: boolean): { type: string; name: string } {
  const parts = text.split("/");
  if (parts.length > 2) throw usageError(`Invalid resource string: ${text}`);
  const [typeText = "", name = ""] = parts;
  const type =
    workloadTypeOf(typeText) ??
    (allowService && ["svc", "service", "services"].includes(typeText.toLowerCase())
      ? "service"
      : undefined);
  if (type === undefined) throw usageError(`unsupported resource type [${typeText}]`);
  return { type, name };
}

function formatOf(output: string): TapFormat {
  if (output === "") return { kind: "text" };
  if (output === "wide" || output === "json" || output === "jsonl") return { kind: output };
  if (output.startsWith("jsonpath="))
    return { kind: "jsonpath", template: output.slice("jsonpath=".length) };
  throw usageError(`output format "${output}" not recognized`);
}

export function parseTapOptions(args: string[], flags: TapFlags): TapOptions {
  if (args.length < 1 || args.length > 2)
    throw usageError(`accepts between 1 and 2 arg(s), received ${args.length}`);
  const target = resourceOf(args.join("/"), false);
  if (target.name === "") throw usageError("the resource needs a name: TYPE/NAME or TYPE NAME");
  const maxRps = flags.maxRps.trim() === "" ? Number.NaN : Number(flags.maxRps);
  if (!Number.isFinite(maxRps) || maxRps < 0)
    throw usageError(`invalid --max-rps "${flags.maxRps}": use a number of requests per second`);
  const to = flags.to === undefined ? undefined : resourceOf(flags.to, true);
  if (to !== undefined && to.name === "") throw usageError("--to needs TYPE/NAME");
  const maxEvents = flags.maxEvents === undefined ? undefined : Number(flags.maxEvents);
  if (maxEvents !== undefined && !(Number.isInteger(maxEvents) && maxEvents > 0))
    throw usageError(`invalid --max-events "${flags.maxEvents}": use a positive whole number`);
  const durationMs = flags.duration === undefined ? undefined : parseDuration(flags.duration);
  if (flags.duration !== undefined && !(durationMs !== undefined && durationMs > 0))
    throw usageError(`invalid --duration "${flags.duration}": use a duration such as 30s`);
  if (flags.failOn !== undefined && flags.failOn !== "plaintext")
    throw usageError(`invalid --fail-on "${flags.failOn}": use plaintext`);
  checkSelectorFlag(flags.selector);
  const format = formatOf(flags.output ?? "");
  const namespace = target.type === "namespace" ? "" : (flags.namespace ?? "");
  return {
    query: {
      target: { type: target.type as TapResourceType, name: target.name, namespace },
      labelSelector: flags.selector ?? "",
      to: to === undefined ? undefined : { ...to, namespace: flags.toNamespace ?? "" },
      maxRps,
      scheme: flags.scheme ?? "",
      method: flags.method ?? "",
      authority: flags.authority ?? "",
      path: flags.path ?? "",
      // Linkerd asks for headers only with -o json (not jsonpath).
      extractHeaders: format.kind === "json" || format.kind === "jsonl",
    },
    contextNamespace: target.type !== "namespace" && flags.namespace === undefined,
    format,
    maxEvents,
    durationMs,
    plaintextOnly: flags.plaintext === true,
    failOnPlaintext: flags.failOn === "plaintext",
    reconnect: flags.reconnect !== false,
    explain: flags.explain === true,
  };
}

function loadFacts(cluster: Cluster): Promise<ExplainFacts> {
  return import("../explain/facts.js").then(({ collectExplainFacts }) =>
    collectExplainFacts(cluster),
  );
}

/** One stderr line, the first time a tls value other than true shows on a terminal. */
async function noteFirstSeen(
  ctx: Context,
  tls: string,
  event: TapEvent,
  facts: () => Promise<ExplainFacts>,
): Promise<void> {
  try {
    const { explainTlsValues } = await import("../explain/tap.js");
    const why = explainTlsValues(new Map([[tls, event]]), await facts()).get(tls);
    if (why !== undefined)
      ctx.err.write(
        `meshlens: tls=${escapeControl(tls)} first seen: ${why.cause}: ${escapeControl(why.evidence)}\n`,
      );
  } catch {
    // The end summary says what could not be read.
  }
}

/** Each tls value seen other than true, explained; forbidden to list, said and left out. */
async function explainSeen(
  ctx: Context,
  firstSeen: ReadonlyMap<string, TapEvent>,
  facts: () => Promise<ExplainFacts>,
): Promise<Map<string, Explanation>> {
  if ([...firstSeen.keys()].every((tls) => tls === "true")) return new Map();
  const { explainTlsValues } = await import("../explain/tap.js");
  try {
    return explainTlsValues(firstSeen, await facts());
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.failure !== "forbidden") throw error;
    ctx.err.write(
      `meshlens: skipped: ${forbiddenNeeds(permissionNeeded(error.target))}: the tls values are not explained\n`,
    );
    return new Map();
  }
}

export async function runTap(ctx: Context, options: TapOptions): Promise<number> {
  let render: (event: TapEvent) => string;
  try {
    render = await tapRenderer(options.format);
  } catch (error) {
    // A template kubectl would refuse: said before anything reaches the cluster.
    if (!(error instanceof JsonPathError)) throw error;
    throw usageError(
      `invalid jsonpath ${JSON.stringify((options.format as { template: string }).template)}: ${error.message}`,
    );
  }
  const [{ watchTapReconnecting, TapError }, cluster] = await Promise.all([
    import("../tap/reconnect.js"),
    ctx.loadCluster(),
  ]);
  const query: TapQuery = options.contextNamespace
    ? { ...options.query, target: { ...options.query.target, namespace: cluster.defaultNamespace } }
    : options.query;
  // One stop for the stream, whatever ends it first: Ctrl-C, --duration, or --max-events.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  ctx.signal.addEventListener("abort", onSignal, { once: true });
  const timer =
    options.durationMs === undefined
      ? undefined
      : setTimeout(() => stop.abort(), options.durationMs);
  let events = 0;
  const requestsByTls = new Map<string, number>();
  const firstSeen = new Map<string, TapEvent>();
  let facts: Promise<ExplainFacts> | undefined;
  // Lines are written in batches, per piece of the stream (or every 64 KB): one write per event
  // was one system call per event, which held the rate far under the goal (docs/performance.md).
  let pending = "";
  const flush = () => {
    if (pending !== "") ctx.out.write(pending);
    pending = "";
  };
  const bounded = options.maxEvents !== undefined || options.durationMs !== undefined;
  try {
    const target = query.target;
    const namespace = target.type === "namespace" ? target.name : target.namespace;
    const unchecked = await unlessAborted(requireNamespace(cluster, namespace), stop.signal);
    if (unchecked !== undefined) ctx.err.write(`meshlens: ${escapeControl(unchecked)}\n`);
    await watchTapReconnecting(
      cluster,
      query,
      {
        onEvent: (event) => {
          const tls = tlsOf(event);
          if (event.http?.kind === "request")
            requestsByTls.set(tls, (requestsByTls.get(tls) ?? 0) + 1);
          // A copy: the decoder reuses its event objects (docs/performance.md, tap).
          if (options.explain && !firstSeen.has(tls)) {
            const copy = {
              ...event,
              source: { ...event.source, labels: { ...event.source.labels } },
              destination: { ...event.destination, labels: { ...event.destination.labels } },
            };
            firstSeen.set(tls, copy);
            // On a terminal, a value other than true is explained the moment it first shows.
            if (ctx.err.isTTY && tls !== "true")
              void noteFirstSeen(ctx, tls, copy, () => (facts ??= loadFacts(cluster)));
          }
          if (!options.plaintextOnly || tls !== "true") {
            events += 1;
            pending += render(event);
            if (pending.length > 65_536) flush();
          }
          // A reader that went away (`| head`) ends the tap quietly.
          if (ctx.out.closed) return false;
          return options.maxEvents === undefined || events < options.maxEvents;
        },
        onPause: flush,
      },
      stop.signal,
      // The fast text decoder reads only the tls labels; --explain needs the pods.
      options.format.kind === "text" && !options.explain,
      {
        reconnect: options.reconnect,
        onGap: (text) => {
          flush();
          ctx.err.write(`meshlens: ${text}\n`);
        },
      },
    );
  } catch (error) {
    if (error instanceof TapError) throw new CliError(error.message, ExitCode.CouldNotRun);
    throw error;
  } finally {
    flush();
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onSignal);
  }
  // The summary comes on Ctrl-C too: what was seen (a plaintext request) is the finding.
  if (bounded || options.failOnPlaintext || options.explain) {
    const explanations = options.explain
      ? await explainSeen(ctx, firstSeen, () => (facts ??= loadFacts(cluster)))
      : undefined;
    ctx.err.write(renderTapSummary(events, requestsByTls, explanations));
  }
  if (ctx.signal.aborted) return ExitCode.Interrupted;
  const plaintext = [...requestsByTls.keys()].some((tls) => tls !== "true");
  return options.failOnPlaintext && plaintext ? ExitCode.ChecksFailed : ExitCode.Ok;
}

export function tapCommand(run: RunCommand): Command {
  return new Command("tap")
    .description(
      "Watch live requests to and from a resource's pods, with tls= on each (through linkerd-viz's tap API)",
    )
    .argument("[resource...]", "TYPE/NAME or TYPE NAME (deploy/web, po web-1, ns emojivoto)")
    .option("-n, --namespace <namespace>", "namespace of the resource (default: the kubeconfig's)")
    .option("--to <resource>", "only requests to this resource (TYPE/NAME; svc/NAME too)")
    .option("--to-namespace <namespace>", "namespace of --to (default: any)")
    .option("--max-rps <rps>", "requests per second to tap, split over the pods", "100")
    .option("--scheme <scheme>", "only requests with this scheme")
    .option("--method <method>", "only requests with this method")
    .option("--authority <authority>", "only requests to this authority")
    .option("--path <prefix>", "only requests whose path starts with this")
    .option("-l, --selector <selector>", "only pods with these labels")
    .option(
      "-o, --output <format>",
      "wide, json, jsonl (one object per line) or jsonpath=TEMPLATE (default: text)",
    )
    .option("--max-events <n>", "stop after printing this many events")
    .option("--duration <duration>", "stop after this long (e.g. 30s)")
    .option("--plaintext", "print only events whose tls is not true")
    .option("--fail-on <what>", "plaintext: exit 1 when any request seen was not mTLS")
    .option(
      "--explain",
      "at the end, say why each tls value other than true was seen, found in the cluster (docs/edges.md)",
    )
    .option(
      "--no-reconnect",
      "end when the stream ends (by default a stream the server ends or a reset breaks is reopened)",
    )
    .addHelpText(
      "after",
      `\n${exitCodesHelp("the tap ended (Ctrl-C: 130); with --fail-on plaintext, every request was mTLS", "with --fail-on plaintext: a request was not mTLS")}\n`,
    )
    .action((args: string[], flags: TapFlags) => run(parseTapOptions(args, flags), runTap));
}
