// Keeps the JS heap of a long, allocation-heavy run under a budget. Thousands of short-lived TLS
// connections leave garbage that V8 collects late, and the OpenSSL objects behind them (certificates)
// are native memory V8 does not count, so it feels no pressure to collect them: the process grows
// by hundreds of MB it no longer uses. A full collection whenever the heap passes the budget bounds
// both (docs/performance.md).
//
// Node offers gc() only behind --expose-gc; the flag is set at run time (v8.setFlagsFromString) and
// gc() read from a fresh context, which is the one place it then appears.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Collect = () => void;

function collector(): Collect | undefined {
  const existing = (globalThis as { gc?: Collect }).gc;
  if (existing !== undefined) return existing;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as Collect;
  } catch {
    return undefined;
  }
}

export class HeapBudget {
  private readonly limitBytes: number;
  private readonly collect: Collect | undefined;

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
    this.collect = collector();
  }

  /** Collects garbage if the heap is over budget; cheap enough to call every few hundred items. */
  check(): void {
    if (this.collect !== undefined && process.memoryUsage().heapUsed > this.limitBytes)
      this.collect();
  }
}
