// Renderers for `meshlens check`: pure functions from results to text. Table and short follow
// Linkerd's format byte for byte (pkg/healthcheck/healthcheck_output.go; linkerd-facts.md 1.4, 1.5).
import type { CheckReport, CheckResult } from "../checks/types.js";
import { overallSuccess } from "../checks/verdict.js";
import type { ProxyReport } from "./check-proxies.js";
import { escapeControl } from "./escape.js";
import { plainTheme, type Theme } from "./theme.js";

export const OUTPUT_FORMATS = ["table", "json", "short", "junit"] as const;
export type CheckOutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface CheckRenderOptions {
  theme: Theme;
  /** Warnings fail the run (`--fail-on warning`): the summary shows ×. */
  warningsFail: boolean;
}

const SYMBOLS = { success: "√", warning: "‼", error: "×" } as const;

function symbol(result: CheckResult, theme: Theme): string {
  switch (result.status) {
    case "success":
      return theme.ok(SYMBOLS.success);
    case "warning":
      return theme.warn(SYMBOLS.warning);
    case "error":
      return theme.fail(SYMBOLS.error);
    case "skipped":
      // Not run: RBAC forbade what it reads (Linkerd never prints a skipped check).
      return theme.warn("-");
  }
}

/** One result as Linkerd prints it; `previousCategory` decides whether a header comes first. */
export function renderResultChunk(
  result: CheckResult,
  previousCategory: string | undefined,
  theme: Theme = plainTheme,
): string {
  if (result.status === "skipped" && result.permission === undefined) return "";
  let text = "";
  if (result.category !== previousCategory) {
    if (previousCategory !== undefined) text += "\n";
    text += `${result.category}\n${"-".repeat(result.category.length)}\n`;
  }
  text += `${symbol(result, theme)} ${escapeControl(result.description)}\n`;
  if (result.error !== undefined) {
    // Multi-line errors keep their embedded "\n\t* ..." lines, as in Linkerd.
    text += `    ${escapeControl(result.error, true)}\n`;
    if (result.hint !== "") text += `    see ${result.hint} for hints\n`;
  }
  if (result.note !== undefined) text += `    ${escapeControl(result.note, true)}\n`;
  if (result.status === "skipped")
    text += `    skipped: ${escapeControl(result.skipReason ?? "")}\n`;
  return text;
}

function summary(report: CheckReport, options: CheckRenderOptions): string {
  const ok = overallSuccess(report, options.warningsFail);
  return `Status check results are ${ok ? options.theme.ok(SYMBOLS.success) : options.theme.fail(SYMBOLS.error)}\n`;
}

/** The category headers and result lines of the default output, without the summary. */
export function renderTableBody(results: CheckResult[], theme: Theme): string {
  let text = "";
  let previous: string | undefined;
  for (const result of results) {
    if (result.status === "skipped" && result.permission === undefined) continue;
    text += renderResultChunk(result, previous, theme);
    previous = result.category;
  }
  return text;
}

export function renderTableSummary(report: CheckReport, options: CheckRenderOptions): string {
  return `\n${summary(report, options)}`;
}

export function renderTable(report: CheckReport, options: CheckRenderOptions): string {
  return renderTableBody(report.results, options.theme) + renderTableSummary(report, options);
}

/** `-o short`: only warnings and errors, a header only for categories that have one. */
export function renderShort(report: CheckReport, options: CheckRenderOptions): string {
  const shown = report.results.filter(
    (r) => r.status === "warning" || r.status === "error" || r.permission !== undefined,
  );
  const body = renderTableBody(shown, options.theme);
  const trailer = !report.success || report.hasWarnings ? "\n" : "";
  return body + trailer + summary(report, options);
}

/**
 * `-o json`: Linkerd's shape ({success, categories[{categoryName, checks[{description, hint,
 * error, result}]}]}) plus a stable `id`, the severity, skipped checks and certificate details.
 */
