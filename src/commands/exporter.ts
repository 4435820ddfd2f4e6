// `meshlens exporter`: the expiry timeline and the checks of `check --proxy` as Prometheus
// metrics, refreshed in the background on an interval and on SIGHUP; a scrape is answered from the
// last complete refresh and never waits for the cluster (docs/exporter.md).
import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { parseExpiryThreshold } from "../checks/expiry.js";
import type { DataPlaneOptions, ExpiryThreshold } from "../checks/types.js";
import type { Context } from "../context.js";
import { CliError, ExitCode, forbiddenNeeds, usageError } from "../errors.js";
import { escapeControl } from "../render/escape.js";
import { firstLine } from "../shared/first-line.js";
import { rfc3339 } from "../shared/time.js";
import type { RunCommand } from "./command.js";
import { parseDuration } from "./durations.js";
import { checkSelectorFlag, leafReading } from "./flags.js";

export interface ExporterFlags {
  listen: string;
  interval: string;
  tlsCert?: string;
  tlsKey?: string;
  verifyLeaves: boolean;
  prometheus?: string;
  vizNamespace: string;
  namespace?: string;
  selector?: string;
  proxyConcurrency: string;
  proxyTimeout: string;
  once?: boolean;
}

export interface ExporterOptions {
  host: string;
  port: number;
  intervalMs: number;
  tls: { cert: string; key: string } | undefined;
  dataPlane: Omit<DataPlaneOptions, "onProgress">;
  vizNamespace: string;
  /** One refresh, its metrics on stdout, no server. */
  once: boolean;
}

const threshold = (text: string) => parseExpiryThreshold(text) as ExpiryThreshold;

function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port < 0 || port > 65535)
    throw usageError(
      `invalid --listen "${text}": use HOST:PORT, such as 0.0.0.0:9771 or 127.0.0.1:9771`,
    );
  return { host: match[1] ?? match[2] ?? "", port };
}

export function parseExporterOptions(flags: ExporterFlags): ExporterOptions {
  const intervalMs = parseDuration(flags.interval);
  if (intervalMs === undefined || intervalMs < 1000)
    throw usageError(
      `invalid --interval "${flags.interval}": use a duration of at least 1s, such as 5m`,
    );
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
    throw usageError("--tls-cert and --tls-key go together");
  checkSelectorFlag(flags.selector);
  const leaves = leafReading(flags);
  return {
    ...parseListen(flags.listen),
    intervalMs,
    tls:
      flags.tlsCert === undefined || flags.tlsKey === undefined
        ? undefined
        : { cert: flags.tlsCert, key: flags.tlsKey },
    dataPlane: {
      namespace: flags.namespace,
      selector: flags.selector,
      leaves: leaves ?? { kind: "off" },
      leafThreshold: threshold("20%"),
    },
    vizNamespace: flags.vizNamespace,
    once: flags.once === true,
  };
}

async function readTls(tls: ExporterOptions["tls"]): Promise<ExporterOptions["tls"]> {
  if (tls === undefined) return undefined;
  const read = (flag: string, path: string) =>
    readFile(path, "utf8").catch((error: unknown) => {
      throw usageError(`cannot read ${flag} ${path}: ${firstLine(error)}`);
    });
  return { cert: await read("--tls-cert", tls.cert), key: await read("--tls-key", tls.key) };
}

