// Runs the command line (cli.ts calls it for everything but a bare --version) and exits.
import { ExitCode } from "./errors.js";
import { warmRootStore } from "./k8s/root-store-warmup.js";
import { cannotWriteLine, streamOutput } from "./output.js";

/** Commands that make TLS connections: to the API server and proxies, or as the demo's server. */
const TLS_COMMANDS = new Set(["check", "identity", "edges", "tap", "demo"]);

export async function run(version: string): Promise<never> {
  const stdout = streamOutput(process.stdout);
  const stderr = streamOutput(process.stderr);

  const args = process.argv.slice(2);
  // Started before the program loads, so that the store is built by the first connection.
  const asksForHelp = args.includes("--help") || args.includes("-h") || args[0] === "help";
  if (!asksForHelp && args.some((arg) => TLS_COMMANDS.has(arg))) warmRootStore();
  const { runProgram } = await import("./main.js");
  let code = await runProgram(process.argv, { stdout, stderr, version });

  // Let buffered output reach a pipe before exiting (large JSON would otherwise be cut short).
  await stdout.flush();
  if (stdout.failure !== undefined) {
    stderr.write(cannotWriteLine(stdout.failure));
    // The verdict stands when it is already a failure; a passing run whose report was lost is not a pass.
    if (code === ExitCode.Ok) code = ExitCode.CouldNotRun;
  }
  await stderr.flush();
  process.exit(code);
}
