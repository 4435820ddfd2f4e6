// `meshlens completion bash|zsh|fish`: a completion script built from the program's own commands
// and flags, so it cannot drift from them.
import { Command } from "commander";
import type { Context } from "../context.js";
import { ExitCode, usageError } from "../errors.js";
import { WORKLOAD_TYPES, workloadTypeWords } from "../k8s/workload-types.js";
import { OUTPUT_FORMATS } from "../render/check.js";
import {
  COMPLETION_SHELLS,
  type CommandSpec,
  type CompletionShell,
  type FlagSpec,
  renderCompletion,
} from "../render/completion.js";
import { FAIL_ON_LEVELS } from "./check.js";
import type { RunCommand } from "./command.js";
import { EDGES_FAIL_ON, EDGES_OUTPUT_FORMATS } from "./edges.js";
import { IDENTITY_FORMATS } from "./identity.js";

/** The flags whose value is one of a fixed set, by command. */
async function fixedValues(): Promise<Record<string, Record<string, readonly string[]>>> {
  // The simulator's light entry: names only, none of its code or certificates.
  const { scenarioNames, TAP_FAULTS } = await import("../sim/index.js");
  return {
    check: { "--output": OUTPUT_FORMATS, "--fail-on": FAIL_ON_LEVELS },
    identity: { "--output": IDENTITY_FORMATS },
    edges: { "--output": EDGES_OUTPUT_FORMATS, "--fail-on": EDGES_FAIL_ON },
    tap: { "--output": ["wide", "json", "jsonl", "jsonpath="], "--fail-on": ["plaintext"] },
    demo: { "--scenario": scenarioNames(), "--tap-fault": TAP_FAULTS },
  };
}

function flagSpecs(command: Command, values: Record<string, readonly string[]> = {}): FlagSpec[] {
  return command.options
    .filter((option) => !option.hidden && option.long !== undefined)
    .map((option) => ({
      long: option.long as string,
      short: option.short,
      description: option.description,
      takesValue: option.required || option.optional,
      values: values[option.long as string],
      file: /<(file|path)>/.test(option.flags),
    }));
}

/** The words a command takes as its first argument: edges' and tap's resource types. */
const ARGUMENTS: Record<string, readonly string[]> = {
  completion: COMPLETION_SHELLS,
  edges: workloadTypeWords(WORKLOAD_TYPES.filter((type) => type !== "namespace")),
  tap: workloadTypeWords(WORKLOAD_TYPES),
};

const HELP_FLAG: FlagSpec = {
  long: "--help",
  short: "-h",
  description: "display help",
  takesValue: false,
  values: undefined,
  file: false,
};

async function runCompletion(ctx: Context, shell: string, program: Command): Promise<number> {
  if (!(COMPLETION_SHELLS as readonly string[]).includes(shell))
    throw usageError(
      `unsupported shell "${shell}": use ${COMPLETION_SHELLS.slice(0, -1).join(", ")} or ${COMPLETION_SHELLS.at(-1)}`,
    );
  const values = await fixedValues();
  const commands: CommandSpec[] = program.commands.map((command) => ({
    name: command.name(),
    description: command.description(),
    flags: [...flagSpecs(command, values[command.name()]), HELP_FLAG],
    arguments: ARGUMENTS[command.name()] ?? [],
  }));
  ctx.out.write(
    renderCompletion(shell as CompletionShell, {
      program: "meshlens",
      aliases: ["kubectl-meshlens"],
      globalFlags: [...flagSpecs(program), HELP_FLAG],
      commands,
    }),
  );
  return ExitCode.Ok;
}

export function completionCommand(run: RunCommand, program: () => Command): Command {
  return new Command("completion")
    .description("Print a shell completion script: bash, zsh or fish")
    .argument("<shell>", COMPLETION_SHELLS.join(", "))
    .addHelpText(
      "after",
      [
        "",
        "Load it:",
        "  bash: source <(meshlens completion bash)       (or save it in /etc/bash_completion.d/)",
        "  zsh:  source <(meshlens completion zsh)        (or save it as _meshlens on $fpath)",
        "  fish: meshlens completion fish | source        (or save it in ~/.config/fish/completions/)",
        "",
      ].join("\n"),
    )
    .action((shell: string) => run(shell, (ctx, asked) => runCompletion(ctx, asked, program())));
}
