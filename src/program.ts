// The program: its commands, global flags, and how each kind of failure becomes one line and an
// exit code. cli.ts runs it and exits with that code.
import { basename } from "node:path";
import { Command, CommanderError } from "commander";
import { authCommand } from "./commands/auth.js";
import { checkCommand } from "./commands/check.js";
import type { RunCommand } from "./commands/command.js";
import { completionCommand } from "./commands/completion.js";
import { demoCommand } from "./commands/demo.js";
import { parseDuration } from "./commands/durations.js";
import { edgesCommand } from "./commands/edges.js";
import { expiryCommand } from "./commands/expiry.js";
import { exporterCommand } from "./commands/exporter.js";
import { identityCommand } from "./commands/identity.js";
import { rotationCommand } from "./commands/rotation.js";
import { tapCommand } from "./commands/tap.js";
import { createContext, type GlobalOptions, REQUEST_TIMEOUT_MS } from "./context.js";
import { CliError, ExitCode, exitCodesHelp, usageError } from "./errors.js";
import { KubeApiError } from "./k8s/types.js";
import type { Output } from "./output.js";
import { firstLine } from "./shared/first-line.js";

export interface RawGlobalFlags {
  kubeconfig?: string;
  context?: string;
  linkerdNamespace: string;
  requestTimeout: string;
  color: boolean;
  as?: string;
  asGroup?: string[];
  asUid?: string;
  verbose?: boolean;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  /** The process environment (cli.ts is the one place that reads it). */
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted when the user asks the run to stop (Ctrl-C, SIGTERM, SIGHUP). */
  signal: AbortSignal;
  /** meshlens' version (cli.ts reads it, so that package.json is bundled in one place). */
  version: string;
  /** SIGHUP as reload, for a command that asks (Context.onReload). */
  onReload?: (listener: () => void) => () => void;
}

export function globalOptionsOf(flags: RawGlobalFlags): GlobalOptions {
  const requestTimeoutMs = parseDuration(flags.requestTimeout);
  if (requestTimeoutMs === undefined || requestTimeoutMs <= 0)
    throw usageError(
      `invalid --request-timeout "${flags.requestTimeout}": use a duration such as 30s`,
    );
  const groups = flags.asGroup ?? [];
  if (flags.as === undefined && (groups.length > 0 || flags.asUid !== undefined))
    throw usageError("--as-group and --as-uid need --as: the user to impersonate");
  if (flags.as === "") throw usageError("--as needs a user name");
  return {
    linkerdNamespace: flags.linkerdNamespace,
    color: flags.color,
    requestTimeoutMs,
    ...(flags.as === undefined
      ? {}
      : { impersonate: { user: flags.as, groups, uid: flags.asUid } }),
    ...(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig }),
    ...(flags.context === undefined ? {} : { context: flags.context }),
    ...(flags.verbose === true ? { verbose: true } : {}),
  };
}

/** `kubectl meshlens` when kubectl runs it as a plugin (bin/kubectl-meshlens.js), else `meshlens`. */
function programName(scriptPath: string | undefined): string {
  return basename(scriptPath ?? "").startsWith("kubectl-") ? "kubectl meshlens" : "meshlens";
}

export function buildProgram(
  run: RunCommand,
  io: Pick<Io, "stdout" | "stderr" | "version">,
  scriptPath: string | undefined,
): Command {
  const program = new Command(programName(scriptPath))
    .description("See whether a Linkerd service mesh's mTLS identity is healthy")
    .version(io.version, "--version", "print the meshlens version")
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
    .option(
      "--request-timeout <duration>",
      "how long one Kubernetes API request (or credential plugin) may take",
      `${REQUEST_TIMEOUT_MS / 1000}s`,
    )
    .option("--as <user>", "act as this user (impersonation; the API server checks its RBAC)")
    .option(
      "--as-group <group>",
      "act as a member of this group, with --as (repeatable)",
      (group: string, groups: string[] = []) => [...groups, group],
    )
    .option("--as-uid <uid>", "act as this UID, with --as")
    .option("--no-color", "turn colour off (also NO_COLOR=1)")
    .option(
      "--verbose",
      "say on stderr what happens behind the scenes (every retry, lists read again)",
    )
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`meshlens: ${text.replace(/^error: /, "")}`),
    })
    .addHelpText(
      "after",
      `\n${exitCodesHelp("the command found nothing wrong", "it found something wrong (a failed check, an invalid certificate)")}\n`,
    );
  for (const command of [
    checkCommand(run),
    identityCommand(run),
    edgesCommand(run),
    tapCommand(run),
    rotationCommand(run),
    expiryCommand(run),
    exporterCommand(run),
    authCommand(run),
    demoCommand(run),
    completionCommand(run, () => program),
  ]) {
    // addCommand() does not pass these on: without them a subcommand's usage error is commander's
    // own `error:` line and exit 1, which CI cannot tell from a failed check.
    command.copyInheritedSettings(program);
    program.addCommand(command);
  }
  return program;
}

/** Runs the command line to its exit code (a signal's code is cli.ts' to set). */
export async function runProgram(argv: string[], io: Io): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  let program: Command | undefined;
  const run: RunCommand = async (options, action) => {
    const ctx = createContext({
      global: globalOptionsOf((program as Command).opts<RawGlobalFlags>()),
      stdout: io.stdout,
      stderr: io.stderr,
      env: io.env,
      signal: io.signal,
      version: io.version,
      ...(io.onReload ? { onReload: io.onReload } : {}),
    });
    exitCode = await action(ctx, options);
  };
  program = buildProgram(run, io, argv[1]);

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; every other commander error is a usage error.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`meshlens: ${error.message}\n`);
      if (error.hint) io.stderr.write(`  ${error.hint}\n`);
      return error.exitCode;
    }
    if (error instanceof KubeApiError) {
      // The cluster said no or could not be reached: already a message that says what to do.
      io.stderr.write(`meshlens: ${firstLine(error)}\n`);
      return ExitCode.CouldNotRun;
    }
    io.stderr.write(`meshlens: unexpected error: ${firstLine(error)}\n`);
    if (io.env.DEBUG) io.stderr.write(`${error instanceof Error ? error.stack : ""}\n`);
    else io.stderr.write("  re-run with DEBUG=1 for details, and please report it\n");
    return ExitCode.CouldNotRun;
  }
}
