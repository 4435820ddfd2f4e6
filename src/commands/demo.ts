// `meshlens demo`: start the simulated Linkerd cluster, write its kubeconfig, and either run
// `meshlens check` against it once (--run-check) or serve until Ctrl-C.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Command } from "commander";
import { DEFAULT_EXPIRY_THRESHOLD } from "../checks/expiry.js";
import type { Context } from "../context.js";
import { ExitCode, exitCodesHelp, usageError } from "../errors.js";
import type { FaultRule, TapFault } from "../sim/index.js";
import type { RunCommand } from "./command.js";

interface DemoFlags {
  scenario: string;
  objects?: string[];
  kubeconfigOut?: string;
  port?: string;
  fault?: string[];
  runCheck?: boolean;
  listScenarios?: boolean;
  pods?: string;
  namespaces?: string;
  proxyPorts?: boolean;
  serviceUpstream?: string[];
  tapFault?: string;
}

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw usageError(`invalid ${flag} "${value}": use a positive whole number`);
  return n;
}

/** A file the demo writes, and how to recognise one it wrote before (so it may replace it). */
interface DemoOutput {
  path: string;
  written: (text: string) => boolean;
}

/** Never overwrite a file the demo did not write itself: the user's kubeconfig, their own JSON. */
function checkOutputTarget({ path, written }: DemoOutput): void {
  if (!existsSync(path)) return;
  if (!written(readFileSync(path, "utf8"))) {
    throw usageError(
      `${path} exists and was not written by meshlens demo; refusing to overwrite it`,
      "pass --kubeconfig-out with a new path",
    );
  }
}

/** Where each simulated proxy's admin port listens, named after the kubeconfig it goes with. */
function proxiesFileOf(kubeconfigPath: string): DemoOutput {
  return {
    path: `${kubeconfigPath}.proxies.json`,
    written: (text) => {
      try {
        const entries: unknown = JSON.parse(text);
        return (
          Array.isArray(entries) &&
          entries.every((entry) => typeof entry?.address === "string" && "identity" in entry)
        );
      } catch {
        return false;
      }
    },
  };
}

async function runDemo(ctx: Context, flags: DemoFlags): Promise<number> {
  const { SCENARIO_CATALOGUE, TAP_FAULTS, parseFaultRule } = await import("../sim/index.js");
  if (flags.listScenarios) {
    const width = Math.max(...SCENARIO_CATALOGUE.map((s) => s.name.length));
    ctx.out.write(
      SCENARIO_CATALOGUE.map((s) => `${s.name.padEnd(width)}  ${s.description}\n`).join(""),
    );
    return ExitCode.Ok;
  }
  if (flags.kubeconfigOut !== undefined) checkKubeconfigOut(resolve(flags.kubeconfigOut));
  if (flags.tapFault !== undefined && !(TAP_FAULTS as readonly string[]).includes(flags.tapFault))
    throw usageError(`invalid --tap-fault "${flags.tapFault}": use ${TAP_FAULTS.join(", ")}`);
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536))
    throw usageError(`invalid --port "${flags.port}"`);
  let faults: FaultRule[];
  try {
    faults = (flags.fault ?? []).map(parseFaultRule);
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const scale = {
    pods: positiveInteger("--pods", flags.pods, 1000),
    namespaces: positiveInteger("--namespaces", flags.namespaces, 20),
  };
  const serviceUpstreams: Record<string, string> = {};
  for (const rule of flags.serviceUpstream ?? []) {
    const at = rule.indexOf("=");
    if (at <= 0)
      throw usageError(`invalid --service-upstream "${rule}": use NAMESPACE/SERVICE:PORT=URL`);
    serviceUpstreams[rule.slice(0, at)] = rule.slice(at + 1);
  }
  if (flags.kubeconfigOut !== undefined) {
    const kubeconfigPath = resolve(flags.kubeconfigOut);
    checkOutputTarget({ path: kubeconfigPath, written: (text) => text.includes("meshlens-sim") });
    checkOutputTarget(proxiesFileOf(kubeconfigPath));
    return serveDemo(ctx, flags, { kubeconfigPath, port, faults, scale, serviceUpstreams });
  }
  // The kubeconfig holds the simulator's bearer token: its directory goes when the demo does
  // (Ctrl-C and SIGTERM included; only SIGKILL can leave it).
  const directory = mkdtempSync(join(tmpdir(), "meshlens-demo-"));
  const removeDirectory = () => rmSync(directory, { recursive: true, force: true });
  ctx.signal.addEventListener("abort", removeDirectory, { once: true });
  try {
    return await serveDemo(ctx, flags, {
      kubeconfigPath: join(directory, "kubeconfig"),
      port,
      faults,
      scale,
      serviceUpstreams,
    });
  } finally {
    removeDirectory();
  }
}

