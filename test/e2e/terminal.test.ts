// Ctrl-C at a real terminal (tmux from Debian): while the spinner shows, the keystroke must reach
// meshlens as SIGINT, end the run with 130, and leave the terminal as it was (cooked mode, cursor
// shown). `kill -INT` alone would not catch a spinner that puts the terminal in raw mode.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { projectRoot } from "../fixtures.js";
import { type StartedSim, simulatorsForThisFile, toolForTests } from "./helpers.js";

const tmuxTool = toolForTests("tmux", ["-V"], "the terminal tests");
const sim = simulatorsForThisFile();
const sessions: string[] = [];

const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });
const screen = (session: string) => tmux("capture-pane", "-p", "-t", session);

afterEach(() => {
  for (const session of sessions.splice(0)) {
    try {
      tmux("kill-session", "-t", session);
    } catch {
      // Already gone.
    }
  }
});

/** A terminal running bash, with `line` typed into it (CI=true would turn the spinner off). */
function terminalRunning(line: string): string {
  const session = `meshlens-test-${process.pid}-${sessions.length}`;
  sessions.push(session);
  tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", "bash --norc --noprofile");
  tmux("send-keys", "-t", session, line, "Enter");
  return session;
}

describe.skipIf(tmuxTool.skip)("Ctrl-C in a real terminal", () => {
  let notReady: StartedSim;
  beforeAll(async () => {
    notReady = await sim({ scenario: "control-plane-not-ready" });
  });

  it("is installed (CI requires it)", () => {
    expect(tmuxTool.installed).toBe(true);
  });

  it("ends `check --wait 5m` with 130 while the spinner shows, and restores the terminal", async () => {
    const cli = `${process.execPath} ${join(projectRoot, "bin", "meshlens.js")}`;
    const session = terminalRunning(
      `env -u NO_COLOR -u CI ${cli} --kubeconfig ${notReady.kubeconfigPath} check --wait 5m; echo "EXIT=$?"; stty -a | grep -o -- '-\\?icanon'`,
    );
    // The spinner line: "<frame> control plane ... are ready: ... (until ...Z (--wait))".
    const spinner = /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] control plane/m;
    await vi.waitFor(() => expect(screen(session)).toMatch(spinner), {
      timeout: 15_000,
      interval: 100,
    });
    tmux("send-keys", "-t", session, "C-c");
    // The bound: the run ends within 2 s of the keystroke.
    await vi.waitFor(() => expect(screen(session)).toMatch(/^EXIT=\d+$/m), {
      timeout: 2000,
      interval: 50,
    });
    const after = screen(session);
    expect(after).toMatch(/^EXIT=130$/m);
    // Cooked mode again (not "-icanon"), the cursor visible, and the spinner line gone.
    expect(after).toMatch(/^icanon$/m);
    expect(tmux("display-message", "-p", "-t", session, "#{cursor_flag}").trim()).toBe("1");
    expect(after, after).not.toMatch(spinner);
  });
});
