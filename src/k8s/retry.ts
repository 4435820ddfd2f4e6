// When a request to the API server is sent again, and after how long: client-go's rules
// (k8s.io/client-go/rest/with_retry.go, request.go checkWait and isErrRetryableFunc), and the loop
// that follows them for the transport (transport.ts) and the port-forwards (port-forward.ts).

/** client-go's bound on retries of one request (rest.Request maxRetries, default 10). */
export const MAX_RETRIES = 10;

/**
 * The waits after lost connections in a row: the first retry goes at once, then a backoff that
 * stays at client-go's one second (its artificial Retry-After for a retryable error), so a server
 * that is back is found within a second; the request timeout bounds the whole.
 */
const CONNECTION_BACKOFF_MS = [0, 250, 500];
const CONNECTION_BACKOFF_CAP_MS = 1000;

/** The API server answered with an HTTP error status (its body: a Kubernetes Status). */
export class HttpStatusError extends Error {
  readonly status: number;
  readonly body: string;
  /** The Retry-After header, as sent. */
  readonly retryAfter: string | undefined;
  constructor(status: number, body: string, retryAfter?: string) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

/** Why a request waits before it is sent again. */
export type WaitReason =
  | { kind: "throttled"; status: number }
  | { kind: "unavailable"; status: number }
  | { kind: "connection"; detail: string };

/** One wait before a retry, as the user is told of it. */
export interface RetryWait {
  reason: WaitReason;
  waitMs: number;
  /** 1 for the first retry. */
  retry: number;
}

export type RetryDecision = { retry: false } | { retry: true; wait: RetryWait };

/** Node's codes for a connection that failed or was lost before any answer came. */
const CONNECTION_CODES: Record<string, string> = {
  ECONNRESET: "connection reset",
  ECONNREFUSED: "connection refused",
  EPIPE: "connection reset",
  ECONNABORTED: "connection reset",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/**
 * The lost connection an error is, or undefined. Only errors raised before any response byte
 * qualify: the caller passes those (a body cut short is not retried).
 */
export function connectionLoss(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && code in CONNECTION_CODES) return CONNECTION_CODES[code];
  // A kept-alive socket the server closed as the request went out: Node says "socket hang up".
  if (error instanceof Error && /socket hang up/.test(error.message)) return "connection reset";
  return undefined;
}

/** Retry-After in milliseconds: whole seconds (what kube-apiserver sends), or an HTTP date. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RetryState {
  /** Retries made so far. */
  retries: number;
  /** When the first attempt started (ms). */
  startedAt: number;
  /** Lost connections in a row, for the backoff. */
  connectionLosses: number;
}

export interface RetryLimits {
  /** --request-timeout: bounds one Retry-After wait, and how long a lost server is retried. */
  requestTimeoutMs: number;
  /** GET, LIST, discovery, a port-forward's upgrade: safe to send again after a lost connection. */
  idempotent: boolean;
  /**
   * Whether the server has answered this run before: a refused connection is then a restart to
   * wait out, not a wrong address to report at once (kubectl: "was refused - did you specify the
   * right host or port?").
   */
  serverAnswered?: () => boolean;
}

/**
 * Whether a failed attempt is sent again, and after how long, at most MAX_RETRIES times: a 429,
 * or a 5xx with Retry-After, after that long (capped at the request timeout); a connection lost
 * before any answer (refused only by a server that answered before), for idempotent requests
 * only, at once, then with backoff, while the request timeout since the first attempt allows.
 */
export function nextRetry(
  error: unknown,
  state: RetryState,
  limits: RetryLimits,
  now: number,
): RetryDecision {
  if (state.retries >= MAX_RETRIES) return { retry: false };
  const retry = state.retries + 1;
  if (error instanceof HttpStatusError) {
    if (error.status !== 429 && error.status < 500) return { retry: false };
    const waitMs = retryAfterMs(error.retryAfter, now);
    if (waitMs === undefined) return { retry: false };
    const reason: WaitReason =
      error.status === 429
        ? { kind: "throttled", status: 429 }
        : { kind: "unavailable", status: error.status };
    return {
      retry: true,
      wait: { reason, waitMs: Math.min(waitMs, limits.requestTimeoutMs), retry },
    };
  }
  if (!limits.idempotent) return { retry: false };
  const detail = connectionLoss(error);
  if (detail === undefined) return { retry: false };
  if (detail === "connection refused" && limits.serverAnswered?.() !== true)
    return { retry: false };
  const waitMs = CONNECTION_BACKOFF_MS[state.connectionLosses] ?? CONNECTION_BACKOFF_CAP_MS;
  if (now + waitMs - state.startedAt > limits.requestTimeoutMs) return { retry: false };
  return { retry: true, wait: { reason: { kind: "connection", detail }, waitMs, retry } };
}

