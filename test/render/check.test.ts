import { describe, expect, it } from "vitest";
import type { CheckReport, CheckResult } from "../../src/checks/types.js";
import {
  renderJson,
  renderJunit,
  renderShort,
  renderTable,
  renderTableBody,
} from "../../src/render/check.js";
import { createTheme, plainTheme } from "../../src/render/theme.js";
import { readFixture } from "../fixtures.js";

// The inputs of linkerd2 cli/cmd/check_test.go behind check_output.golden.
const results: CheckResult[] = [
  {
    id: "category/check1",
    category: "category",
    description: "check1",
    severity: "error",
    hint: "https://linkerd.io/2/checks/#hint-anchor",
    status: "success",
  },
  {
    id: "category/check2",
    category: "category",
    description: "check2",
    severity: "error",
    hint: "https://linkerd.io/2/checks/#hint-anchor",
    status: "error",
    error: "This should contain instructions for fail",
    cause: "finding",
  },
];
const report: CheckReport = {
  results,
  success: false,
  hasWarnings: false,
  hasAccessFailures: false,
  apiUnreachable: false,
};
const options = { theme: plainTheme, warningsFail: false };

describe("check renderers against Linkerd's goldens", () => {
  it("table body matches cli/cmd/testdata/check_output.golden", () => {
    expect(`${renderTableBody(results, plainTheme)}\n`).toBe(
      readFixture("check/check_output.golden"),
    );
  });

  it("table ends with Linkerd's status line", () => {
    expect(renderTable(report, options).endsWith("\n\nStatus check results are ×\n")).toBe(true);
  });

  it("json is Linkerd's check_output_json.golden plus id and severity", () => {
    const ours = JSON.parse(renderJson(report, options));
    for (const category of ours.categories) {
      for (const check of category.checks) {
        delete check.id;
        delete check.severity;
      }
    }
    expect(ours).toEqual(JSON.parse(readFixture("check/check_output_json.golden")));
  });

  it("json keeps Linkerd's key order and two-space indent", () => {
    const text = renderJson(report, options);
    expect(text).toContain(
      '{\n  "success": false,\n  "categories": [\n    {\n      "categoryName": "category",',
    );
    expect(text).toMatch(
      /"description": "check2",\n\s+"hint": "[^"]+",\n\s+"error": "[^"]+",\n\s+"result": "error"/,
    );
  });

  it("colours the symbols like fatih/color (bold green, bold red) when asked", () => {
    const coloured = renderTableBody(results, createTheme(1));
    expect(coloured).toContain("\u001b[32m\u001b[1m√\u001b[22m\u001b[39m check1");
    expect(coloured).toContain("\u001b[31m\u001b[1m×\u001b[22m\u001b[39m check2");
  });

  it("escapes control characters that came from the cluster", () => {
    const hostile: CheckResult = {
      ...results[1],
      error: "pod \u001b[2J\u001b]0;owned\u0007 broken",
    } as CheckResult;
    const text = renderTableBody([hostile], plainTheme);
    expect(text).not.toContain("\u001b");
    expect(text).toContain("pod \\x1b[2J\\x1b]0;owned\\x07 broken");
  });

  it("short shows nothing but the summary when all pass", () => {
    const healthy: CheckReport = { ...report, results: [results[0] as CheckResult], success: true };
    expect(renderShort(healthy, options)).toBe("Status check results are √\n");
  });

  it("junit escapes XML and counts failures", () => {
    const xml = renderJunit(
      {
        ...report,
        results: [
          results[0] as CheckResult,
          { ...(results[1] as CheckResult), error: 'a <b> & "c"' },
        ],
      },
      options,
    );
    expect(xml).toContain('tests="2" failures="1" skipped="0"');
    expect(xml).toContain('message="a &lt;b&gt; &amp; &quot;c&quot;"');
  });

  it("a note of a passed check shows under its √, in json and in junit's system-out", () => {
    const noted: CheckResult = {
      ...(results[0] as CheckResult),
      note: "1 pod was not asked:\n\t* ns/p: the pod is terminating",
    };
    expect(renderTableBody([noted], plainTheme)).toBe(
      "category\n--------\n√ check1\n    1 pod was not asked:\n\t* ns/p: the pod is terminating\n",
    );
    const json = JSON.parse(renderJson({ ...report, results: [noted] }, options));
    expect(json.categories[0].checks[0].note).toBe(noted.note);
    expect(renderJunit({ ...report, results: [noted] }, options)).toContain(
      "<system-out>1 pod was not asked:\n\t* ns/p: the pod is terminating</system-out>",
    );
    // -o short stays quiet about passed checks.
    expect(renderShort({ ...report, results: [noted], success: true }, options)).toBe(
      "Status check results are √\n",
    );
  });

  it("junit reports warnings as failures only under --fail-on warning", () => {
    const warned: CheckReport = {
      ...report,
      success: true,
      hasWarnings: true,
      results: [{ ...(results[1] as CheckResult), status: "warning", severity: "warning" }],
    };
    expect(renderJunit(warned, { warningsFail: false })).toContain('failures="0"');
    expect(renderJunit(warned, { warningsFail: true })).toContain('<failure type="warning"');
  });
});
