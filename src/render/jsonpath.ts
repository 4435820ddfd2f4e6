// `-o jsonpath=TEMPLATE` in kubectl's dialect (k8s.io/client-go/util/jsonpath): literal text,
// `{EXPRESSION}` actions, `{"\n"}` string literals, `{range EXPRESSION}...{end}` loops, `$` for the
// root and `@` or a leading `.` for the current object. Each expression is evaluated by
// jsonpath-plus (Goessner's JSONPath: fields, `[n]`, slices, `[*]`, `..`, unions, `[?()]`
// filters); the template around the expressions is parsed here, because no JavaScript library
// reads kubectl's template syntax.
import { JSONPath } from "jsonpath-plus";
import { escapeControl } from "./escape.js";
import { JsonPathError } from "./jsonpath-error.js";

export { JsonPathError } from "./jsonpath-error.js";

type TemplateNode =
  | { kind: "text"; text: string }
  | { kind: "path"; path: string; fromRoot: boolean }
  | { kind: "range"; path: string; fromRoot: boolean; body: TemplateNode[] };

export type JsonPathTemplate = TemplateNode[];

/** The actions of a template, `{...}` each, with the text between them. */
function tokens(template: string): Array<{ text: string } | { action: string }> {
  const out: Array<{ text: string } | { action: string }> = [];
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf("{", at);
    const stray = template.indexOf("}", at);
    if (stray !== -1 && (open === -1 || stray < open))
      throw new JsonPathError(`unbalanced "}" at character ${stray + 1}`);
    if (open === -1) {
      out.push({ text: template.slice(at) });
      break;
    }
    if (open > at) out.push({ text: template.slice(at, open) });
    const close = closingBrace(template, open);
    if (close === -1) throw new JsonPathError(`unclosed action at character ${open + 1}`);
    out.push({ action: template.slice(open + 1, close).trim() });
    at = close + 1;
  }
  return out;
}

/** Where the action opened at `open` closes: braces inside quoted strings do not count. */
function closingBrace(template: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < template.length; i += 1) {
    const c = template[i];
    if (quote !== undefined) {
      if (c === "\\") i += 1;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "{") return -1;
    else if (c === "}") return i;
  }
  return -1;
}

/** An expression as jsonpath-plus reads it, and whether it starts from the root. */
function expression(action: string): { path: string; fromRoot: boolean } {
  if (action.startsWith("$")) return { path: action, fromRoot: true };
  if (action.startsWith("@")) return { path: `$${action.slice(1)}`, fromRoot: false };
  if (action.startsWith(".") || action.startsWith("["))
    return { path: `$${action}`, fromRoot: false };
  throw new JsonPathError(
    `unrecognized action "{${action}}": use a path such as {.source.ip}, a string such as {"\\n"}, or {range ...}{end}`,
  );
}

/** A Go string literal: "..." with Go's escapes, which JSON's are a subset of for these. */
function literal(action: string): string {
  const quoted = action.startsWith("'") ? `"${action.slice(1, -1).replace(/"/g, '\\"')}"` : action;
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw new JsonPathError(`invalid string ${action}`);
  }
}

function check(path: string): void {
  try {
    JSONPath({ path, json: {}, wrap: true });
  } catch (error) {
    throw new JsonPathError(
      `invalid expression ${path.replace(/^\$/, "")}: ${(error as Error).message}`,
    );
  }
}

/**
 * Parses a template; throws JsonPathError for one kubectl would refuse (an unclosed or stray
 * brace, a `{range}` without `{end}`) and for an empty one, which would print only blank lines.
 */
export function parseJsonPath(template: string): JsonPathTemplate {
  if (template.trim() === "") throw new JsonPathError("the template is empty");
  const stack: TemplateNode[][] = [[]];
  const ranges: Array<Extract<TemplateNode, { kind: "range" }>> = [];
  for (const token of tokens(template)) {
    const into = stack[stack.length - 1] as TemplateNode[];
    if ("text" in token) {
      into.push({ kind: "text", text: token.text });
      continue;
    }
    const action = token.action;
    if (action === "") throw new JsonPathError("an empty action {}");
    if (action === "end") {
      if (ranges.length === 0) throw new JsonPathError("{end} without {range}");
      ranges.pop();
      stack.pop();
      continue;
    }
    if (action.startsWith('"') || action.startsWith("'")) {
      into.push({ kind: "text", text: literal(action) });
      continue;
    }
    const range = /^range\s+(.+)$/.exec(action);
    const { path, fromRoot } = expression(range ? (range[1] as string).trim() : action);
    check(path);
    if (range) {
      const node: Extract<TemplateNode, { kind: "range" }> = {
        kind: "range",
        path,
        fromRoot,
        body: [],
      };
      into.push(node);
      ranges.push(node);
      stack.push(node.body);
    } else into.push({ kind: "path", path, fromRoot });
  }
  if (ranges.length > 0) throw new JsonPathError("{range} without {end}");
  return stack[0] as TemplateNode[];
}

function evaluate(path: string, json: unknown): unknown[] {
  return JSONPath({ path, json: json as object, wrap: true }) as unknown[];
}

/**
 * Objects and arrays print as indented JSON (Linkerd's tap_busy_output_jsonpath.golden), other
 * values as text; several results are joined by spaces, as client-go's PrintResults does.
 */
function print(values: unknown[]): string {
  return values
    .map((value) =>
      // JSON escapes the control characters inside its strings; its line breaks are layout.
      typeof value === "object" && value !== null
        ? JSON.stringify(value, null, 2)
        : escapeControl(String(value)),
    )
    .join(" ");
}

function execute(nodes: readonly TemplateNode[], root: unknown, current: unknown): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.text;
    else if (node.kind === "path")
      out += print(evaluate(node.path, node.fromRoot ? root : current));
    else
      for (const item of evaluate(node.path, node.fromRoot ? root : current))
        out += execute(node.body, root, item);
  }
  return out;
}

/** One object through a template, ending in a line break as Linkerd prints each event. */
export function renderJsonPath(template: JsonPathTemplate, object: unknown): string {
  return `${execute(template, object, object)}\n`;
}
