/**
 * Exit codes are part of meshlens' contract with CI systems: they are documented in the README and
 * never change meaning.
 */
export const ExitCode = {
  /** Every check passed (warnings allowed unless `--fail-on warning`). */
  Ok: 0,
  /** At least one check failed. */
  ChecksFailed: 1,
  /** The command line was wrong: unknown flag, bad value, bad file. */
  Usage: 2,
  /** meshlens could not run at all: no kubeconfig, cluster unreachable, access forbidden. */
  CouldNotRun: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: printed as one line (plus an optional hint), never with a stack trace. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, exitCode: ExitCode, hint?: string) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, ExitCode.Usage, hint);
}

/** The first line of the message of anything thrown. */
export function firstLine(error: unknown): string {
  // WebSocket failures arrive as ErrorEvents: objects with a message, not Errors.
  const message =
    typeof (error as { message?: unknown })?.message === "string"
      ? (error as { message: string }).message
      : String(error);
  return message.split("\n")[0] ?? "";
}
