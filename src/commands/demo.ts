// `meshlens demo`: start the simulated Linkerd cluster, write its kubeconfig, and either run
// `meshlens check` against it once (--run-check) or serve until Ctrl-C.
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { DEFAULT_EXPIRY_THRESHOLD } from "../checks/expiry.js";
import type { Context } from "../context.js";
import { ExitCode, usageError } from "../errors.js";

interface DemoFlags {
  scenario: string;
  objects?: string[];
  kubeconfigOut?: string;
  port?: string;
  fault?: string[];
  runCheck?: boolean;
  listScenarios?: boolean;
}

/** Never overwrite a kubeconfig the simulator did not write itself. */
function checkKubeconfigTarget(path: string): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, "utf8");
  if (!text.includes("meshlens-sim")) {
    throw usageError(
      `${path} exists and is not a meshlens demo kubeconfig; refusing to overwrite it`,
      "pass --kubeconfig-out with a new path",
    );
  }
}

async function runDemo(ctx: Context, flags: DemoFlags): Promise<number> {
  const sim = await import("../sim/simulator.js");
  const { SCENARIOS } = await import("../sim/scenarios.js");
  if (flags.listScenarios) {
    const width = Math.max(...SCENARIOS.map((s) => s.name.length));
    ctx.out.write(SCENARIOS.map((s) => `${s.name.padEnd(width)}  ${s.description}\n`).join(""));
    return ExitCode.Ok;
  }
  const { parseFaultRule } = await import("../sim/faults.js");
  const kubeconfigPath = resolve(
    flags.kubeconfigOut ?? join(tmpdir(), `meshlens-demo-${process.pid}`, "kubeconfig"),
  );
  checkKubeconfigTarget(kubeconfigPath);
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536))
    throw usageError(`invalid --port "${flags.port}"`);
  let faults: ReturnType<typeof parseFaultRule>[];
  try {
    faults = (flags.fault ?? []).map(parseFaultRule);
  } catch (error) {
    throw usageError((error as Error).message);
  }

  let simulator: Awaited<ReturnType<typeof sim.startSimulator>>;
  try {
    simulator = await sim.startSimulator({
      scenario: flags.scenario,
      manifestFiles: flags.objects ?? [],
      kubeconfigPath,
      faults,
      ...(port === undefined ? {} : { port }),
    });
  } catch (error) {
    if (error instanceof sim.SimulatorError) throw usageError(error.message);
    throw error;
  }

  const info = (text: string) => ctx.err.write(text);
  info(`Simulated Linkerd cluster "${flags.scenario}" serving at ${simulator.url}\n`);
  info(`Kubeconfig: ${kubeconfigPath}\n`);
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
      });
    } finally {
      await simulator.close();
    }
  }
  info(
    [
      "",
      "Point meshlens and kubectl at it:",
      `  export KUBECONFIG=${kubeconfigPath}`,
      "  meshlens check",
      "  kubectl get pods -A",
      "",
      "Press Ctrl-C to stop.",
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

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function demoCommand(
  run: (action: (ctx: Context) => Promise<number>) => Promise<void>,
): Command {
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
      "inject a fault: PATH=403|404|500|401, PATH=slow:MS or PATH=drop (repeatable)",
      collect,
    )
    .option("--run-check", "run `meshlens check` against the simulator once, print it, then stop")
    .option("--list-scenarios", "list the built-in scenarios and exit")
    .action(async (flags: DemoFlags) => {
      await run((ctx) => runDemo(ctx, flags));
    });
}
