// A Prometheus text-format parser that reads line by line and keeps only the families asked for.
// It accepts both parts of a linkerd2-proxy /metrics answer: the legacy hand-written families and
// the OpenMetrics-style registry part (`# UNIT`, float gauges, `# EOF`) (linkerd-facts.md 4.2).
import type { ProxyIdentityMetrics } from "./types.js";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses one sample line (`name{a="b"} 1.5 [timestamp]`); undefined for comments, blanks and junk. */
export function parseSampleLine(line: string): Sample | undefined {
  if (line === "" || line.startsWith("#")) return undefined;
  const nameEnd = line.search(/[{\s]/);
  if (nameEnd <= 0) return undefined;
  const name = line.slice(0, nameEnd);
  const labels: Record<string, string> = {};
  let at = nameEnd;
  if (line[at] === "{") {
    at += 1;
    while (at < line.length && line[at] !== "}") {
      const eq = line.indexOf("=", at);
      if (eq < 0 || line[eq + 1] !== '"') return undefined;
      const key = line.slice(at, eq).trim();
      let value = "";
      let i = eq + 2;
      for (; i < line.length && line[i] !== '"'; i += 1) {
        if (line[i] === "\\") {
          const next = line[i + 1];
          value += next === "n" ? "\n" : (next ?? "");
          i += 1;
        } else {
          value += line[i];
        }
      }
      if (i >= line.length) return undefined;
      labels[key] = value;
      at = i + 1;
      if (line[at] === ",") at += 1;
    }
    if (line[at] !== "}") return undefined;
    at += 1;
  }
  const [valueText] = line.slice(at).trim().split(/\s+/);
  if (valueText === undefined || valueText === "") return undefined;
  const value =
    valueText === "+Inf"
      ? Number.POSITIVE_INFINITY
      : valueText === "-Inf"
        ? Number.NEGATIVE_INFINITY
        : Number(valueText);
  if (Number.isNaN(value) && valueText !== "NaN") return undefined;
  return { name, labels, value };
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Feeds text chunks, keeps samples whose name passes `keep`, never holds more than one line of text. */
export class MetricsCollector {
  private rest = "";
  readonly samples: Sample[] = [];
  private readonly keep: (name: string) => boolean;

  constructor(keep: (name: string) => boolean) {
    this.keep = keep;
  }

  push(chunk: string): void {
    const text = this.rest + chunk;
    const lines = text.split("\n");
    this.rest = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  end(): Sample[] {
    if (this.rest !== "") this.line(this.rest);
    this.rest = "";
    return this.samples;
  }

  private line(raw: string): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    // Cheap prefix test before parsing: most lines of a proxy's metrics are not wanted.
    const nameEnd = line.search(/[{\s]/);
    if (nameEnd <= 0 || line.startsWith("#") || !this.keep(line.slice(0, nameEnd))) return;
    const sample = parseSampleLine(line);
    if (sample !== undefined) this.samples.push(sample);
  }
}

/**
 * The proxy's own view of its certificate. Three generations of names (linkerd-facts.md 4.3):
 * `control_identity_cert_*` (proxy v2.227+), `identity_cert_*_timestamp_seconds` (v2.220), and
 * `identity_cert_expiration_timestamp_seconds` + `identity_cert_refresh_count` (before v2.220).
 */
export const IDENTITY_EXPIRY_METRICS = [
  "control_identity_cert_expiration_timestamp_seconds",
  "identity_cert_expiration_timestamp_seconds",
] as const;

export function identityMetricsOf(samples: Sample[]): ProxyIdentityMetrics {
  const expiry = samples.find((s) =>
    (IDENTITY_EXPIRY_METRICS as readonly string[]).includes(s.name),
  );
  const errors = samples
    .filter(
      (s) =>
        (s.name === "control_identity_cert_refreshes_total" ||
          s.name === "identity_cert_refreshes_total") &&
        s.labels.result === "error",
    )
    .reduce((total, s) => total + s.value, 0);
  return {
    expiresAt: expiry === undefined ? undefined : new Date(expiry.value * 1000),
    refreshErrors: errors,
  };
}

export const isIdentityMetric = (name: string): boolean =>
  name.startsWith("control_identity_cert_") || name.startsWith("identity_cert_");

/**
 * Keeps only the samples of a few families from a /metrics body, reading bytes: it jumps from one
 * line of a wanted family to the next (Buffer.indexOf) and decodes only those lines, so the rest of
 * a proxy's body is never turned into strings: line-by-line reading of the decoded text cost
 * edges several times the CPU of fetching the bodies (docs/performance.md). Only the first line is
 * checked for being Prometheus text (an HTML error page, say).
 */
export class FamilyScanner {
  private rest: Buffer = Buffer.alloc(0);
  private readonly needles: Buffer[];
  private readonly families: readonly string[];
  private checkedFirstLine = false;
  readonly samples: Sample[] = [];
  /** The first line, when it is not Prometheus text. */
  malformed: string | undefined;

  constructor(families: readonly string[]) {
    this.families = families;
    this.needles = families.map((name) => Buffer.from(`\n${name}`));
  }

  push(chunk: Buffer): void {
    const bytes = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const end = bytes.lastIndexOf(0x0a);
    if (end < 0) {
      this.rest = bytes;
      return;
    }
    this.scan(bytes, end);
    this.rest = bytes.subarray(end + 1);
  }

  end(): Sample[] {
    if (this.rest.length > 0) {
      const last = Buffer.concat([this.rest, Buffer.from("\n")]);
      this.rest = Buffer.alloc(0);
      this.scan(last, last.length - 1);
    }
    return this.samples;
  }

  /** The lines of `bytes` up to `end` (a line break), with a line break assumed before them. */
  private scan(bytes: Buffer, end: number): void {
    if (!this.checkedFirstLine) {
      this.checkedFirstLine = true;
      const first = bytes.toString("utf8", 0, bytes.indexOf(0x0a)).trim();
      const name = first.split(/[{\s]/)[0] ?? "";
      if (first !== "" && !first.startsWith("#") && !METRIC_NAME.test(name))
        this.malformed = first.slice(0, 80);
    }
    for (const [i, needle] of this.needles.entries()) {
      const family = this.families[i] as string;
      // A wanted line at the very start, then every one after a line break.
      let at = bytes.subarray(0, family.length).toString() === family ? 0 : -1;
      if (at < 0) {
        const found = bytes.indexOf(needle);
        at = found < 0 || found >= end ? -1 : found + 1;
      }
      while (at >= 0 && at < end) {
        const lineEnd = bytes.indexOf(0x0a, at);
        const after = bytes[at + family.length];
        // The family itself, not a longer name that starts with it.
        if (after === 0x7b || after === 0x20) {
          const line = bytes.toString("utf8", at, lineEnd).replace(/\r$/, "");
          const sample = parseSampleLine(line);
          if (sample !== undefined) this.samples.push(sample);
        }
        const next = bytes.indexOf(needle, lineEnd);
        at = next < 0 || next >= end ? -1 : next + 1;
      }
    }
  }
}
