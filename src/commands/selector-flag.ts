import { usageError } from "../errors.js";
import { firstLine } from "../shared/first-line.js";
import { parseLabelSelector } from "../shared/label-selector.js";

/**
 * Checks `-l/--selector` before anything talks to the cluster: a typo is a usage error (exit 2), not
 * a LIST the API server refuses with 400 half way through the checks.
 */
export function checkSelectorFlag(selector: string | undefined): void {
  if (selector === undefined) return;
  try {
    parseLabelSelector(selector);
  } catch (error) {
    throw usageError(`invalid --selector "${selector}": ${firstLine(error)}`);
  }
}
