// `meshlens identity`: pure renderers for each pod's live leaf.
import type { PodIdentityReport } from "../identity/types.js";
import { escapeControl } from "./escape.js";
import type { Theme } from "./theme.js";

/** `19h3m`, `2d4h`, `expired 1h2m ago`. */
export function formatTimeLeft(seconds: number): string {
  const abs = Math.abs(seconds);
  const days = Math.floor(abs / 86_400);
  const hours = Math.floor((abs % 86_400) / 3600);
  const minutes = Math.floor((abs % 3600) / 60);
  const text =
    days > 0
      ? `${days}d${hours}h`
      : hours > 0
        ? `${hours}h${minutes}m`
        : `${minutes}m${Math.floor(abs % 60)}s`;
  return seconds < 0 ? `expired ${text} ago` : `${text} left`;
}

function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(":");
}

export function renderIdentityText(reports: PodIdentityReport[], theme: Theme): string {
  return reports
    .map((report, i) => {
      const header = `\nPOD ${escapeControl(report.pod)} (${i + 1} of ${reports.length})\n\n`;
      if (report.result === "error")
        return `${header}${theme.fail("×")} ${escapeControl(report.error)}\n`;
      const leaf = report.leaf;
      const trust = leaf.chainsToTrustAnchors
        ? `${theme.ok("√")} chains to the current trust anchors`
        : `${theme.fail("×")} does not chain to the current trust anchors: ${escapeControl(leaf.chainError ?? "")}`;
      const rows: Array<[string, string]> = [
        ["Identity", report.identity],
        ["Subject", leaf.subject],
        ["SANs", leaf.sans.map((san) => `DNS:${san}`).join(", ") || "(none)"],
        ["Issuer", `${leaf.issuer}${leaf.issuerSerial ? ` (serial ${leaf.issuerSerial})` : ""}`],
        // As linkerd identity prints it (certinfo): decimal, then hex as openssl shows it.
        ["Serial", `${leaf.serial} (0x${BigInt(leaf.serial).toString(16)})`],
        ["SHA-256", colonHex(leaf.fingerprintSha256)],
        ["Key", leaf.keyAlgorithm],
        ["Signature", leaf.signatureAlgorithm],
        ["Not before", leaf.notBefore],
        ["Not after", `${leaf.notAfter} (${formatTimeLeft(leaf.secondsLeft)})`],
      ];
      return `${header}${rows.map(([k, v]) => `${`${k}:`.padEnd(12)}${escapeControl(v)}\n`).join("")}${"Trust:".padEnd(12)}${trust}\n`;
    })
    .join("");
}

/** The leaves alone, one PEM block each, in the order the pods were asked for. */
export function renderIdentityPem(reports: PodIdentityReport[]): string {
  return reports.map((report) => (report.result === "error" ? "" : report.leaf.pem)).join("");
}

export function renderIdentityJson(reports: PodIdentityReport[]): string {
  return `${JSON.stringify(reports, null, 2)}\n`;
}
