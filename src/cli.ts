// The entry point. A bare `meshlens --version` is answered here, before anything else loads:
// scripts and shell prompts call it, and it should cost about what starting Node costs (issue 12).
// Everything else runs in run.ts, which exits the process.
import { writeSync } from "node:fs";
import packageJson from "../package.json" with { type: "json" };
import { cannotWriteLine } from "./output.js";

/**
 * What commander prints for --version (main.ts declares the flag too, for `--version` among
 * other arguments), written at once. As for every command: a reader that went away is not a
 * failure; a write that fails is one line on stderr and exit 3 (ExitCode.CouldNotRun).
 */
function printVersion(): number {
  try {
    writeSync(1, `${packageJson.version}\n`);
    return 0;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException;
    if (failure.code === "EPIPE") return 0;
    writeSync(2, cannotWriteLine(failure));
    return 3;
  }
}

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === "--version") process.exit(printVersion());
else await (await import("./run.js")).run(packageJson.version);
