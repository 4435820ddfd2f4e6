// `meshlens rotation`: pure renderers for where a trust-anchor rotation stands: the anchors table,
// the phase, the dangerous states with what to do, and the --ready-for answer; JSON is one document.

import { forbiddenNeeds } from "../errors.js";
import type {
  AnchorPlace,
  Danger,
  Phase,
  PodRef,
  Readiness,
  RotationReport,
} from "../rotation/types.js";
import { rfc3339 } from "../shared/time.js";
import { escapeControl } from "./escape.js";
import { formatTimeLeft } from "./identity.js";
import { tabwriterTable } from "./tabwriter.js";
import type { Theme } from "./theme.js";

const PLACE_WORDS: Record<AnchorPlace, string> = {
  "trust-roots-configmap": "ConfigMap",
  "linkerd-config": "linkerd-config",
  "issuer-secret-ca": "issuer Secret ca.crt",
  "anchors-file": "--anchors",
  proxy: "proxies only",
};

const secondsUntil = (date: Date, now: Date) => Math.round((date.getTime() - now.getTime()) / 1000);
const short = (fingerprint: string) => fingerprint.slice(0, 16);
/** `5h0m` until `date`, for "expires in ...". */
const timeUntil = (date: Date, now: Date) =>
  formatTimeLeft(secondsUntil(date, now)).replace(/ left$/, "");

/** The phase in the runbook's words (docs/rotation.md). */
export function phaseWords(phase: Phase, now: Date): string {
  switch (phase.id) {
    case "steady":
      return "steady (one anchor)";
    case "new-anchor-bundled":
      return `new anchor bundled, ${phase.workloadsToRestart} ${plural(phase.workloadsToRestart, "workload")} to restart`;
    case "bundle-everywhere":
      return "bundle on every proxy: ready to rotate the issuer";
    case "issuer-rotated":
      return phase.oldLeaves === undefined
        ? "issuer rotated (leaves not fetched: whether leaves from the old issuer remain is not known)"
        : `issuer rotated, ${phase.oldLeaves} ${plural(phase.oldLeaves, "leaf", "leaves")} still from the old issuer (last one expires in ${timeUntil(phase.lastOldLeafExpiresAt as Date, now)})`;
    case "ready-to-remove-old-anchor":
      return "ready to remove the old anchor";
    case "old-anchor-removed":
      return `old anchor removed, ${phase.workloadsToRestart} ${plural(phase.workloadsToRestart, "workload")} to restart`;
  }
}

function plural(count: number, one: string, many = `${one}s`): string {
  return count === 1 ? one : many;
}

/** Up to three pods by name, then how many more. */
function podList(pods: PodRef[]): string {
  const names = pods.slice(0, 3).map((pod) => escapeControl(`${pod.namespace}/${pod.pod}`));
  return pods.length > 3 ? `${names.join(", ")} and ${pods.length - 3} more` : names.join(", ");
}

/** A dangerous state as a × line and what to do. */
export function dangerLines(
  danger: Danger,
  now: Date,
): { line: string; hint: string; warning?: true } {
  switch (danger.kind) {
    case "issuer-anchor-missing":
      return {
        line: `the issuer's anchor is missing from ${danger.pods.length} ${plural(danger.pods.length, "proxy", "proxies")}: ${podList(danger.pods)}`,
        hint: `they reject every new leaf and keep their current one until it expires${danger.firstLeafExpiresAt ? ` (the first in ${timeUntil(danger.firstLeafExpiresAt, now)})` : ""}, then their traffic fails: restart them now so they load the current bundle`,
      };
    case "leaves-of-removed-anchor":
      return {
        line: `${danger.pods.length} live ${plural(danger.pods.length, "leaf", "leaves")} chain ${danger.anchor === undefined ? "to no anchor seen anywhere" : `only to anchor ${short(danger.anchor)}, which the bundle no longer holds`}: ${podList(danger.pods)}`,
        hint: "peers restarted with the bundle reject them (linkerd/linkerd2#4287): put the anchor back, or restart these pods so they get leaves from the current issuer",
      };
    case "started-before-bundle-change":
      return {
        line: `${danger.pods.length} control-plane ${plural(danger.pods.length, "pod")} started before the bundle changed: ${podList(danger.pods)}`,
        hint: "the control plane's proxies and the identity controller read the anchors only at start: kubectl -n linkerd rollout restart deploy",
      };
    case "linkerd-config-disagrees":
      return {
        line: `linkerd-config's identityTrustAnchorsPEM and the trust-roots ConfigMap disagree (${danger.onlyInBundle.length} only in the ConfigMap, ${danger.onlyInConfig.length} only in linkerd-config)`,
        hint: "linkerd check reads linkerd-config, proxies get the ConfigMap: apply the bundle with linkerd upgrade or helm upgrade so both carry it",
      };
    case "anchor-expired":
      return {
        line: `anchor ${short(danger.anchor)} expired on ${rfc3339(danger.notAfter)}`,
        hint: "an expired anchor in a bundle fails linkerd check (#5800): remove it once no live leaf chains to it",
      };
    case "anchor-expiring":
      return {
        line: `anchor ${short(danger.anchor)} expires on ${rfc3339(danger.notAfter)} (${formatTimeLeft(secondsUntil(danger.notAfter, now))})`,
        hint: "rotate to a new anchor before then (docs/rotation.md)",
        warning: true,
      };
  }
}

