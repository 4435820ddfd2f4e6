/** Faults the simulated API server can be told to inject, per path prefix (tests, `demo --fault`). */
export type Fault =
  | { kind: "status"; status: 401 | 403 | 404 | 500 }
  | { kind: "delay"; ms: number }
  | { kind: "drop" };

export interface FaultRule {
  /** A request path prefix, e.g. `/api/v1/namespaces/linkerd/secrets`. */
  pathPrefix: string;
  fault: Fault;
}

/** Parses `PATH=403`, `PATH=slow:2000` or `PATH=drop` (the `demo --fault` syntax). */
export function parseFaultRule(text: string): FaultRule {
  const at = text.lastIndexOf("=");
  if (at <= 0) throw new Error(`a fault is PATH=STATUS, PATH=slow:MS or PATH=drop, got "${text}"`);
  const pathPrefix = text.slice(0, at);
  const spec = text.slice(at + 1);
  if (spec === "drop") return { pathPrefix, fault: { kind: "drop" } };
  const slow = /^slow:(\d+)$/.exec(spec);
  if (slow) return { pathPrefix, fault: { kind: "delay", ms: Number(slow[1]) } };
  const status = Number(spec);
  if (status === 401 || status === 403 || status === 404 || status === 500) {
    return { pathPrefix, fault: { kind: "status", status } };
  }
  throw new Error(`unknown fault "${spec}": use 401, 403, 404, 500, slow:MS or drop`);
}

export class FaultInjector {
  private rules: FaultRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push(rule);
  }

  clear(): void {
    this.rules = [];
  }

  /** Every rule whose prefix matches, in the order added. */
  match(path: string): Fault[] {
    return this.rules.filter((rule) => path.startsWith(rule.pathPrefix)).map((rule) => rule.fault);
  }
}