/** One proxy's findings in `check --proxy -o json`. */
export function renderJson(
  report: CheckReport,
  options: Pick<CheckRenderOptions, "warningsFail">,
  proxies?: ProxyReport[],
): string {
  const categories: Array<{ categoryName: string; checks: unknown[] }> = [];
  for (const result of report.results) {
    let category = categories.at(-1);
    if (category?.categoryName !== result.category) {
      category = { categoryName: result.category, checks: [] };
      categories.push(category);
    }
    category.checks.push({
      description: result.description,
      ...(result.error === undefined ? {} : { hint: result.hint, error: result.error }),
      result: result.status,
      id: result.id,
      severity: result.severity,
      ...(result.skipReason === undefined ? {} : { skipReason: result.skipReason }),
      ...(result.permission === undefined ? {} : { permission: result.permission }),
      ...(result.note === undefined ? {} : { note: result.note }),
      ...(result.certificates === undefined ? {} : { certificates: result.certificates }),
    });
  }
  const document = {
    success: overallSuccess(report, options.warningsFail),
    categories,
    ...(proxies ? { proxies } : {}),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

const XML_ENTITIES: Record<string, string> = {
  "<": "&lt;",
  ">": "&gt;",
  "&": "&amp;",
  '"': "&quot;",
  "'": "&apos;",
};

/**
 * Text for XML 1.0 element content and attribute values. XML 1.0 has no way to carry most control
 * characters, not even as character references, so a file with ESC or BEL from a pod name or a
 * credential plugin's message is rejected by CI report publishers: they are written as the table
 * writes them (`\x1b`), as are unpaired surrogates and U+FFFE/U+FFFF.
 */
function xmlEscape(text: string): string {
  return escapeControl(text, true)
    .replace(
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16)}`,
    )
    .replace(/[<>&"']/g, (c) => XML_ENTITIES[c] ?? c);
}

/** An attribute value: a parser folds raw line breaks and tabs into spaces; references keep them. */
function xmlAttribute(text: string): string {
  return xmlEscape(text).replace(/[\n\t]/g, (c) => (c === "\n" ? "&#10;" : "&#9;"));
}

/** `-o junit`: one testsuite per category, one testcase per check, for CI test reports. */
export function renderJunit(
  report: CheckReport,
  options: Pick<CheckRenderOptions, "warningsFail">,
): string {
  const isFailure = (r: CheckResult) =>
    r.status === "error" || (r.status === "warning" && options.warningsFail);
  const categories = [...new Set(report.results.map((r) => r.category))];
  const count = (results: CheckResult[]) => ({
    tests: results.length,
    failures: results.filter(isFailure).length,
    skipped: results.filter((r) => r.status === "skipped").length,
  });
  const all = count(report.results);
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="meshlens check" tests="${all.tests}" failures="${all.failures}" skipped="${all.skipped}">`,
  ];
  for (const category of categories) {
    const results = report.results.filter((r) => r.category === category);
    const c = count(results);
    lines.push(
      `  <testsuite name="${xmlAttribute(category)}" tests="${c.tests}" failures="${c.failures}" skipped="${c.skipped}">`,
    );
    for (const result of results) {
      const open = `    <testcase classname="${xmlAttribute(category)}" name="${xmlAttribute(result.description)}"`;
      if (isFailure(result)) {
        const body = `${result.error ?? ""}\nsee ${result.hint} for hints`;
        lines.push(
          `${open}>`,
          `      <failure type="${result.status === "warning" ? "warning" : result.severity}" message="${xmlAttribute(result.error ?? "")}">${xmlEscape(body)}</failure>`,
          "    </testcase>",
        );
      } else if (result.status === "skipped") {
        lines.push(
          `${open}>`,
          `      <skipped message="${xmlAttribute(result.skipReason ?? "")}"/>`,
          "    </testcase>",
        );
      } else if (result.status === "warning") {
        lines.push(
          `${open}>`,
          `      <system-out>${xmlEscape(`warning: ${result.error ?? ""}`)}</system-out>`,
          "    </testcase>",
        );
      } else if (result.note !== undefined) {
        lines.push(
          `${open}>`,
          `      <system-out>${xmlEscape(result.note)}</system-out>`,
          "    </testcase>",
        );
      } else {
        lines.push(`${open}/>`);
      }
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>");
  return `${lines.join("\n")}\n`;
}
