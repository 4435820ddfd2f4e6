// How a command runs: its flags are parsed into options first (usage errors before anything
// else), then its action gets the run's context and the options and returns an exit code.
import type { Context } from "../context.js";

/** What a command does with its options: everything it prints, and its exit code. */
export type CommandAction<Options> = (ctx: Context, options: Options) => Promise<number>;

/** Runs a command's action with a context for the run (program.ts makes it). */
export type RunCommand = <Options>(
  options: Options,
  action: CommandAction<Options>,
) => Promise<void>;
