import { describe, expect, it } from "vitest";
import {
  matchesSelector,
  parseLabelSelector,
  SelectorError,
} from "../../src/shared/label-selector.js";

describe("label selectors match as the API server's", () => {
  const labels = {
    app: "web",
    tier: "front",
    empty: "",
    replicas: "3",
    "linkerd.io/control-plane-ns": "linkerd",
  };
  it.each([
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app = web", true],
    ["app!=web", false],
    ["app!=api", true],
    ["missing!=x", true],
    ["app in (web, api)", true],
    ["app in (api)", false],
    ["missing in (web)", false],
    ["app notin (web)", false],
    ["missing notin (web)", true],
    ["linkerd.io/control-plane-ns", true],
    ["!linkerd.io/control-plane-ns", false],
    ["!missing", true],
    ["empty=", true],
    ["app in (web,)", true],
    ["replicas>2", true],
    ["replicas<3", false],
    ["app>1", false],
    ["app=web,tier=back", false],
    ["app in (web),tier", true],
  ])("%j matches: %s", (selector, expected) => {
    expect(matchesSelector(parseLabelSelector(selector), labels)).toBe(expected);
  });
});

describe("invalid label selectors say what is wrong", () => {
  it.each([
    ["app in (", "found '', expected: ',' or ')'"],
    ["app in ()", "for 'in' the set of values cannot be empty"],
    ["app in web", "found 'web', expected: '('"],
    ["a b=c", "found 'b', expected: '=', '!=', '==', 'in', 'notin', '<' or '>'"],
    ["app=web tier=x", "found 'tier', expected: ',' or end of selector"],
    ["=web", "found '=', expected: '!' or label key"],
    ["app=", undefined],
    ["-app=web", 'invalid label key "-app"'],
    [
      "Example.com/app=web",
      'invalid label key "Example.com/app": the prefix must be a DNS subdomain',
    ],
    [`${"a".repeat(64)}=x`, "must be 63 characters or less"],
    ["app=we b", "found 'b', expected: ',' or end of selector"],
    ["app=-web", 'invalid label value "-web"'],
    ["replicas>three", `for '<' and '>' the value must be an integer, not "three"`],
  ])("%j", (selector, message) => {
    if (message === undefined) {
      expect(() => parseLabelSelector(selector)).not.toThrow();
      return;
    }
    expect(() => parseLabelSelector(selector)).toThrow(SelectorError);
    expect(() => parseLabelSelector(selector)).toThrow(message);
  });
});
