// Shell completion scripts for bash, zsh and fish, rendered from a description of the commands.
// Static: commands, flags, and the values of flags that take a fixed set (output formats,
// scenario names). They complete `meshlens` and `kubectl-meshlens` alike.

export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

export interface FlagSpec {
  long: string;
  short: string | undefined;
  description: string;
  /** Whether the flag takes a value; `values` when that value is one of a fixed set. */
  takesValue: boolean;
  values: readonly string[] | undefined;
  /** The value is a path (kubeconfig, PEM files). */
  file: boolean;
}

export interface CommandSpec {
  name: string;
  description: string;
  flags: FlagSpec[];
  /** Words a command takes as arguments (completion's shells). */
  arguments: readonly string[];
}

export interface CompletionSpec {
  program: string;
  aliases: readonly string[];
  globalFlags: FlagSpec[];
  commands: CommandSpec[];
}

const words = (list: readonly string[]) => list.join(" ");
const flagWords = (flags: FlagSpec[]) =>
  words(flags.flatMap((f) => (f.short ? [f.short, f.long] : [f.long])));
/** Text inside single quotes in any of the three shells. */
const quoted = (text: string) => text.replace(/'/g, "'\\''");

function bash(spec: CompletionSpec): string {
  const fn = `_${spec.program}`;
  const valueCases = [
    ...spec.commands.map((c) => ({ scope: c.name, flags: c.flags })),
    {
      scope: "*",
      flags: spec.globalFlags,
    },
  ].flatMap(({ scope, flags }) =>
    flags
      .filter((f) => f.takesValue)
      .map((f) => {
        const pattern = [f.short, f.long]
          .filter((n) => n !== undefined)
          .map((n) => `${scope}:${n}`)
          .join("|");
        const reply = f.values
          ? `COMPREPLY=($(compgen -W '${quoted(words(f.values))}' -- "$cur"))`
          : f.file
            ? `COMPREPLY=($(compgen -f -- "$cur"))`
            : "COMPREPLY=()";
        return `    ${pattern}) ${reply}; return ;;`;
      }),
  );
  const commandCases = spec.commands.map(
    (c) =>
      `    ${c.name}) COMPREPLY=($(compgen -W '${quoted(
        words([
          ...c.arguments,
          ...flagWords(c.flags).split(" "),
          ...flagWords(spec.globalFlags).split(" "),
        ]),
      )}' -- "$cur")) ;;`,
  );
  return [
    `# ${spec.program} completion for bash. Load it with:`,
    `#   source <(${spec.program} completion bash)`,
    `${fn}() {`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${...}
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" command="" i',
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    `    case "\${COMP_WORDS[i]}" in ${spec.commands.map((c) => c.name).join("|")}) command="\${COMP_WORDS[i]}"; break ;; esac`,
    "  done",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${...}
    '  case "${command:-*}:$prev" in',
    ...valueCases,
    "  esac",
    '  case "$command" in',
    ...commandCases,
    `    *) COMPREPLY=($(compgen -W '${quoted(
      words([...spec.commands.map((c) => c.name), ...flagWords(spec.globalFlags).split(" ")]),
    )}' -- "$cur")) ;;`,
    "  esac",
    "}",
    `complete -F ${fn} ${words([spec.program, ...spec.aliases])}`,
    "",
  ].join("\n");
}

function zshFlag(flag: FlagSpec): string {
  // _arguments: '(-o --output)'{-o,--output}'[description]:message:action'
  const description = quoted(flag.description.replace(/[[\]:]/g, "\\$&"));
  const action = !flag.takesValue
    ? ""
    : flag.values
      ? `:value:(${words(flag.values)})`
      : flag.file
        ? ":file:_files"
        : ":value: ";
  if (flag.short === undefined) return `'${flag.long}[${description}]${action}'`;
  return `'(${flag.short} ${flag.long})'{${flag.short},${flag.long}}'[${description}]${action}'`;
}

function zsh(spec: CompletionSpec): string {
  const fn = `_${spec.program}`;
  const lines = [
    `#compdef ${words([spec.program, ...spec.aliases])}`,
    `# ${spec.program} completion for zsh. Load it with:`,
    `#   source <(${spec.program} completion zsh)`,
    "# or save it as _meshlens in a directory on $fpath.",
    `${fn}() {`,
    "  local state line",
    "  local -a commands",
    "  commands=(",
    ...spec.commands.map((c) => `    '${c.name}:${quoted(c.description.replace(/:/g, "\\:"))}'`),
    "  )",
    "  _arguments -C \\",
    ...spec.globalFlags.map((f) => `    ${zshFlag(f)} \\`),
    "    '1: :->command' \\",
    "    '*:: :->arguments'",
    '  case "$state" in',
    "    command) _describe -t commands command commands ;;",
    "    arguments)",
    '      case "$line[1]" in',
    ...spec.commands.map((c) => {
      const specs = [...c.flags, ...spec.globalFlags].map(zshFlag);
      if (c.arguments.length > 0) specs.push(`'*: :(${words(c.arguments)})'`);
      return `        ${c.name}) _arguments ${specs.join(" \\\n            ")} ;;`;
    }),
    "      esac ;;",
    "  esac",
    "}",
    `if [ "$funcstack[1]" = "${fn}" ]; then`,
    `  ${fn} "$@"`,
    "else",
    `  compdef ${fn} ${words([spec.program, ...spec.aliases])}`,
    "fi",
    "",
  ];
  return lines.join("\n");
}

function fishFlag(program: string, condition: string, flag: FlagSpec): string {
  const parts = [`complete -c ${program} -n '${condition}'`];
  if (flag.short !== undefined) parts.push(`-s ${flag.short.slice(1)}`);
  parts.push(`-l ${flag.long.slice(2)}`);
  if (flag.takesValue) parts.push(flag.file ? "-r -F" : "-x");
  if (flag.values) parts.push(`-a '${quoted(words(flag.values))}'`);
  parts.push(`-d '${quoted(flag.description)}'`);
  return parts.join(" ");
}

function fish(spec: CompletionSpec): string {
  const names = words(spec.commands.map((c) => c.name));
  const lines = [
    `# ${spec.program} completion for fish. Load it with:`,
    `#   ${spec.program} completion fish | source`,
  ];
  for (const program of [spec.program, ...spec.aliases]) {
    lines.push(`complete -c ${program} -f`);
    for (const command of spec.commands) {
      lines.push(
        `complete -c ${program} -n 'not __fish_seen_subcommand_from ${names}' -a ${command.name} -d '${quoted(command.description)}'`,
      );
      const inCommand = `__fish_seen_subcommand_from ${command.name}`;
      for (const flag of command.flags) lines.push(fishFlag(program, inCommand, flag));
      if (command.arguments.length > 0)
        lines.push(`complete -c ${program} -n '${inCommand}' -a '${words(command.arguments)}'`);
    }
    for (const flag of spec.globalFlags) lines.push(fishFlag(program, "true", flag));
  }
  lines.push("");
  return lines.join("\n");
}

export function renderCompletion(shell: CompletionShell, spec: CompletionSpec): string {
  switch (shell) {
    case "bash":
      return bash(spec);
    case "zsh":
      return zsh(spec);
    case "fish":
      return fish(spec);
  }
}