export async function runExporter(ctx: Context, options: ExporterOptions): Promise<number> {
  const tls = await readTls(options.tls);
  const [cluster, certs, refresher, { createExporterMetrics }, { startScrapeServer }] =
    await Promise.all([
      ctx.loadCluster(),
      ctx.loadCertTools(),
      import("../exporter/refresh.js"),
      import("../exporter/metrics.js"),
      import("../exporter/server.js"),
    ]);
  const metrics = createExporterMetrics({ version: ctx.version, nodeVersion: process.version });
  const refreshOptions = {
    controlPlaneNamespace: ctx.global.linkerdNamespace,
    vizNamespace: options.vizNamespace,
    dataPlane: options.dataPlane,
    expiryThreshold: threshold("60d"),
    thresholds: {
      anchor: threshold("60d"),
      issuer: threshold("60d"),
      webhook: threshold("60d"),
      leaves: threshold("20%"),
    },
    now: ctx.clock,
  };
  // What RBAC kept a refresh from, said when it changes (the first refresh always, if any).
  let said = "";
  const sayWhatWasSkipped = (skipped: string[]) => {
    const text = skipped
      .map((permission) => `meshlens: skipped: ${escapeControl(forbiddenNeeds(permission))}\n`)
      .join("");
    if (text !== said) ctx.err.write(text);
    said = text;
  };
  // The first refresh decides whether the exporter starts: an unreachable cluster is exit 3.
  try {
    const snapshot = await refresher.refreshSnapshot(cluster, certs, refreshOptions);
    metrics.publish(snapshot);
    sayWhatWasSkipped(snapshot.skipped);
  } catch (error) {
    if (ctx.signal.aborted) return ExitCode.Interrupted;
    throw error instanceof CliError ? error : new CliError(firstLine(error), ExitCode.CouldNotRun);
  }
  if (options.once) {
    ctx.out.write((await metrics.expositions()).text.body);
    return ExitCode.Ok;
  }
  let server: Awaited<ReturnType<typeof startScrapeServer>>;
  try {
    server = await startScrapeServer({ host: options.host, port: options.port, tls });
  } catch (error) {
    throw new CliError(
      `cannot listen on ${options.host}:${options.port}: ${firstLine(error)}`,
      ExitCode.CouldNotRun,
    );
  }
  // Rendered once per change and posted to the scrape thread; ready since the first refresh.
  const post = async () => {
    const { text, openMetrics } = await metrics.expositions();
    server.publish(text, openMetrics, true);
  };
  await post();
  ctx.err.write(
    `meshlens: serving ${tls ? "https" : "http"}://${server.address}/metrics, refreshing every ${options.intervalMs / 1000}s and on SIGHUP\n`,
  );
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const refresh = (): Promise<void> => {
    running ??= refresher
      .refreshSnapshot(cluster, certs, refreshOptions)
      .then(
        (snapshot) => {
          metrics.publish(snapshot);
          sayWhatWasSkipped(snapshot.skipped);
        },
        (error: unknown) => {
          metrics.failed(refresher.failureOf(error));
          ctx.err.write(
            `meshlens: ${rfc3339(ctx.clock())} refresh failed, keeping the last values: ${escapeControl(firstLine(error))}\n`,
          );
        },
      )
      .then(post)
      .finally(() => {
        running = undefined;
        schedule();
      });
    return running;
  };
  const schedule = () => {
    clearTimeout(timer);
    if (!ctx.signal.aborted) timer = setTimeout(refresh, options.intervalMs);
  };
  schedule();
  const stopReloads = ctx.onReload(() => {
    clearTimeout(timer);
    void refresh();
  });
  await new Promise<void>((resolve) =>
    ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
  );
  stopReloads();
  clearTimeout(timer);
  await server.close();
  return ExitCode.Interrupted;
}

export function exporterCommand(run: RunCommand): Command {
  return new Command("exporter")
    .description(
      "Serve the expiry timeline and the checks of `check --proxy` as Prometheus metrics, refreshed in the background",
    )
    .option(
      "--listen <host:port>",
      "where to serve /metrics, /healthz and /readyz: this is network exposure of what the credentials can read",
      "0.0.0.0:9771",
    )
    .option("--interval <duration>", "time between refreshes (and on SIGHUP)", "5m")
    .option("--tls-cert <file>", "serve HTTPS with this certificate (PEM), with --tls-key")
    .option("--tls-key <file>", "the private key of --tls-cert (PEM)")
    .option("--no-verify-leaves", "do not read the proxies' leaves")
    .option(
      "--prometheus <url>",
      "read the leaves' expiry from Prometheus (an http(s) URL, or \"viz\" for linkerd-viz's), not the proxies",
    )
    .option("--viz-namespace <namespace>", "namespace of linkerd-viz", "linkerd-viz")
    .option("-n, --namespace <namespace>", "only the proxies of this namespace")
    .option("-l, --selector <selector>", "only the proxies with these labels")
    .option("--proxy-concurrency <n>", "proxies read at once", "32")
    .option("--proxy-timeout <duration>", "how long to wait for one proxy", "5s")
    .option("--once", "one refresh, its metrics (Prometheus text) on stdout, then exit: no server")
    .addHelpText(
      "after",
      [
        "",
        "It serves until stopped; SIGHUP refreshes now. Exit codes (--once: 0 after its refresh):",
        "  2    usage error: unknown flag, bad value, unreadable --tls-cert/--tls-key",
        "  3    the first refresh failed (cluster unreachable, access forbidden), or --listen cannot be bound",
        "  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)",
        "",
      ].join("\n"),
    )
    .action((flags: ExporterFlags) => run(parseExporterOptions(flags), runExporter));
}
