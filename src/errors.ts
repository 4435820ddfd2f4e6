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
  /**
   * meshlens could not run, or could not finish what it was asked: no kubeconfig, cluster
   * unreachable, access forbidden, its output could not be written.
   */
  CouldNotRun: 3,
  /** Ended by a signal: 128 + its number, as the shell reports it (SIGHUP, Ctrl-C, SIGTERM). */
  Hangup: 129,
  Interrupted: 130,
  Terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The exit codes as `--help` lists them (the README's table says the same); `ok` and `failed` say
 * what 0 and 1 mean for the command.
 */
export function exitCodesHelp(ok: string, failed: string): string {
  return [
    "Exit codes:",
    `  0    ${ok}`,
    `  1    ${failed}`,
    "  2    usage error: unknown command or flag, bad value, unreadable input file",
    "  3    could not run: no kubeconfig, cluster unreachable, access forbidden, output not written",
    "  130  interrupted (Ctrl-C); 143 terminated (SIGTERM); 129 hung up (SIGHUP)",
  ].join("\n");
}

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

/**
 * How a command says what RBAC kept it from: `forbidden (needs get secrets in namespace "linkerd")`,
 * after `skipped: ` in every output (issue 20), so users and scripts meet one wording.
 */
export function forbiddenNeeds(permission: string): string {
  return `forbidden (needs ${permission})`;
}
