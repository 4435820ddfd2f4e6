// The expiry timeline, computed from what was read: each certificate's and each namespace's
// leaves' time left, share of lifetime used and status against its layer's threshold, sorted by
// time left; and which rows fail the --fail-within gate.
import { isExpiringSoon } from "../checks/expiry.js";
import type { ExpiryThreshold } from "../checks/types.js";
import type {
  CertificateRow,
  ExpiryFacts,
  ExpiryReport,
  ExpiryThresholds,
  LeafSpan,
  LeavesRow,
  TimelineRow,
  Timing,
} from "./types.js";

/** A healthy proxy renews its leaf at 70% of its lifetime (linkerd2-proxy identity refresh). */
export const RENEWAL_POINT = 0.7;

export function timingOf(
  span: { notBefore: Date; notAfter: Date },
  threshold: ExpiryThreshold,
  now: Date,
): Timing {
  const lifetime = span.notAfter.getTime() - span.notBefore.getTime();
  const used = lifetime > 0 ? (now.getTime() - span.notBefore.getTime()) / lifetime : 1;
  return {
    notBefore: span.notBefore,
    notAfter: span.notAfter,
    // In whole seconds of both ends, so that it is notAfter's epoch less now's, as JSON gives them.
    secondsLeft: Math.floor(span.notAfter.getTime() / 1000) - Math.floor(now.getTime() / 1000),
    lifetimeUsed: used,
    status:
      now > span.notAfter
        ? "expired"
        : now < span.notBefore
          ? "not-yet-valid"
          : isExpiringSoon(span, threshold, now)
            ? "expiring"
            : "ok",
  };
}

function leavesRows(
  leaves: readonly LeafSpan[],
  threshold: ExpiryThreshold,
  now: Date,
): LeavesRow[] {
  const byNamespace = new Map<string, LeafSpan[]>();
  for (const leaf of leaves) {
    const known = byNamespace.get(leaf.namespace);
    if (known === undefined) byNamespace.set(leaf.namespace, [leaf]);
    else known.push(leaf);
  }
  return [...byNamespace].map(([namespace, spans]) => {
    const sorted = [...spans].sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime());
    const earliest = sorted[0] as LeafSpan;
    const used = (leaf: LeafSpan) => timingOf(leaf, threshold, now).lifetimeUsed;
    return {
      ...timingOf(earliest, threshold, now),
      namespace,
      count: sorted.length,
      medianNotAfter: (sorted[Math.floor((sorted.length - 1) / 2)] as LeafSpan).notAfter,
      latestNotAfter: (sorted.at(-1) as LeafSpan).notAfter,
      pastRenewal: sorted.filter((leaf) => used(leaf) > RENEWAL_POINT).length,
    };
  });
}

export function buildTimeline(
  facts: ExpiryFacts,
  thresholds: ExpiryThresholds,
  includeSuperseded: boolean,
): ExpiryReport {
  const { now } = facts;
  const certificates: CertificateRow[] = facts.certificates.map((certificate) => ({
    ...timingOf(certificate, thresholds[thresholdLayer(certificate.layer)], now),
    certificate,
    superseded:
      certificate.layer === "anchor" &&
      facts.anchorsInUse !== undefined &&
      !facts.anchorsInUse.has(certificate.fingerprintSha256),
  }));
  const rows: TimelineRow[] = [
    ...certificates.map((row) => ({ kind: "certificate" as const, ...row })),
    ...leavesRows(facts.leaves, thresholds.leaves, now).map((row) => ({
      kind: "leaves" as const,
      ...row,
    })),
  ].sort((a, b) => a.secondsLeft - b.secondsLeft);
  return {
    now,
    rows,
    next: rows.find((row) => counts(row, includeSuperseded)),
    leafSource: facts.leafSource,
    leafStartEstimated: facts.leafStartEstimated,
    unread: facts.unread,
  };
}

function thresholdLayer(layer: CertificateRow["certificate"]["layer"]): keyof ExpiryThresholds {
  return layer === "apiservice" ? "webhook" : layer;
}

/** Whether a row counts for the headline and the gate: a superseded anchor only when asked. */
export function counts(row: TimelineRow, includeSuperseded: boolean): boolean {
  return includeSuperseded || row.kind !== "certificate" || !row.superseded;
}

/**
 * The rows that fail the gate: expired or not yet valid, or, with --fail-within, with less time
 * (or less of their lifetime) left than it says.
 */
export function failingRows(
  report: ExpiryReport,
  failWithin: ExpiryThreshold | undefined,
  includeSuperseded: boolean,
): TimelineRow[] {
  return report.rows.filter(
    (row) =>
      counts(row, includeSuperseded) &&
      (row.status === "expired" ||
        row.status === "not-yet-valid" ||
        (failWithin !== undefined && isExpiringSoon(row, failWithin, report.now))),
  );
}
