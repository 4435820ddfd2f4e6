import { describe, expect, it } from "vitest";
import {
  describeWait,
  HttpStatusError,
  MAX_RETRIES,
  nextRetry,
  RetriesExhausted,
  type RetryWait,
  retryAfterMs,
  withRetries,
} from "../../src/k8s/retry.js";

const limits = { requestTimeoutMs: 30_000, idempotent: true, serverAnswered: () => true };
const fresh = { retries: 0, startedAt: 0, connectionLosses: 0 };
const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), {
  code: "ECONNREFUSED",
});

/** A clock and a sleep that only moves it: the waits a run made, summed, with no real waiting. */
function fakeTime() {
  let now = 0;
  const waits: RetryWait[] = [];
  return {
    hooks: {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
      onWait: (wait: RetryWait) => waits.push(wait),
    },
    waits,
    elapsed: () => now,
  };
}

/** An attempt that fails with each of `failures` in turn, then answers "ok". */
function failing(...failures: unknown[]) {
  let calls = 0;
  const attempt = async () => {
    const failure = failures[calls];
    calls += 1;
    if (failure !== undefined) throw failure;
    return "ok";
  };
  return { attempt, calls: () => calls };
}

describe("nextRetry: client-go's rules", () => {
  it("a 429 or a 5xx with Retry-After waits that long; without it, no retry", () => {
    expect(nextRetry(new HttpStatusError(429, "", "2"), fresh, limits, 0)).toEqual({
      retry: true,
      wait: { reason: { kind: "throttled", status: 429 }, waitMs: 2000, retry: 1 },
    });
    expect(nextRetry(new HttpStatusError(503, "", "1"), fresh, limits, 0)).toMatchObject({
      wait: { reason: { kind: "unavailable", status: 503 }, waitMs: 1000 },
    });
    expect(nextRetry(new HttpStatusError(500, ""), fresh, limits, 0)).toEqual({ retry: false });
    expect(nextRetry(new HttpStatusError(404, "", "1"), fresh, limits, 0)).toEqual({
      retry: false,
    });
  });

  it("a Retry-After longer than the request timeout is capped at it", () => {
    const decision = nextRetry(new HttpStatusError(429, "", "3600"), fresh, limits, 0);
    expect(decision).toMatchObject({ wait: { waitMs: 30_000 } });
  });

  it("stops after ten retries", () => {
    const tenth = { ...fresh, retries: MAX_RETRIES };
    expect(nextRetry(new HttpStatusError(429, "", "1"), tenth, limits, 0)).toEqual({
      retry: false,
    });
  });

  it("a lost connection: at once, then backoff up to a second, while the timeout allows", () => {
    const waits = [0, 1, 2, 3, 4].map(
      (losses) =>
        (
          nextRetry(reset, { ...fresh, connectionLosses: losses }, limits, 0) as {
            wait: RetryWait;
          }
        ).wait.waitMs,
    );
    expect(waits).toEqual([0, 250, 500, 1000, 1000]);
    expect(nextRetry(refused, { ...fresh, connectionLosses: 5 }, limits, 29_500)).toEqual({
      retry: false,
    });
  });

  it("a POST is never sent again after a lost connection", () => {
    expect(nextRetry(reset, fresh, { ...limits, idempotent: false }, 0)).toEqual({
      retry: false,
    });
  });

  it("a socket hang-up (a kept-alive socket the server closed) counts as a reset", () => {
    expect(nextRetry(new Error("socket hang up"), fresh, limits, 0)).toMatchObject({
      wait: { reason: { kind: "connection", detail: "connection reset" } },
    });
  });

  it("Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterMs("3", 0)).toBe(3000);
    expect(retryAfterMs("Thu, 01 Jan 1970 00:00:05 GMT", 1000)).toBe(4000);
    expect(retryAfterMs("soon", 0)).toBeUndefined();
  });

  it("says what it waits for", () => {
    const wait = (reason: RetryWait["reason"], waitMs: number) =>
      describeWait({ reason, waitMs, retry: 1 });
    expect(wait({ kind: "throttled", status: 429 }, 1000)).toBe(
      "waiting: the API server is throttling requests (429), retrying in 1s",
    );
    expect(wait({ kind: "unavailable", status: 503 }, 2500)).toBe(
      "waiting: the API server is unavailable (503), retrying in 2.5s",
    );
    expect(wait({ kind: "connection", detail: "connection reset" }, 250)).toBe(
      "waiting: lost the connection to the API server (connection reset), retrying in 250ms",
    );
  });
});

describe("withRetries", () => {
  it("waits at least the sum of the Retry-Afters, then answers", async () => {
    const time = fakeTime();
    const { attempt, calls } = failing(
      new HttpStatusError(429, "", "1"),
      new HttpStatusError(429, "", "2"),
      new HttpStatusError(503, "", "3"),
    );
    expect(await withRetries(attempt, limits, time.hooks)).toBe("ok");
    expect(calls()).toBe(4);
    expect(time.elapsed()).toBe(6000);
    expect(time.waits.map((w) => w.reason.kind)).toEqual(["throttled", "throttled", "unavailable"]);
  });

  it("endless throttling: eleven attempts, then RetriesExhausted naming it", async () => {
    const time = fakeTime();
    const throttled = new HttpStatusError(429, "", "1");
    const { attempt, calls } = failing(...Array.from({ length: 20 }, () => throttled));
    const error = await withRetries(attempt, limits, time.hooks).catch((e: unknown) => e);
    expect(calls()).toBe(MAX_RETRIES + 1);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as Error).message).toBe(
      "the API server kept throttling requests (429 Too Many Requests); gave up after 10 retries",
    );
  });

  it("a server that stays away is given up on when the request timeout has passed", async () => {
    const time = fakeTime();
    const { attempt, calls } = failing(...Array.from({ length: 100 }, () => refused));
    const error = await withRetries(
      attempt,
      { requestTimeoutMs: 5000, idempotent: true, serverAnswered: () => true },
      time.hooks,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(time.elapsed()).toBeLessThanOrEqual(5000);
    expect(calls()).toBeGreaterThan(3);
  });

  it("a 401 renews the credential once and tries again; a second 401 is the answer", async () => {
    const time = fakeTime();
    let renewals = 0;
    const unauthorized = new HttpStatusError(401, "");
    const once = failing(unauthorized);
    const renew = { ...time.hooks, renewCredential: () => (renewals += 1) };
    expect(await withRetries(once.attempt, limits, renew)).toBe("ok");
    expect(renewals).toBe(1);
    const twice = failing(unauthorized, unauthorized);
    await expect(withRetries(twice.attempt, limits, renew)).rejects.toBe(unauthorized);
    expect(twice.calls()).toBe(2);
  });

  it("without a plugin to renew, a 401 is the answer at once", async () => {
    const unauthorized = new HttpStatusError(401, "");
    const { attempt, calls } = failing(unauthorized);
    await expect(withRetries(attempt, limits, fakeTime().hooks)).rejects.toBe(unauthorized);
    expect(calls()).toBe(1);
  });
});
