import type { Context } from "../context.js";

/**
 * One line of progress on stderr (an ora spinner), only on a terminal with a width: a pseudo-terminal
 * without one (some CI runners) makes spinners redraw without end. Nothing otherwise; `spinning`
 * says which, so callers can say in plain lines what a spinner would have shown. It goes away (and
 * the cursor comes back) as soon as the run is interrupted.
 */
export function statusLine(ctx: Context) {
  // ora's own rule (is-interactive) on top: no spinner under CI or TERM=dumb, even on a terminal.
  const spinning =
    ctx.err.isTTY &&
    (ctx.err.columns ?? 0) > 0 &&
    ctx.env.TERM !== "dumb" &&
    ctx.env.CI === undefined;
  let spinner: { text: string; stop(): void } | undefined;
  let noteTimer: NodeJS.Timeout | undefined;
  /** The wait being shown, until it is over. */
  let note: string | undefined;
  let loading = false;
  let latest = "";
  let stopped = false;
  let wanted = false;
  const fitToLine = (text: string) => {
    // The spinner glyph and a space come first, and the terminal echoes Ctrl-C as "^C" after the
    // text: a line that wraps is one ora no longer erases (it clears only the line the cursor is on).
    const room = (ctx.err.columns ?? 0) - 5;
    return text.length > room ? `${text.slice(0, Math.max(0, room - 1))}…` : text;
  };
  const line = {
    spinning,
    show(text: string): void {
      if (!spinning || stopped) return;
      latest = fitToLine(text);
      wanted = true;
      if (spinner !== undefined) {
        spinner.text = latest;
        return;
      }
      if (loading) return;
      loading = true;
      void import("ora").then(({ default: ora }) => {
        loading = false;
        if (wanted && !stopped)
          spinner = ora({
            text: latest,
            stream: process.stderr,
            color: "yellow",
            // ora's default puts the terminal in raw mode to swallow keystrokes, so Ctrl-C never
            // became SIGINT: the run could only be killed, leaving the terminal raw.
            discardStdin: false,
          }).start();
      });
    },
    /**
     * Shows `text` for `ms` (a wait for the API server), then what was shown before, or nothing if
     * nothing was; a show() meanwhile wins, and a result printed meanwhile (clear()) does not end
     * it. False without a spinner: the caller says it in a line instead.
     */
    note(text: string, ms: number): boolean {
      if (!spinning || stopped) return false;
      const before = wanted ? latest : undefined;
      line.show(text);
      const noted = latest;
      note = noted;
      clearTimeout(noteTimer);
      noteTimer = setTimeout(() => {
        note = undefined;
        if (latest !== noted || !wanted) return;
        if (before === undefined) line.clear();
        else line.show(before);
      }, ms);
      noteTimer.unref();
      return true;
    },
    /** Removes the line (before a result is printed); a later show() brings it back. */
    clear(): void {
      wanted = false;
      spinner?.stop();
      spinner = undefined;
      // A wait still going on comes back once what is being printed is out.
      if (note !== undefined)
        setImmediate(() => {
          if (note !== undefined && !wanted && !stopped) line.show(note);
        });
    },
    stop(): void {
      stopped = true;
      note = undefined;
      clearTimeout(noteTimer);
      line.clear();
    },
  };
  ctx.signal.addEventListener("abort", () => line.stop(), { once: true });
  ctx.notices.useLine({ note: (text, ms) => line.note(text, ms) });
  return line;
}