/** Refuses a --kubeconfig-out that is a directory, or whose directory is not there (none is created). */
function checkKubeconfigOut(path: string): void {
  const kindOf = (target: string) => {
    try {
      return statSync(target).isDirectory() ? "directory" : "file";
    } catch {
      return "missing";
    }
  };
  if (kindOf(path) === "directory")
    throw usageError(`cannot write --kubeconfig-out ${path}: it is a directory`);
  const parent = dirname(path);
  const parentKind = kindOf(parent);
  if (parentKind !== "directory")
    throw usageError(
      `cannot write --kubeconfig-out ${path}: ${parent} ${parentKind === "missing" ? "does not exist" : "is not a directory"}`,
    );
}

interface ServeSettings {
  kubeconfigPath: string;
  port: number | undefined;
  faults: FaultRule[];
  scale: { pods: number; namespaces: number };
  serviceUpstreams: Record<string, string>;
}

async function serveDemo(ctx: Context, flags: DemoFlags, settings: ServeSettings): Promise<number> {
  const sim = await import("../sim/index.js");
  const { kubeconfigPath, port } = settings;
  const proxiesFile = proxiesFileOf(kubeconfigPath);
  let simulator: Awaited<ReturnType<typeof sim.startSimulator>>;
  try {
    simulator = await sim.startSimulator({
      scenario: flags.scenario,
      manifestFiles: flags.objects ?? [],
      kubeconfigPath,
      faults: settings.faults,
      scale: settings.scale,
      serviceUpstreams: settings.serviceUpstreams,
      ...(flags.proxyPorts === undefined ? {} : { proxyPorts: flags.proxyPorts }),
      ...(flags.tapFault === undefined ? {} : { tapFault: flags.tapFault as TapFault }),
      ...(port === undefined ? {} : { port }),
    });
  } catch (error) {
    if (error instanceof sim.SimulatorError) throw usageError(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw usageError(
        `port ${port} is taken: pass another --port, or leave it out for a free one`,
      );
    if (code === "EACCES")
      throw usageError(
        `cannot listen on port ${port}: permission denied (ports below 1024 need root)`,
      );
    throw error;
  }

  const info = (text: string) => ctx.err.write(text);
  info(`Simulated Linkerd cluster "${flags.scenario}" serving at ${simulator.url}\n`);
  info(`Kubeconfig: ${kubeconfigPath}\n`);
  // Where each simulated proxy's admin port listens on loopback (for openssl s_client, Prometheus).
  const proxies = simulator.proxies.all().filter((p) => p.port !== undefined);
  writeFileSync(
    proxiesFile.path,
    `${JSON.stringify(
      proxies.map((p) => ({
        namespace: p.namespace,
        pod: p.pod,
        identity: p.identity ?? null,
        address: `127.0.0.1:${p.port}`,
      })),
      null,
      2,
    )}\n`,
  );
  info(
    `Proxy admin ports (${proxies.length} of ${simulator.proxies.all().length} proxies): ${proxiesFile.path}\n`,
  );
  if (!flags.runCheck && proxies.length <= 20) {
    for (const p of proxies)
      info(
        `  ${`${p.namespace}/${p.pod}`.padEnd(56)} 127.0.0.1:${p.port}  ${p.identity ?? "(identity disabled)"}\n`,
      );
  }
  if (flags.runCheck) {
    info(`\n$ meshlens --kubeconfig ${kubeconfigPath} check\n\n`);
    const { runCheckCommand } = await import("./check.js");
    const checkContext = ctx.withGlobal({ kubeconfig: kubeconfigPath });
    try {
      return await runCheckCommand(checkContext, {
        output: "table",
        waitMs: 0,
        failOn: "error",
        expiryThreshold: DEFAULT_EXPIRY_THRESHOLD,
        offline: undefined,
        proxy: undefined,
      });
    } finally {
      await simulator.close();
    }
  }
  // The line a script sources, alone on stdout: `meshlens demo > demo.env &`, then `. demo.env`
  // once the file has it.
  ctx.out.write(`export KUBECONFIG=${shellQuoted(kubeconfigPath)}\n`);
  info(
    [
      "",
      "Point meshlens and kubectl at it with the export line (on standard output), then:",
      "  meshlens check --proxy",
      "  meshlens edges deploy -n emojivoto      # who talks to whom, and is it mTLS",
      "  kubectl get pods -A",
      "",
      flags.kubeconfigOut === undefined
        ? "Press Ctrl-C to stop (the kubeconfig's directory is removed then)."
        : "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolveWait) => {
    if (ctx.signal.aborted) resolveWait();
    ctx.signal.addEventListener("abort", () => resolveWait(), { once: true });
  });
  await simulator.close();
  info("Simulated cluster stopped.\n");
  return ExitCode.Ok;
}

/** A word for a POSIX shell: as it is when it is safe, else in single quotes. */
function shellQuoted(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function demoCommand(run: RunCommand): Command {
  return new Command("demo")
    .description(
      "Start a simulated Linkerd-meshed cluster (a real HTTPS Kubernetes API on 127.0.0.1) to try meshlens on",
    )
    .option("--scenario <name>", "built-in scenario (see --list-scenarios)", "healthy")
    .option(
      "--objects <file>",
      "Kubernetes YAML whose objects replace the scenario's (repeatable)",
      collect,
    )
    .option(
      "--kubeconfig-out <path>",
      "where to write the simulator's kubeconfig (default: a temporary directory)",
    )
    .option("--port <port>", "port to serve on (default: a free port)")
    .option(
      "--fault <rule>",
      "inject an API server fault: PATH=SPEC[,after=N][,times=N], SPEC one of 401, 403, 404, 500, 429 or 503 (,retry-after=S), slow:MS, drop, expire-continue, restart:MS, expire-token (repeatable)",
      collect,
    )
    .option("--run-check", "run `meshlens check` against the simulator once, print it, then stop")
    .option("--list-scenarios", "list the built-in scenarios and exit")
    .option("--pods <n>", "scale scenario: number of meshed pods (default 1000)")
    .option("--namespaces <n>", "scale scenario: number of namespaces (default 20)")
    .option(
      "--proxy-ports",
      "give every proxy a loopback port (default: when there are at most 200)",
    )
    .option("--no-proxy-ports", "give no proxy a loopback port")
    .option(
      "--tap-fault <fault>",
      "make linkerd-viz's tap server fail: forbidden, error-midstream, cut-midframe, slow, end-first or reset-first",
    )
    .option(
      "--service-upstream <rule>",
      "serve a service proxy from a real server: NAMESPACE/SERVICE:PORT=URL (repeatable)",
      collect,
    )
    .addHelpText(
      "after",
      `\n${exitCodesHelp("with --run-check: the check passed", "with --run-check: a check failed")}\nServing until Ctrl-C ends with 130 (SIGTERM: 143).\n`,
    )
    .action((flags: DemoFlags) => run(flags, runDemo));
}
