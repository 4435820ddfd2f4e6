// Field selectors as the API server parses them; label selectors live in src/k8s/label-selector.ts,
// which the CLI shares.

import { SelectorError } from "../shared/label-selector.js";

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth += 1;
    if (char === ")") depth -= 1;
    if (char === "," && depth === 0) {
      terms.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  terms.push(current);
  return terms.map((term) => term.trim()).filter((term) => term !== "");
}

/** Field selectors the simulator supports, as fields of the object. */
const FIELD_PATHS: Record<string, (object: KubeObjectLike) => string | undefined> = {
  "metadata.name": (object) => object.metadata?.name,
  "metadata.namespace": (object) => object.metadata?.namespace,
  "status.phase": (object) => (object.status as { phase?: string } | undefined)?.phase,
  "spec.nodeName": (object) => (object.spec as { nodeName?: string } | undefined)?.nodeName,
};

interface KubeObjectLike {
  metadata?: { name?: string; namespace?: string };
  spec?: unknown;
  status?: unknown;
}

/** Parses a field selector into a predicate; unknown fields are a 400 as on a real API server. */
export function parseFieldSelector(text: string): (object: KubeObjectLike) => boolean {
  const requirements = splitTerms(text).map((term) => {
    const match = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!match) throw new SelectorError(`invalid field selector: '${term}'`);
    const [, field = "", op, value = ""] = match;
    const read = FIELD_PATHS[field];
    if (read === undefined) {
      throw new SelectorError(`field label not supported: ${field}`);
    }
    return { read, negate: op === "!=", value };
  });
  return (object) =>
    requirements.every(({ read, negate, value }) => (read(object) === value) !== negate);
}
