// Kubernetes label selectors, parsed and matched as the API server does
// (k8s.io/apimachinery/pkg/labels/selector.go, Lexer and Parser): `a=b`, `a==b`, `a!=b`, `a`, `!a`,
// `a in (x,y)`, `a notin (x,y)`, `a>1`, `a<1`, joined by commas. The CLI parses `-l` with it before
// it talks to the cluster, so a typo is a usage error and not a failed LIST; the simulator matches
// with it.

export type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: ">" | "<"; value: number }
  | { key: string; op: "exists" | "!exists" };

export type LabelSelector = Requirement[];

export class SelectorError extends Error {}

type Token =
  | { kind: "identifier"; text: string }
  | { kind: "symbol"; text: "!" | "!=" | "=" | "==" | ">" | "<" | "(" | ")" | "," }
  | { kind: "end" };

/** The characters that end an identifier (apimachinery isSpecialSymbol, plus whitespace). */
const SPECIAL = /[\s!=,()<>]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at] as string;
    if (/\s/.test(char)) {
      at += 1;
      continue;
    }
    const two = text.slice(at, at + 2);
    if (two === "!=" || two === "==") {
      tokens.push({ kind: "symbol", text: two });
      at += 2;
      continue;
    }
    if ("!=<>(),".includes(char)) {
      tokens.push({ kind: "symbol", text: char as "!" | "=" | ">" | "<" | "(" | ")" | "," });
      at += 1;
      continue;
    }
    let end = at;
    while (end < text.length && !SPECIAL.test(text[end] as string)) end += 1;
    tokens.push({ kind: "identifier", text: text.slice(at, end) });
    at = end;
  }
  tokens.push({ kind: "end" });
  return tokens;
}

function describe(token: Token): string {
  return token.kind === "end" ? "''" : `'${token.text}'`;
}

/** Label names and values: 63 characters at most, alphanumeric at both ends (validation.go). */
const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_RULE =
  "must be 63 characters or less, of alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character";

function checkKey(key: string): string {
  const slash = key.indexOf("/");
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    throw new SelectorError(
      `invalid label key "${key}": the prefix must be a DNS subdomain (lowercase, e.g. example.com)`,
    );
  if (name.length > 63 || !NAME.test(name))
    throw new SelectorError(`invalid label key "${key}": the name ${NAME_RULE}`);
  return key;
}

function checkValue(value: string): string {
  if (value !== "" && (value.length > 63 || !NAME.test(value)))
    throw new SelectorError(`invalid label value "${value}": it ${NAME_RULE}`);
  return value;
}

class Parser {
  private readonly tokens: Token[];
  private at = 0;

  constructor(text: string) {
    this.tokens = tokenize(text);
  }

  private peek(): Token {
    return this.tokens[this.at] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.at += 1;
    return token;
  }

  private isSymbol(token: Token, ...texts: string[]): boolean {
    return token.kind === "symbol" && texts.includes(token.text);
  }

  private expected(what: string): never {
    throw new SelectorError(`found ${describe(this.peek())}, expected: ${what}`);
  }

  private identifier(what: string): string {
    const token = this.peek();
    if (token.kind !== "identifier") this.expected(what);
    this.next();
    return token.text;
  }

  /** A label value, or "" when none is written (`tier=`, `in (a,)`). */
  private optionalValue(): string {
    const token = this.peek();
    if (token.kind !== "identifier") return "";
    this.next();
    return checkValue(token.text);
  }

  selector(): LabelSelector {
    const requirements: LabelSelector = [];
    if (this.peek().kind === "end") return requirements;
    for (;;) {
      requirements.push(this.requirement());
      if (this.peek().kind === "end") return requirements;
      if (!this.isSymbol(this.peek(), ",")) this.expected("',' or end of selector");
      this.next();
    }
  }

  private requirement(): Requirement {
    if (this.isSymbol(this.peek(), "!")) {
      this.next();
      return { key: checkKey(this.identifier("label key")), op: "!exists" };
    }
    const key = checkKey(this.identifier("'!' or label key"));
    const operator = this.peek();
    if (operator.kind === "end" || this.isSymbol(operator, ",")) return { key, op: "exists" };
    const isOperator =
      this.isSymbol(operator, "=", "==", "!=", ">", "<") ||
      (operator.kind === "identifier" && (operator.text === "in" || operator.text === "notin"));
    if (!isOperator) this.expected("'=', '!=', '==', 'in', 'notin', '<' or '>'");
    this.next();
    if (this.isSymbol(operator, "=", "==", "!=")) {
      // An empty value is allowed: `tier=` selects pods whose tier label is empty.
      const value = this.optionalValue();
      return { key, op: operator.kind === "symbol" && operator.text === "!=" ? "!=" : "=", value };
    }
    if (this.isSymbol(operator, ">", "<")) {
      const text = this.identifier("an integer");
      if (!/^-?\d+$/.test(text))
        throw new SelectorError(`for '<' and '>' the value must be an integer, not "${text}"`);
      return {
        key,
        op: operator.kind === "symbol" && operator.text === ">" ? ">" : "<",
        value: Number(text),
      };
    }
    const op = operator.kind === "identifier" && operator.text === "in" ? "in" : "notin";
    return { key, op, values: this.valueSet(op) };
  }

  private valueSet(op: string): string[] {
    if (!this.isSymbol(this.peek(), "(")) this.expected("'('");
    this.next();
    const values: string[] = [];
    for (;;) {
      values.push(this.optionalValue());
      if (!this.isSymbol(this.peek(), ",", ")")) this.expected("',' or ')'");
      if (this.isSymbol(this.next(), ")")) break;
    }
    if (values.length === 1 && values[0] === "")
      throw new SelectorError(`for '${op}' the set of values cannot be empty`);
    return values;
  }
}

/** Parses a selector; a SelectorError says what is wrong in the API server's words. */
export function parseLabelSelector(text: string): LabelSelector {
  return new Parser(text).selector();
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
    case ">":
    case "<": {
      // Labels that are not integers never match (selector.go Requirement.Matches).
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const number = Number(value);
      return requirement.op === ">" ? number > requirement.value : number < requirement.value;
    }
  }
}

export function matchesSelector(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return selector.every((requirement) =>
    matchesRequirement(requirement, labels?.[requirement.key]),
  );
}
