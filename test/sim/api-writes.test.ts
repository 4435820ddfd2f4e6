import { describe, expect, it } from "vitest";
import { mergePatch } from "../../src/sim/api-writes.js";

describe("the simulator's merge patch (RFC 7386)", () => {
  it("merges maps, deletes on null, replaces lists and scalars", () => {
    expect(
      mergePatch(
        { data: { a: "1", b: "2" }, metadata: { annotations: { x: "y" } }, list: [1, 2] },
        { data: { b: null, c: "3" }, metadata: { annotations: { z: "w" } }, list: [3] },
      ),
    ).toEqual({
      data: { a: "1", c: "3" },
      metadata: { annotations: { x: "y", z: "w" } },
      list: [3],
    });
    expect(mergePatch("old", { a: 1 })).toEqual({ a: 1 });
    expect(mergePatch({ a: 1 }, "new")).toBe("new");
  });
});
