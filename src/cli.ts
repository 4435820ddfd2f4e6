// The entry point, and where the process exits (besides a second Ctrl-C, in main.ts). A bare
// `meshlens --version` is answered here before the program and its commands load: scripts and
// shell prompts call it, and it should cost about what starting Node costs (issue 12).
import packageJson from "../package.json" with { type: "json" };
import { ExitCode } from "./errors.js";
import { warmRootStore } from "./k8s/root-store-warmup.js";
import { streamOutput } from "./output.js";

/** Commands that make TLS connections: to the API server and proxies, or as the demo's server. */
const TLS_COMMANDS = new Set(["check", "identity", "edges", "tap", "demo"]);

const stdout = streamOutput(process.stdout);
const stderr = streamOutput(process.stderr);

const args = process.argv.slice(2);
let code: number;
if (args.length === 1 && args[0] === "--version") {
  // What commander prints for it (main.ts declares the same flag, for `--version` among others).
  stdout.write(`${packageJson.version}\n`);
  code = ExitCode.Ok;
} else {
  // Started before the program loads, so that the store is built by the first connection.
  const asksForHelp = args.includes("--help") || args.includes("-h") || args[0] === "help";
  if (!asksForHelp && args.some((arg) => TLS_COMMANDS.has(arg))) warmRootStore();
  const { runProgram } = await import("./main.js");
  code = await runProgram(process.argv, { stdout, stderr });
}

// Let buffered output reach a pipe before exiting (large JSON would otherwise be cut short).
await stdout.flush();
if (stdout.failure !== undefined) {
  stderr.write(
    `meshlens: cannot write to standard output: ${stdout.failure.message.replace(/, write$/, "")}\n`,
  );
  // The verdict stands when it is already a failure; a passing run whose report was lost is not a pass.
  if (code === ExitCode.Ok) code = ExitCode.CouldNotRun;
}
await stderr.flush();
process.exit(code);