/** What the user reads while a request waits (the spinner, or one line on stderr). */
export function describeWait(wait: RetryWait): string {
  const after =
    wait.waitMs === 0
      ? "retrying now"
      : wait.waitMs < 1000
        ? `retrying in ${wait.waitMs}ms`
        : `retrying in ${Math.round(wait.waitMs / 100) / 10}s`;
  switch (wait.reason.kind) {
    case "throttled":
      return `waiting: the API server is throttling requests (${wait.reason.status}), ${after}`;
    case "unavailable":
      return `waiting: the API server is unavailable (${wait.reason.status}), ${after}`;
    case "connection":
      return `waiting: lost the connection to the API server (${wait.reason.detail}), ${after}`;
  }
}

/** What the final error adds when the retries ran out: why the request kept failing. */
export function describeGivingUp(reason: WaitReason, retries: number): string {
  const times = `${retries} ${retries === 1 ? "retry" : "retries"}`;
  switch (reason.kind) {
    case "throttled":
      return `the API server kept throttling requests (${reason.status} Too Many Requests); gave up after ${times}`;
    case "unavailable":
      return `the API server stayed unavailable (${reason.status}); gave up after ${times}`;
    case "connection":
      // No count: pods whose tunnels failed alike get one line, however many tries each made.
      return "still unreachable after retrying";
  }
}

/** The retries ran out: `cause` is the last failure, `reason` why the request kept being retried. */
export class RetriesExhausted extends Error {
  override readonly cause: unknown;
  readonly reason: WaitReason;
  readonly retries: number;
  constructor(cause: unknown, reason: WaitReason, retries: number) {
    super(describeGivingUp(reason, retries));
    this.cause = cause;
    this.reason = reason;
    this.retries = retries;
  }
}

export interface RetryHooks {
  /** Told before each wait (the spinner, a line on stderr). */
  onWait?: (wait: RetryWait) => void;
  /**
   * Renews an exec plugin's credential after a 401 of an attempt that started at `since`, unless
   * it was renewed after that (many requests in flight meet the same expired token); the request
   * is then sent once more (tokens of EKS and GKE expire mid-run; client-go's exec authenticator
   * refreshes on 401).
   */
  renewCredential?: (since: number) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

/** Runs `attempt` until it succeeds or nextRetry says stop; its last failure is thrown. */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  limits: RetryLimits,
  hooks: RetryHooks = {},
): Promise<T> {
  const now = hooks.now ?? Date.now;
  const sleep = hooks.sleep ?? sleepFor;
  const state: RetryState = { retries: 0, startedAt: now(), connectionLosses: 0 };
  let renewed = false;
  let last: WaitReason | undefined;
  for (;;) {
    const attemptStarted = now();
    try {
      return await attempt();
    } catch (error) {
      if (
        error instanceof HttpStatusError &&
        error.status === 401 &&
        hooks.renewCredential !== undefined &&
        !renewed
      ) {
        renewed = true;
        hooks.renewCredential(attemptStarted);
        continue;
      }
      const decision = nextRetry(error, state, limits, now());
      if (!decision.retry) {
        if (last !== undefined && (state.retries >= MAX_RETRIES || sameKind(error, last)))
          throw new RetriesExhausted(error, last, state.retries);
        throw error;
      }
      const { wait } = decision;
      hooks.onWait?.(wait);
      await sleep(wait.waitMs);
      state.retries = wait.retry;
      state.connectionLosses = wait.reason.kind === "connection" ? state.connectionLosses + 1 : 0;
      last = wait.reason;
    }
  }
}

/** Whether the final failure is more of what was being waited out (then the error says so). */
function sameKind(error: unknown, reason: WaitReason): boolean {
  if (reason.kind === "connection") return connectionLoss(error) !== undefined;
  return error instanceof HttpStatusError && error.status === reason.status;
}
