import { describe, expect, it } from "vitest";
import { ListReader } from "../../src/k8s/list-reader.js";

/** Reads `body` pushed in pieces of `size` bytes; the items parsed and the envelope. */
function read(body: string, size: number) {
  const items: unknown[] = [];
  const reader = new ListReader((json) => items.push(JSON.parse(json)));
  const bytes = Buffer.from(body, "utf8");
  for (let at = 0; at < bytes.length; at += size) reader.push(bytes.subarray(at, at + size));
  return { items, envelope: reader.end() };
}

const tricky = {
  kind: "PodList",
  apiVersion: "v1",
  metadata: { resourceVersion: "42", continue: "eyJyIjoie30ifQ==", remainingItemCount: 3 },
  items: [
    {
      metadata: { name: "a", labels: { "x/y": 'br{ace}s [in] "strings"', items: "not the list" } },
      spec: { items: [{ key: "k", path: "p" }], env: [{ value: "back\\slash\\" }] },
    },
    { metadata: { name: "ünïcødé ✓", annotations: { note: '\\"}]' } } },
    {},
  ],
};

describe("ListReader", () => {
  it("gives every item and the metadata, however the body is cut", () => {
    const body = JSON.stringify(tricky);
    for (const size of [1, 2, 3, 7, 64, body.length]) {
      const { items, envelope } = read(body, size);
      expect(items).toEqual(tricky.items);
      expect(envelope.metadata).toEqual(tricky.metadata);
    }
  });

  it("reads pretty-printed bodies and metadata after the items", () => {
    const { metadata, ...rest } = tricky;
    const body = JSON.stringify({ ...rest, metadata }, null, 2);
    const { items, envelope } = read(body, 5);
    expect(items).toEqual(tricky.items);
    expect(envelope.metadata?.continue).toBe(tricky.metadata.continue);
  });

  it("an empty list, a null list, and a list without metadata", () => {
    expect(read('{"kind":"PodList","metadata":{},"items":[]}', 4)).toEqual({
      items: [],
      envelope: { metadata: {} },
    });
    expect(read('{"kind":"PodList","items":null}', 3)).toEqual({ items: [], envelope: {} });
  });

  it("a body cut short is an error, not a shorter list", () => {
    const body = JSON.stringify(tricky);
    expect(() => read(body.slice(0, body.length - 20), 16)).toThrow(/cut short/);
  });
});
