// Parsers for the flags several commands take: each checks its flag before anything talks to the
// cluster, and a bad value is a usage error (exit 2) that names the flag.
import { readFile } from "node:fs/promises";
import { usageError } from "../errors.js";
import type { PrometheusSource } from "../proxy/types.js";
import type { LeafReading } from "../rotation/types.js";
import { firstLine } from "../shared/first-line.js";
import { parseLabelSelector } from "../shared/label-selector.js";
import { parseDuration } from "./durations.js";

/** A positive Go-style duration (`5s`, `1m30s`), in milliseconds. */
export function positiveDuration(flag: string, text: string, example = "5s"): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw usageError(`invalid ${flag} "${text}": use a duration such as ${example}`);
  return ms;
}

/** How many at once: a whole number from 1 to `max`. */
export function concurrency(flag: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw usageError(`invalid ${flag} "${text}": use 1 to ${max}`);
  return n;
}

/** `--prometheus URL|viz`: an http(s) URL, or linkerd-viz's through the API server. */
export function prometheusSource(text: string, vizNamespace: string): PrometheusSource {
  if (text === "viz") return { kind: "viz", namespace: vizNamespace };
  if (!/^https?:\/\/[^/]+/.test(text))
    throw usageError(`invalid --prometheus "${text}": use an http(s) URL or "viz"`);
  return { kind: "url", url: text };
}

/**
 * How the proxies' leaves are read, from the flags rotation, expiry and the exporter share:
 * `--prometheus` (their expiry only), live over port-forwards, or not at all (undefined).
 */
export function leafReading(flags: {
  prometheus?: string;
  vizNamespace: string;
  verifyLeaves: boolean;
  proxyConcurrency: string;
  proxyTimeout: string;
}): LeafReading | undefined {
  if (flags.prometheus !== undefined) {
    if (!flags.verifyLeaves)
      throw usageError("--prometheus and --no-verify-leaves cannot be combined");
    return { kind: "prometheus", source: prometheusSource(flags.prometheus, flags.vizNamespace) };
  }
  if (!flags.verifyLeaves) return undefined;
  return {
    kind: "live",
    concurrency: concurrency("--proxy-concurrency", flags.proxyConcurrency, 512),
    timeoutMs: positiveDuration("--proxy-timeout", flags.proxyTimeout),
  };
}

/**
 * `-l/--selector`: a typo is a usage error, not a LIST the API server refuses with 400 half way
 * through a run.
 */
export function checkSelectorFlag(selector: string | undefined): void {
  if (selector === undefined) return;
  try {
    parseLabelSelector(selector);
  } catch (error) {
    throw usageError(`invalid --selector "${selector}": ${firstLine(error)}`);
  }
}

/** The text of a file a flag names; one it cannot read is a usage error naming the flag. */
export async function readInputFile(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw usageError(
      `cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}
