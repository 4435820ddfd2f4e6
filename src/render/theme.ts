import { Chalk, type ChalkInstance } from "chalk";

/** Colour is decided once, here, from the flags, the environment and the terminal. */
export interface ColorDecision {
  noColorFlag: boolean;
  env: Readonly<Record<string, string | undefined>>;
  isTTY: boolean;
}

export function colorLevelFor({ noColorFlag, env, isTTY }: ColorDecision): 0 | 1 {
  if (noColorFlag) return 0;
  // https://no-color.org: any non-empty value turns colour off.
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force === "0" || force === "false" ? 0 : 1;
  if (env.TERM === "dumb") return 0;
  return isTTY ? 1 : 0;
}

/** Semantic styles; the only place chalk is used. */
export interface Theme {
  ok(text: string): string;
  warn(text: string): string;
  fail(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export function createTheme(level: 0 | 1): Theme {
  const chalk: ChalkInstance = new Chalk({ level });
  return {
    // Linkerd colours status symbols with fatih/color green/yellow/red + bold (SGR 32;1 33;1 31;1).
    ok: (text) => chalk.green.bold(text),
    warn: (text) => chalk.yellow.bold(text),
    fail: (text) => chalk.red.bold(text),
    dim: (text) => chalk.dim(text),
    bold: (text) => chalk.bold(text),
  };
}

export const plainTheme: Theme = createTheme(0);
