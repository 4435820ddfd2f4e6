/**
 * Faults the simulated API server can be told to inject, per path prefix (tests, `demo --fault`):
 * what real API servers do to clients (API Priority and Fairness' 429s, a roll-out's 503s, a paged
 * LIST's continue token expired by an etcd compaction, a dropped connection, a restart, a
 * short-lived exec token that expires).
 */
export type Fault =
  | { kind: "status"; status: 401 | 403 | 404 | 500 }
  /** 429 Too Many Requests or 503 Service Unavailable, with `Retry-After` (seconds). */
  | { kind: "retry-after"; status: 429 | 503; seconds: number }
  | { kind: "delay"; ms: number }
  /** The connection is closed without an answer (a reset). */
  | { kind: "drop" }
  /** A LIST page asked with `continue` answers 410 Gone, reason Expired. */
  | { kind: "expire-continue" }
  /** Every connection is closed and the server is away for `ms`, then listens again. */
  | { kind: "restart"; ms: number }
  /** The bearer token of the request is no longer accepted (401); a new one from the plugin is. */
  | { kind: "expire-token" };

export interface FaultRule {
  /** A request path prefix, e.g. `/api/v1/namespaces/linkerd/secrets`. */
  pathPrefix: string;
  fault: Fault;
  /** Matching requests let through before the fault starts (default 0). */
  after?: number;
  /** Matching requests the fault applies to, then it is spent (default: every one). */
  times?: number;
}

const SYNTAX =
  "a fault is PATH=SPEC[,after=N][,times=N]; SPEC: 401, 403, 404, 500, 429, 503 (with ,retry-after=S), slow:MS, drop, expire-continue, restart:MS or expire-token";

/** Parses the `demo --fault` syntax, e.g. `/api=429,times=3` or `/api/v1/pods=drop,after=1,times=1`. */
export function parseFaultRule(text: string): FaultRule {
  const at = text.lastIndexOf("=", text.includes(",") ? text.indexOf(",") : text.length);
  if (at <= 0) throw new Error(`${SYNTAX}; got "${text}"`);
  const pathPrefix = text.slice(0, at);
  const [spec = "", ...options] = text.slice(at + 1).split(",");
  const settings = new Map<string, number>();
  for (const option of options) {
    const match = /^(after|times|retry-after)=(\d+)$/.exec(option);
    if (!match)
      throw new Error(`unknown fault option "${option}": use after=N, times=N or retry-after=S`);
    settings.set(match[1] as string, Number(match[2]));
  }
  const fault = parseFault(spec, settings.get("retry-after") ?? 1);
  return {
    pathPrefix,
    fault,
    ...(settings.has("after") ? { after: settings.get("after") as number } : {}),
    ...(settings.has("times") ? { times: settings.get("times") as number } : {}),
  };
}

function parseFault(spec: string, retryAfterSeconds: number): Fault {
  if (spec === "drop" || spec === "expire-continue" || spec === "expire-token")
    return { kind: spec };
  const slow = /^slow:(\d+)$/.exec(spec);
  if (slow) return { kind: "delay", ms: Number(slow[1]) };
  const restart = /^restart:(\d+)$/.exec(spec);
  if (restart) return { kind: "restart", ms: Number(restart[1]) };
  const status = Number(spec);
  if (status === 429 || status === 503)
    return { kind: "retry-after", status, seconds: retryAfterSeconds };
  if (status === 401 || status === 403 || status === 404 || status === 500)
    return { kind: "status", status };
  throw new Error(`unknown fault "${spec}": ${SYNTAX}`);
}

/** What a request is, as far as faults care. */
export interface FaultRequest {
  path: string;
  /** The LIST asks for the next page (`continue` is set). */
  continues: boolean;
}

export class FaultInjector {
  private rules: { rule: FaultRule; seen: number }[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ rule, seen: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The faults that fire on this request, in the order added; each matching rule counts it. */
  match(request: FaultRequest | string): Fault[] {
    const { path, continues } =
      typeof request === "string" ? { path: request, continues: false } : request;
    const firing: Fault[] = [];
    for (const entry of this.rules) {
      const { rule } = entry;
      if (!path.startsWith(rule.pathPrefix)) continue;
      if (rule.fault.kind === "expire-continue" && !continues) continue;
      entry.seen += 1;
      const after = rule.after ?? 0;
      if (entry.seen <= after) continue;
      if (rule.times !== undefined && entry.seen > after + rule.times) continue;
      firing.push(rule.fault);
    }
    return firing;
  }
}
