/**
 * Kubernetes label and field selectors, as the API server parses them
 * (k8s.io/apimachinery/pkg/labels/selector.go): `a=b`, `a==b`, `a!=b`, `a`, `!a`,
 * `a in (x,y)`, `a notin (x,y)`, joined by commas.
 */
export type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

export type Selector = Requirement[];

export class SelectorError extends Error {}

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

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new SelectorError(`invalid label key "${key}"`);
  return key;
}

export function parseLabelSelector(text: string): Selector {
  return splitTerms(text).map((term): Requirement => {
    const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (setMatch) {
      const [, key = "", op, values = ""] = setMatch;
      return {
        key: checkKey(key),
        op: op === "in" ? "in" : "notin",
        values: values.split(",").map((value) => value.trim()),
      };
    }
    const equality = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (equality) {
      const [, key = "", op, value = ""] = equality;
      return { key: checkKey(key), op: op === "!=" ? "!=" : "=", value };
    }
    if (term.startsWith("!")) return { key: checkKey(term.slice(1).trim()), op: "!exists" };
    return { key: checkKey(term), op: "exists" };
  });
}

function matchesRequirement(requirement: Requirement, value: string | undefined): boolean {
  switch (requirement.op) {
    case "=":
      return value === requirement.value;
    case "!=":
      return value !== requirement.value;
    case "in":
      return value !== undefined && requirement.values.includes(value);
    case "notin":
      return value === undefined || !requirement.values.includes(value);
    case "exists":
      return value !== undefined;
    case "!exists":
      return value === undefined;
  }
}

export function matchesSelector(
  selector: Selector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return selector.every((requirement) =>
    matchesRequirement(requirement, labels?.[requirement.key]),
  );
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
