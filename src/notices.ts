// What meshlens says on stderr about its own work while a command runs: waits for the API server
// (throttling, a lost connection), and with --verbose what it did behind the scenes. A wait shows on
// the command's spinner when there is one; otherwise it is one line, once per kind of wait (with
// --verbose, once a second), so a run against a throttling server never waits silently and never
// floods a CI log.
import type { Output } from "./output.js";

/** The spinner a command shows, as far as notices use it. */
export interface NoticeLine {
  /** Shows `text` for `ms`, then what the command showed before; false without a spinner. */
  note(text: string, ms: number): boolean;
}

export interface Notices {
  /** A wait before a retry: `kind` tells waits apart (one line per kind without a spinner). */
  wait(text: string, waitMs: number, kind: string): void;
  /** Said only with --verbose. */
  detail(text: string): void;
  /** The command's spinner, which then shows the waits. */
  useLine(line: NoticeLine): void;
}

/** With --verbose, a kind of wait is told at most this often (thousands of requests may wait). */
const VERBOSE_INTERVAL_MS = 1000;

export function createNotices(
  err: Output,
  verbose: boolean,
  now: () => number = Date.now,
): Notices {
  const told = new Map<string, number>();
  let line: NoticeLine | undefined;
  const say = (text: string) => err.write(`meshlens: ${text}\n`);
  return {
    wait(text, waitMs, kind) {
      if (line?.note(text, waitMs) && !verbose) return;
      const last = told.get(kind);
      if (last === undefined || (verbose && now() - last >= VERBOSE_INTERVAL_MS)) {
        say(text);
        told.set(kind, now());
      }
    },
    detail(text) {
      if (verbose) say(text);
    },
    useLine(next) {
      line = next;
    },
  };
}
