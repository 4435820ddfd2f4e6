import { describe, expect, it } from "vitest";
import {
  matchesSelector,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from "../../src/sim/selectors.js";

describe("label selectors", () => {
  const labels = { app: "web", tier: "front", "linkerd.io/control-plane-ns": "linkerd" };
  it.each([
    ["app=web", true],
    ["app==web", true],
    ["app!=web", false],
    ["app in (web, api)", true],
    ["app notin (web)", false],
    ["linkerd.io/control-plane-ns", true],
    ["!linkerd.io/control-plane-ns", false],
    ["!missing", true],
    ["app=web,tier=back", false],
    ["app in (web),tier", true],
  ])("%s matches: %s", (selector, expected) => {
    expect(matchesSelector(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it("rejects an invalid key", () => {
    expect(() => parseLabelSelector("a b=c")).toThrow(SelectorError);
  });
});

describe("field selectors", () => {
  const object = {
    metadata: { name: "web-1", namespace: "emojivoto" },
    status: { phase: "Running" },
  };
  it("matches and negates", () => {
    expect(parseFieldSelector("metadata.name=web-1,status.phase=Running")(object)).toBe(true);
    expect(parseFieldSelector("status.phase!=Running")(object)).toBe(false);
  });
  it("rejects unsupported fields like the API server", () => {
    expect(() => parseFieldSelector("spec.foo=bar")).toThrow("field label not supported: spec.foo");
  });
});
