// Go durations live in shared/ (the simulator reads them too); Prometheus durations are the CLI's.
export { parseDuration } from "../shared/go-duration.js";

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
