// Expiry thresholds (`--expiry-threshold`, `--leaf-expiry-threshold`): parsing, wording, and
// whether a certificate falls within one.
import type { CertificateInfo } from "../certs/types.js";
import { rfc3339 } from "../shared/time.js";
import type { CertificateReport, ExpiryThreshold } from "./types.js";

const DAY_MS = 86_400_000;
const UNIT_MS: Record<string, number> = { d: DAY_MS, h: 3_600_000, m: 60_000, s: 1000 };

export const DEFAULT_EXPIRY_THRESHOLD: ExpiryThreshold = {
  kind: "duration",
  ms: 60 * DAY_MS,
  text: "60 days",
};

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** Parses `60d`, `720h`, `1d12h`, `90m` or `20%`; undefined when the text is neither. */
export function parseExpiryThreshold(text: string): ExpiryThreshold | undefined {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  if (percent) {
    const value = Number(percent[1]);
    return value > 0 && value < 100
      ? { kind: "lifetime", percent: value, text: `${value}%` }
      : undefined;
  }
  const parts = [...text.trim().matchAll(/(\d+)([dhms])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.trim()) return undefined;
  const ms = parts.reduce(
    (total, [, n, unit]) => total + Number(n) * (UNIT_MS[unit ?? "s"] ?? 0),
    0,
  );
  if (ms <= 0) return undefined;
  const label =
    ms % DAY_MS === 0
      ? plural(ms / DAY_MS, "day")
      : ms % 3_600_000 === 0
        ? plural(ms / 3_600_000, "hour")
        : text.trim();
  return { kind: "duration", ms, text: label };
}

/** "60 days", or "20% of their lifetime" / "20% of its lifetime". */
export function thresholdPhrase(
  threshold: ExpiryThreshold,
  subject: "plural" | "singular",
): string {
  if (threshold.kind === "duration") return threshold.text;
  return `${threshold.text} of ${subject === "plural" ? "their" : "its"} lifetime`;
}

/** Whether a certificate valid from `notBefore` to `notAfter` is within the threshold of its end. */
export function isExpiringSoon(
  cert: { notBefore: Date; notAfter: Date },
  threshold: ExpiryThreshold,
  now: Date,
): boolean {
  const remaining = cert.notAfter.getTime() - now.getTime();
  if (threshold.kind === "duration") return remaining < threshold.ms;
  const lifetime = cert.notAfter.getTime() - cert.notBefore.getTime();
  return remaining < (lifetime * threshold.percent) / 100;
}

export function certificateReport(
  role: string,
  cert: CertificateInfo,
  now: Date,
): CertificateReport {
  return {
    role,
    subject: cert.subject,
    serial: cert.serial,
    notBefore: rfc3339(cert.notBefore),
    notAfter: rfc3339(cert.notAfter),
    secondsLeft: Math.floor((cert.notAfter.getTime() - now.getTime()) / 1000),
  };
}
