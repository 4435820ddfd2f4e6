// A Prometheus text-format parser that reads line by line and keeps only the families asked for.
// It accepts both parts of a linkerd2-proxy /metrics answer: the legacy hand-written families and
// the OpenMetrics-style registry part (`# UNIT`, float gauges, `# EOF`) (linkerd-facts.md 4.2).

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

  /** Lines that are not Prometheus text (a proxy that answered with something else). */
  malformedLines = 0;
  /** The first of them, for a message. */
  firstMalformed: string | undefined;

  private line(raw: string): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "" || line.startsWith("#")) return;
    // Cheap prefix test before parsing: most lines of a proxy's metrics are not wanted.
    const nameEnd = line.search(/[{\s]/);
    const name = nameEnd <= 0 ? "" : line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) {
      this.malformed(line);
      return;
    }
    if (!this.keep(name)) return;
    const sample = parseSampleLine(line);
    if (sample !== undefined) this.samples.push(sample);
    else this.malformed(line);
  }

  private malformed(line: string): void {
    this.malformedLines += 1;
    this.firstMalformed ??= line.slice(0, 80);
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

export interface ProxyIdentityMetrics {
  /** When the proxy says its certificate expires. */
  expiresAt: Date | undefined;
  /** Failed refreshes counted by the proxy (0 when it does not say). */
  refreshErrors: number;
}

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
