// `meshlens --version`, answered before anything else loads: scripts and shell prompts call it, and
// it should cost about what starting Node costs. Both entry points use it: src/cli.ts (the npm
// package) and src/binary/main.ts (the standalone binary, before it loads the CLI).
import { writeSync } from "node:fs";
import packageJson from "../package.json" with { type: "json" };
import { ExitCode } from "./errors.js";
import { cannotWriteLine } from "./output.js";

/** Whether the command line (after the program's name) asks only for the version. */
export function asksOnlyForVersion(args: readonly string[]): boolean {
  return args.length === 1 && args[0] === "--version";
}

/** Writes the version at once; a reader that went away is no failure, a failed write is exit 3. */
export function printVersion(): number {
  try {
    writeSync(1, `${packageJson.version}\n`);
    return ExitCode.Ok;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException;
    if (failure.code === "EPIPE") return ExitCode.Ok;
    writeSync(2, cannotWriteLine(failure));
    return ExitCode.CouldNotRun;
  }
}