function readinessLines(step: string, readiness: Readiness, theme: Theme): string {
  switch (readiness.answer) {
    case "ready":
      return `${theme.ok("√")} ready for ${escapeControl(step)}${readiness.notes.map((note) => `\n    ${note}`).join("")}\n`;
    case "cannot-tell":
      return `${theme.fail("×")} cannot tell whether it is ready for ${escapeControl(step)}\n    ${readiness.missing}\n`;
    case "not-ready":
      return `${theme.fail("×")} not ready for ${escapeControl(step)}\n${readiness.reasons
        .map(
          (reason) =>
            `    * ${escapeControl(reason.message)}${reason.pods.length > 0 ? `: ${podList(reason.pods)}` : ""}\n`,
        )
        .join("")}`;
  }
}

export interface RotationView {
  report: RotationReport;
  now: Date;
  /** No cluster was read: the files were judged against each other. */
  offline: boolean;
  readiness?: { step: string; answer: Readiness };
}

export function renderRotationTable(view: RotationView, theme: Theme): string {
  const { report, now } = view;
  const totals = report.proxies;
  const rows = report.anchors.map((anchor) => [
    short(anchor.fingerprint),
    escapeControl(anchor.subject),
    `${rfc3339(anchor.notAfter)} (${formatTimeLeft(secondsUntil(anchor.notAfter, now))})`,
    anchor.places.map((place) => PLACE_WORDS[place]).join(", "),
    anchor.signedCurrentIssuer ? "yes" : "no",
    view.offline
      ? "-"
      : `${anchor.trustedBy.dataPlane}/${totals.dataPlane} (+${anchor.trustedBy.controlPlane}/${totals.controlPlane} control plane)`,
    anchor.leaves === undefined ? "not fetched" : `${anchor.leaves}`,
  ]);
  let text = tabwriterTable(
    ["ANCHOR", "SUBJECT", "NOT AFTER", "WHERE", "SIGNED ISSUER", "TRUSTED BY", "LIVE LEAVES"],
    rows,
  );
  text += view.offline
    ? "\nno cluster: the files were judged against each other (no proxy was asked)\n"
    : `\nphase: ${phaseWords(report.phase, now)}\n`;
  for (const danger of report.dangers) {
    const { line, hint, warning } = dangerLines(danger, now);
    text += `${warning ? theme.warn("‼") : theme.fail("×")} ${line}\n    ${hint}\n`;
  }
  for (const permission of report.unread)
    text += `${theme.warn("-")} skipped: ${escapeControl(forbiddenNeeds(permission))}\n`;
  if (view.readiness)
    text += `\n${readinessLines(view.readiness.step, view.readiness.answer, theme)}`;
  return text;
}

/** Only what needs attention: the phase, the dangerous states and the answer. */
export function renderRotationShort(view: RotationView, theme: Theme): string {
  const table = renderRotationTable(view, theme);
  return table.slice(table.indexOf("\n\n") + 2);
}

/** Stable ids and full values, whatever the outcome: one document. */
export function renderRotationJson(view: RotationView): string {
  const { report, now } = view;
  const document = {
    anchors: report.anchors.map((anchor) => ({
      fingerprintSha256: anchor.fingerprint,
      subject: anchor.subject,
      notAfter: rfc3339(anchor.notAfter),
      notAfterEpochSeconds: Math.floor(anchor.notAfter.getTime() / 1000),
      places: anchor.places,
      signedCurrentIssuer: anchor.signedCurrentIssuer,
      trustedBy: anchor.trustedBy,
      liveLeaves: anchor.leaves ?? null,
    })),
    phase: view.offline ? null : { ...report.phase, words: phaseWords(report.phase, now) },
    dangers: report.dangers.map((danger) =>
      "anchor" in danger ? { ...danger, anchor: danger.anchor ?? null } : danger,
    ),
    proxies: report.proxies,
    pods: report.pods.map((pod) => ({
      namespace: pod.namespace,
      pod: pod.pod,
      controlPlane: pod.controlPlane,
      identityController: pod.identityController,
      // null: it read the bundle before the last change, so what it loaded is not known.
      trusts: pod.trusts ?? null,
      startedBeforeBundleChange: pod.startedBeforeBundleChange,
      leafAnchor: pod.leaf?.source === "live" ? (pod.leaf.anchor ?? null) : null,
      leafIssuer: pod.leaf?.source === "live" ? (pod.leaf.issuer ?? null) : null,
      leafNotAfter: pod.leaf === undefined ? null : rfc3339(pod.leaf.notAfter),
    })),
    skipped: report.unread.map((permission) => ({ reason: "forbidden", permission })),
    leavesFetched: report.leaves === "live",
    leafSource: report.leaves,
    readiness: view.readiness ? { step: view.readiness.step, ...view.readiness.answer } : null,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
