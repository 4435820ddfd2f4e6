// `meshlens expiry`: pure renderers for the timeline: the headline, the table (soonest first), the
// short form (only what needs attention) and one JSON document with numbers a script can use.

import { forbiddenNeeds } from "../errors.js";
import type { ExpiryReport, ExpiryStatus, TimelineRow } from "../expiry/types.js";
import { rfc3339 } from "../shared/time.js";
import { escapeControl } from "./escape.js";
import { tabwriterTable } from "./tabwriter.js";
import { plainTheme, type Theme } from "./theme.js";

/** `29d3h`, `5h12m`, `12m30s`. */
export function compactDuration(seconds: number): string {
  const abs = Math.abs(seconds);
  const days = Math.floor(abs / 86_400);
  const hours = Math.floor((abs % 86_400) / 3600);
  const minutes = Math.floor((abs % 3600) / 60);
  if (days > 0) return hours > 0 ? `${days}d${hours}h` : `${days}d`;
  if (hours > 0) return `${hours}h${minutes}m`;
  return `${minutes}m${Math.floor(abs % 60)}s`;
}

const timeLeft = (seconds: number) =>
  seconds < 0 ? `expired ${compactDuration(seconds)} ago` : compactDuration(seconds);
const inTime = (seconds: number) =>
  seconds < 0 ? `expired ${compactDuration(seconds)} ago` : `in ${compactDuration(seconds)}`;
const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

function symbol(status: ExpiryStatus, theme: Theme): string {
  if (status === "ok") return theme.ok("√");
  return status === "expiring" ? theme.warn("‼") : theme.fail("×");
}

/** The row's subject in words: the certificate's CN, or the namespace's leaves. */
function named(row: TimelineRow): string {
  if (row.kind === "leaves") return `a leaf in namespace ${row.namespace}`;
  const { layer, component, commonName } = row.certificate;
  return `${component ? `${layer} ${component}` : layer} ${commonName || row.certificate.subject}`;
}

function what(row: TimelineRow): string {
  if (row.kind === "leaves")
    return `namespace ${row.namespace}: ${row.count} ${row.count === 1 ? "proxy" : "proxies"}, ${row.pastRenewal} past renewal`;
  const { component, source } = row.certificate;
  const where = `${source.kind} ${source.namespace}/${source.name} ${source.key}`;
  return component ? `${component} (${where})` : where;
}

function subject(row: TimelineRow, now: Date): string {
  if (row.kind === "certificate") return row.certificate.commonName || row.certificate.subject;
  const left = (date: Date) => timeLeft(Math.floor((date.getTime() - now.getTime()) / 1000));
  return `median ${left(row.medianNotAfter)}, latest ${left(row.latestNotAfter)}`;
}

export function headline(report: ExpiryReport): string {
  const next = report.next;
  if (next === undefined) return "next to expire: nothing was found to expire\n";
  return `next to expire: ${escapeControl(named(next))} ${inTime(next.secondsLeft)} (${rfc3339(next.notAfter)})\n`;
}

function notes(report: ExpiryReport, theme: Theme): string {
  const leaves =
    report.leafSource === "none"
      ? "leaves: not read (--no-verify-leaves)"
      : report.leafSource === "live"
        ? "leaves: as each proxy serves them"
        : "leaves: from Prometheus (their start estimated from identity.issuer.issuanceLifetime)";
  return `\n${leaves}\n${report.unread
    .map(
      (permission) => `${theme.warn("-")} skipped: ${escapeControl(forbiddenNeeds(permission))}\n`,
    )
    .join("")}`;
}

export function renderExpiryTable(report: ExpiryReport, theme: Theme): string {
  const head = ["LAYER", "WHAT", "SUBJECT", "NOT AFTER", "TIME LEFT", "USED", "STATUS"];
  const cells = (row: TimelineRow, status: string) => [
    row.kind === "leaves" ? "leaves" : row.certificate.layer,
    escapeControl(what(row)),
    escapeControl(subject(row, report.now)),
    rfc3339(row.notAfter),
    timeLeft(row.secondsLeft),
    percent(row.lifetimeUsed),
    `${status}${row.kind === "certificate" && row.superseded ? " superseded" : ""}`,
  ];
  const plain = report.rows.map((row) => cells(row, symbol(row.status, plainTheme)));
  const shown = report.rows.map((row) => cells(row, symbol(row.status, theme)));
  const table = report.rows.length === 0 ? "" : tabwriterTable(head, shown, plain);
  return `${headline(report)}\n${table}${notes(report, theme)}`;
}

/** The headline, then a line for each row that is not √. */
export function renderExpiryShort(report: ExpiryReport, theme: Theme): string {
  const lines = report.rows
    .filter((row) => row.status !== "ok")
    .map(
      (row) =>
        `${symbol(row.status, theme)} ${escapeControl(named(row))}: ${timeLeft(row.secondsLeft)} (${rfc3339(row.notAfter)}), ${percent(row.lifetimeUsed)} of its lifetime used${row.kind === "certificate" && row.superseded ? ", superseded" : ""}\n`,
    );
  return `${headline(report)}${lines.join("")}`;
}

const time = (date: Date) => ({ at: rfc3339(date), epoch: Math.floor(date.getTime() / 1000) });

export function renderExpiryJson(report: ExpiryReport): string {
  const timing = (row: TimelineRow) => ({
    notBefore: rfc3339(row.notBefore),
    notBeforeEpoch: Math.floor(row.notBefore.getTime() / 1000),
    notAfter: rfc3339(row.notAfter),
    notAfterEpoch: Math.floor(row.notAfter.getTime() / 1000),
    secondsLeft: row.secondsLeft,
    lifetimeUsed: Number(row.lifetimeUsed.toFixed(4)),
    status: row.status,
  });
  const document = {
    now: rfc3339(report.now),
    nowEpoch: Math.floor(report.now.getTime() / 1000),
    next:
      report.next === undefined
        ? null
        : {
            what: named(report.next),
            ...time(report.next.notAfter),
            secondsLeft: report.next.secondsLeft,
          },
    certificates: report.rows.flatMap((row) =>
      row.kind === "certificate"
        ? [
            {
              layer: row.certificate.layer,
              component: row.certificate.component ?? null,
              source: row.certificate.source,
              subject: row.certificate.subject,
              commonName: row.certificate.commonName,
              fingerprintSha256: row.certificate.fingerprintSha256,
              ...timing(row),
              superseded: row.superseded,
            },
          ]
        : [],
    ),
    leaves: report.rows.flatMap((row) =>
      row.kind === "leaves"
        ? [
            {
              namespace: row.namespace,
              count: row.count,
              pastRenewal: row.pastRenewal,
              ...timing(row),
              median: time(row.medianNotAfter),
              latest: time(row.latestNotAfter),
            },
          ]
        : [],
    ),
    leafSource: report.leafSource,
    leafStartEstimated: report.leafStartEstimated,
    skipped: report.unread.map((permission) => ({ reason: "forbidden", permission })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
