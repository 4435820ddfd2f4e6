// The entry point, and the only place the process exits (the binary's entry, src/binary/main.ts,
// answers a bare --version the same way before it loads this). A bare `meshlens --version` is
// answered here before anything else loads (version.ts). Everything else is program.ts; this file
// owns what belongs to the process: the environment, signals, flushing output, the exit code.
import packageJson from "../package.json" with { type: "json" };
import { ExitCode } from "./errors.js";
import { commandLineUsesTls, warmRootStore } from "./k8s/root-store-warmup.js";
import { cannotWriteLine, streamOutput } from "./output.js";
import { asksOnlyForVersion, printVersion } from "./version.js";

/** The shell's convention: a run ended by a signal exits with 128 + the signal's number. */
const SIGNAL_EXIT_CODES = {
  SIGHUP: ExitCode.Hangup,
  SIGINT: ExitCode.Interrupted,
  SIGTERM: ExitCode.Terminated,
} as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/** How long a run may take to stop after Ctrl-C or SIGTERM (the demo closes its servers). */
const STOP_GRACE_MS = 1500;

/**
 * Runs the command line to its exit code. The first Ctrl-C, SIGTERM or SIGHUP asks the run to stop
 * (its signal aborts) and exits with the signal's code once it has, or after a grace period; a
 * second one exits at once.
 */
async function run(): Promise<number> {
  const stdout = streamOutput(process.stdout);
  const stderr = streamOutput(process.stderr);
  const controller = new AbortController();
  let stoppedBy: StopSignal | undefined;
  // A long-running command may take SIGHUP as "reload" (the exporter refreshes on it).
  const reloads = new Set<() => void>();
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as StopSignal[])
    process.on(signal, () => {
      if (signal === "SIGHUP" && reloads.size > 0 && stoppedBy === undefined) {
        for (const reload of reloads) reload();
        return;
      }
      if (stoppedBy !== undefined) process.exit(SIGNAL_EXIT_CODES[signal]);
      stoppedBy = signal;
      controller.abort();
      setTimeout(() => process.exit(SIGNAL_EXIT_CODES[signal]), STOP_GRACE_MS).unref();
    });
  // Started before the program loads (all of its commands), so that the store is built by the
  // first connection.
  if (commandLineUsesTls(process.argv.slice(2))) warmRootStore();
  const { runProgram } = await import("./program.js");
  let code = await runProgram(process.argv, {
    stdout,
    stderr,
    env: process.env,
    signal: controller.signal,
    version: packageJson.version,
    onReload: (listener) => {
      reloads.add(listener);
      return () => reloads.delete(listener);
    },
  });
  if (stoppedBy !== undefined) code = SIGNAL_EXIT_CODES[stoppedBy];
  // Let buffered output reach a pipe before exiting (large JSON would otherwise be cut short).
  await stdout.flush();
  if (stdout.failure !== undefined) {
    stderr.write(cannotWriteLine(stdout.failure));
    // The verdict stands when it is already a failure; a passing run whose report was lost is not a pass.
    if (code === ExitCode.Ok) code = ExitCode.CouldNotRun;
  }
  await stderr.flush();
  return code;
}

// No top-level await: the standalone binary runs this file as a CommonJS script (scripts/build-binary.mjs).
if (asksOnlyForVersion(process.argv.slice(2))) process.exit(printVersion());
else void run().then((code) => process.exit(code));
