// Builds the commander program. The only place that exits the process.
import { Command, CommanderError } from "commander";
import packageJson from "../package.json" with { type: "json" };
import { checkCommand } from "./commands/check.js";
import { demoCommand } from "./commands/demo.js";
import { identityCommand } from "./commands/identity.js";
import { type Context, createContext, type GlobalOptions } from "./context.js";
import { CliError, ExitCode, firstLine } from "./errors.js";
import { KubeApiError } from "./k8s/types.js";

interface RawGlobalFlags {
  kubeconfig?: string;
  context?: string;
  linkerdNamespace: string;
  color: boolean;
}

async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  // Ctrl-C: commands that serve (demo) stop on the signal and return; anything else gets a moment
  // to finish, then ends with the shell's usual 130 instead of hanging on.
  const interrupt = () => {
    controller.abort();
    setTimeout(() => process.exit(130), 1500).unref();
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  let exitCode: number = ExitCode.Ok;

  const program = new Command("meshlens")
    .description("See whether a Linkerd service mesh's mTLS identity is healthy")
    .version(packageJson.version, "--version", "print the meshlens version")
    .option(
      "--kubeconfig <path>",
      "path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)",
    )
    .option("--context <name>", "kubeconfig context to use")
    .option(
      "-L, --linkerd-namespace <namespace>",
      "namespace of the Linkerd control plane",
      "linkerd",
    )
    .option("--no-color", "turn colour off (also NO_COLOR=1)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      outputError: (text, write) => write(`meshlens: ${text.replace(/^error: /, "")}`),
    });

  const run = async (action: (ctx: Context) => Promise<number>) => {
    const flags = program.opts<RawGlobalFlags>();
    const global: GlobalOptions = {
      linkerdNamespace: flags.linkerdNamespace,
      color: flags.color,
      ...(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig }),
      ...(flags.context === undefined ? {} : { context: flags.context }),
    };
    const ctx = createContext({
      global,
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      signal: controller.signal,
    });
    exitCode = await action(ctx);
  };
  program.addCommand(checkCommand(run));
  program.addCommand(identityCommand(run));
  program.addCommand(demoCommand(run));

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; every other commander error is a usage error.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`meshlens: ${error.message}\n`);
      if (error.hint) process.stderr.write(`  ${error.hint}\n`);
      return error.exitCode;
    }
    if (error instanceof KubeApiError) {
      // The cluster said no or could not be reached: already a message that says what to do.
      process.stderr.write(`meshlens: ${firstLine(error)}\n`);
      return ExitCode.CouldNotRun;
    }
    process.stderr.write(`meshlens: unexpected error: ${firstLine(error)}\n`);
    if (process.env.DEBUG) process.stderr.write(`${error instanceof Error ? error.stack : ""}\n`);
    else process.stderr.write("  re-run with DEBUG=1 for details, and please report it\n");
    return ExitCode.CouldNotRun;
  }
}

// `meshlens check | head` closes stdout early: end quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(ExitCode.Ok);
  throw error;
});

const code = await main(process.argv);
// Let buffered output reach a pipe before exiting (large JSON would otherwise be cut short).
process.stdout.write("", () => process.exit(code));
