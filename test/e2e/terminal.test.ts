// Ctrl-C at a real terminal (tmux from Debian): while the spinner shows, the keystroke must reach
// meshlens as SIGINT, end the run with 130, and leave the terminal as it was (cooked mode, cursor
// shown). `kill -INT` alone would not catch a spinner that puts the terminal in raw mode.
import { execFileSync } from "node:child_process";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { cliCommandLine, type StartedSim, simulatorsForThisFile, toolForTests } from "./helpers.js";

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

  /** Types `args` into a terminal, waits for the spinner, presses Ctrl-C; returns the screen after. */
  const interruptedAt = async (kubeconfig: string, args: string, spinner: RegExp) => {
    const cli = cliCommandLine;
    const session = terminalRunning(
      `env -u NO_COLOR -u CI ${cli} --kubeconfig ${kubeconfig} ${args}; echo "EXIT=$?"; stty -a | grep -o -- '-\\?icanon'`,
    );
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
    // stty prints a moment after the exit code: wait for its line, whichever it is.
    await vi.waitFor(() => expect(screen(session)).toMatch(/^-?icanon$/m), {
      timeout: 5000,
      interval: 50,
    });
    const after = screen(session);
    expect(after).toMatch(/^EXIT=130$/m);
    // Cooked mode again (not "-icanon"), the cursor visible, and the spinner line gone.
    expect(after).toMatch(/^icanon$/m);
    expect(tmux("display-message", "-p", "-t", session, "#{cursor_flag}").trim()).toBe("1");
    expect(after, after).not.toMatch(spinner);
  };

  it("ends `check --wait 5m` with 130 while the spinner shows, and restores the terminal", async () => {
    // The spinner line: "<frame> control plane ... are ready: ... (until ...Z (--wait))".
    await interruptedAt(notReady.kubeconfigPath, "check --wait 5m", /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] control plane/m);
  });

  it("ends `check --proxy` and `rotation` on a big cluster while their progress line shows", async () => {
    const big = await sim({ scenario: "scale", scale: { pods: 3000, namespaces: 10 } });
    await interruptedAt(
      big.kubeconfigPath,
      "check --proxy",
      /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] verifying proxy certificates: \d+\/\d+/m,
    );
    await interruptedAt(
      big.kubeconfigPath,
      "rotation",
      /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] reading proxy certificates: \d+\/\d+/m,
    );
  });
});

describe.skipIf(tmuxTool.skip)("waiting for a throttling API server in a real terminal", () => {
  it("the spinner says what it waits for, and no line is left behind", async () => {
    const throttled = await sim();
    // One 429 on a read that comes once the spinner shows (the identity checks' secret).
    throttled.faults.add({
      pathPrefix: "/api/v1/namespaces/linkerd/secrets",
      fault: { kind: "retry-after", status: 429, seconds: 3 },
      times: 1,
    });
    const cli = cliCommandLine;
    const session = terminalRunning(
      `env -u NO_COLOR -u CI ${cli} --kubeconfig ${throttled.kubeconfigPath} check; echo "EXIT=$?"`,
    );
    await vi.waitFor(
      () =>
        expect(screen(session)).toMatch(
          /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting: the API server is throttling requests \(429\), retrying in 3s$/m,
        ),
      { timeout: 10_000, interval: 100 },
    );
    await vi.waitFor(() => expect(screen(session)).toMatch(/^EXIT=0$/m), {
      timeout: 15_000,
      interval: 100,
    });
    expect(screen(session)).not.toMatch(/waiting:/);
  });
});

describe.skipIf(tmuxTool.skip)("tap --explain in a real terminal", () => {
  it("explains a tls value other than true the moment it first shows", async () => {
    const s = await sim({ scenario: "unmeshed-client", timeScale: 20 });
    const cli = cliCommandLine;
    const session = terminalRunning(
      `${cli} --kubeconfig ${s.kubeconfigPath} tap deploy/web -n emojivoto --plaintext --max-events 2 --explain; echo "EXIT=$?"`,
    );
    await vi.waitFor(() => expect(screen(session)).toMatch(/^EXIT=0$/m), {
      timeout: 15_000,
      interval: 100,
    });
    // Once when it first shows, then under the summary's line for that value (-J: lines the
    // terminal wrapped, joined).
    const shown = tmux("capture-pane", "-p", "-J", "-t", session);
    expect(shown).toMatch(
      /^meshlens: tls=no_tls_from_remote first seen: source-not-meshed: unmeshed\/curl-\S+ \(Deployment\/curl\) has no proxy$/m,
    );
    expect(shown).toMatch(/^ {4}why: source-not-meshed: /m);
  });
});
