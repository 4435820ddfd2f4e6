// What `meshlens exporter` serves: the last complete refresh of the expiry timeline and the checks
// of `check --proxy`, and how refreshing has gone. Types only.
import type { ExpiryReport } from "../expiry/types.js";

/** One complete refresh: what the scrapes are answered from until the next one. */
export interface Snapshot {
  /** Every check of `check --proxy` that ran (skipped ones are left out): passed or not. */
  checks: Array<{ id: string; success: boolean }>;
  timeline: ExpiryReport;
  finishedAt: Date;
  durationSeconds: number;
  /** Permissions RBAC denied this refresh (kubectl's words): what needed them is left out. */
  skipped: string[];
}

/** Why a refresh failed, as `meshlens_refresh_errors_total{reason}` counts it: a bounded set. */
export type RefreshFailure =
  | "unreachable"
  | "unauthorized"
  | "forbidden"
  | "timeout"
  | "prometheus"
  | "other";
