const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations as Linkerd's flags take them: `300ms`, `30s`, `5m`, `1h30m`, `5m0s`, `0`. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== trimmed) return undefined;
  return parts.reduce((total, [, n, unit]) => total + Number(n) * (UNITS[unit ?? "s"] ?? 0), 0);
}

const PROMETHEUS_UNITS: Array<[string, number]> = [
  ["y", 365 * 86_400_000],
  ["w", 7 * 86_400_000],
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];

/**
 * A Prometheus duration (`1y`, `2w`, `1h30m`, `500ms`: whole numbers, units from the largest down,
 * each at most once; prometheus/common model.ParseDuration), in milliseconds; undefined if it is not one.
 */
export function parsePrometheusDuration(text: string): number | undefined {
  const pattern = new RegExp(
    `^${PROMETHEUS_UNITS.map(([unit]) => `(?:(\\d+)${unit})?`).join("")}$`,
  );
  const match = pattern.exec(text);
  if (text === "" || match === null) return undefined;
  return PROMETHEUS_UNITS.reduce((total, [, ms], i) => total + Number(match[i + 1] ?? 0) * ms, 0);
}
