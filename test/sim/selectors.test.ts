import { describe, expect, it } from "vitest";
import { parseFieldSelector } from "../../src/sim/selectors.js";

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
