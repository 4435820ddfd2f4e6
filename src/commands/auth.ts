// `meshlens auth [COMMAND...]`: may the current credentials run each command, and if not, the
// first permission missing, in kubectl's words (named after `kubectl auth can-i`); and
// `--print-role MODE`: the least-privilege roles for one mode, as YAML to apply.
import { Command } from "commander";
import { unlessAborted } from "../abort.js";
import { MODES, requirementsOf } from "../auth/requirements.js";
import type { ModeId, Scope } from "../auth/types.js";
import type { Context } from "../context.js";
import { ExitCode, exitCodesHelp, usageError } from "../errors.js";
import type { RunCommand } from "./command.js";

interface AuthFlags {
  output: string;
  namespace?: string;
  vizNamespace: string;
  printRole?: string;
  serviceAccount: string;
}

export interface AuthOptions {
  output: "table" | "json";
  /** The modes asked about, in MODES order. */
  modes: ModeId[];
  namespace: string | undefined;
  vizNamespace: string;
  /** --print-role: the roles for one mode, bound to this service account. */
  printRole: { mode: ModeId; serviceAccount: { namespace: string; name: string } } | undefined;
}

const COMMANDS = [...new Set(MODES.map((mode) => mode.split(" ")[0] as string))];

function isMode(text: string): text is ModeId {
  return (MODES as readonly string[]).includes(text);
}

export function parseAuthOptions(commands: string[], flags: AuthFlags): AuthOptions {
  if (!["table", "json"].includes(flags.output))
    throw usageError(`invalid --output "${flags.output}": use table or json`);
  for (const command of commands)
    if (!COMMANDS.includes(command))
      throw usageError(`unknown command "${command}": use ${COMMANDS.join(", ")}`);
  let printRole: AuthOptions["printRole"];
  if (flags.printRole !== undefined) {
    const mode = flags.printRole.trim().replace(/\s+/g, " ");
    if (!isMode(mode))
      throw usageError(
        `invalid --print-role "${flags.printRole}": use one of ${MODES.map((m) => `"${m}"`).join(", ")}`,
      );
    const account = /^([a-z0-9.-]+)\/([a-z0-9.-]+)$/.exec(flags.serviceAccount);
    if (account === null)
      throw usageError(`invalid --service-account "${flags.serviceAccount}": use NAMESPACE/NAME`);
    printRole = {
      mode,
      serviceAccount: { namespace: account[1] as string, name: account[2] as string },
    };
  }
  return {
    output: flags.output as AuthOptions["output"],
    modes: MODES.filter(
      (mode) => commands.length === 0 || commands.includes(mode.split(" ")[0] as string),
    ),
    namespace: flags.namespace,
    vizNamespace: flags.vizNamespace,
    printRole,
  };
}

export async function runAuth(ctx: Context, options: AuthOptions): Promise<number> {
  const scope: Scope = {
    controlPlaneNamespace: ctx.global.linkerdNamespace,
    vizNamespace: options.vizNamespace,
    namespace: options.namespace,
  };
  if (options.printRole !== undefined) {
    const [{ leastPrivilegeRoles }, render] = await Promise.all([
      import("../auth/roles.js"),
      import("../render/auth.js"),
    ]);
    const { mode, serviceAccount } = options.printRole;
    const objects = leastPrivilegeRoles(
      mode,
      requirementsOf(mode, scope).permissions,
      serviceAccount,
    );
    ctx.out.write(render.renderRolesYaml(mode, objects));
    return ExitCode.Ok;
  }
  const [cluster, { reviewModes }, render] = await Promise.all([
    ctx.loadCluster(),
    import("../auth/review.js"),
    import("../render/auth.js"),
  ]);
  const verdicts = await unlessAborted(
    reviewModes(
      cluster,
      options.modes.map((mode) => requirementsOf(mode, scope)),
    ),
    ctx.signal,
  );
  if (verdicts === undefined) return ExitCode.Interrupted;
  ctx.out.write(
    options.output === "json"
      ? render.renderAuthJson(verdicts)
      : render.renderAuthTable(verdicts, ctx.theme),
  );
  return verdicts.every((v) => v.missing.length === 0) ? ExitCode.Ok : ExitCode.ChecksFailed;
}

export function authCommand(run: RunCommand): Command {
  return new Command("auth")
    .description(
      "Show whether the current credentials may run each meshlens command (SelfSubjectAccessReviews), or print the least-privilege roles for one",
    )
    .argument("[command...]", `only these commands: ${COMMANDS.join(", ")}`)
    .option("-o, --output <format>", "table or json", "table")
    .option(
      "-n, --namespace <namespace>",
      "the namespace the commands will be pointed at (default: every namespace)",
    )
    .option("--viz-namespace <namespace>", "namespace of linkerd-viz", "linkerd-viz")
    .option(
      "--print-role <mode>",
      `print the least-privilege ClusterRole, Roles and bindings for one mode, e.g. "check --proxy" (${MODES.length} modes: see docs/rbac.md)`,
    )
    .option(
      "--service-account <namespace/name>",
      "with --print-role: the service account to bind",
      "meshlens/meshlens",
    )
    .addHelpText(
      "after",
      `\n${exitCodesHelp("every command asked about may run", "some may not (the first missing permission is said)")}\n`,
    )
    .action((commands: string[], flags: AuthFlags) =>
      run(parseAuthOptions(commands, flags), runAuth),
    );
}
