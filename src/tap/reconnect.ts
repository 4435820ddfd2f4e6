// A tap that outlives its stream: when the server ends it or the connection breaks without the
// user asking, it reconnects with backoff (1 s doubling to 30 s) and says, in one line, that events
// went unseen in between. Linkerd's CLI ends there instead (users ask for this: linkerd2#2891).
import { KubeApiError } from "../k8s/types.js";
import { TapError, type TapHandlers, type TapOutcome, watchTap } from "./client.js";

export { TapError } from "./client.js";

import type { Cluster } from "../k8s/types.js";
import type { TapQuery } from "./types.js";

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

export interface ReconnectSettings {
  /** false (--no-reconnect): the first stream's end is the tap's. */
  reconnect: boolean;
  /** A line for stderr: a gap in the events, or a reconnection that failed. */
  onGap: (text: string) => void;
  /** Waits `ms` unless `signal` aborts first (tests pass their own, and a clock). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** A failure worth reconnecting through: the API server or the network, not a refusal. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof KubeApiError &&
    (error.failure === "unreachable" ||
      error.failure === "timeout" ||
      error.failure === "server-error")
  );
}

const seconds = (ms: number) => `${ms / 1000}s`;
/** Whole seconds away, at least one (the first wait is a second). */
const awaySeconds = (ms: number) => Math.max(1, Math.floor(ms / 1000));

/**
 * watchTap, again after each interruption (unless settings.reconnect is false, when a broken
 * stream is a TapError as Linkerd reports it). Resolves "stopped" when the caller stopped it,
 * "ended" when the stream ended and no reconnect was wanted.
 */
export async function watchTapReconnecting(
  cluster: Cluster,
  query: TapQuery,
  handlers: TapHandlers,
  signal: AbortSignal,
  tlsOnly: boolean,
  settings: ReconnectSettings,
): Promise<"ended" | "stopped"> {
  const sleep = settings.sleep ?? abortableSleep;
  const now = settings.now ?? Date.now;
  let backoffMs = FIRST_BACKOFF_MS;
  /** Since when events went unseen, and why. */
  let gap: { reason: string; since: number } | undefined;
  let sawEvents = false;
  const watched: TapHandlers = {
    ...handlers,
    onEvent: (event) => {
      sawEvents = true;
      return handlers.onEvent(event);
    },
    onOpen: () => {
      if (gap !== undefined)
        settings.onGap(
          `tap stream interrupted (${gap.reason}), reconnected after ${awaySeconds(now() - gap.since)}s; events in between were not seen`,
        );
      gap = undefined;
      handlers.onOpen?.();
    },
  };
  for (;;) {
    let outcome: TapOutcome;
    sawEvents = false;
    try {
      outcome = await watchTap(cluster, query, watched, signal, tlsOnly);
    } catch (error) {
      // Only a reconnection rides out the API server being away; the first connection fails.
      if (gap === undefined || !isTransient(error)) throw error;
      settings.onGap(
        `tap stream interrupted (${gap.reason}); cannot reconnect yet (${(error as Error).message}), next try in ${seconds(backoffMs)}`,
      );
      outcome = { kind: "interrupted", reason: gap.reason, message: (error as Error).message };
    }
    if (outcome.kind === "stopped") return "stopped";
    if (!settings.reconnect) {
      if (outcome.kind === "interrupted") throw new TapError(outcome.message);
      return "ended";
    }
    if (sawEvents) backoffMs = FIRST_BACKOFF_MS;
    const reason = outcome.kind === "ended" ? "the server ended the stream" : outcome.reason;
    gap ??= { reason, since: now() };
    await sleep(backoffMs, signal);
    if (signal.aborted) return "stopped";
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  }
}
