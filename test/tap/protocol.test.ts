import { describe, expect, it } from "vitest";
import { parseJsonPath, renderJsonPath } from "../../src/render/jsonpath.js";
import { renderTapJson, renderTapText, tapEventObject } from "../../src/render/tap.js";
import { decodeTapRequest, FrameReader, tapPath } from "../../src/shared/tap-protocol.js";
import { decodeTapEvent, encodeTapRequest } from "../../src/tap/protocol.js";
import { readFixture } from "../fixtures.js";
import { goldenStream as stream } from "./golden-frames.js";

function decodeAll(bytes: Buffer, pieceSize: number) {
  const reader = new FrameReader();
  const events = [];
  for (let at = 0; at < bytes.length; at += pieceSize)
    events.push(...reader.push(bytes.subarray(at, at + pieceSize)).map(decodeTapEvent));
  expect(reader.pending).toBe(0);
  return events;
}

describe("tap frames written out from the field numbers", () => {
  it("decode into Linkerd's text, wide, JSON and JSONPath goldens, however the stream is cut", () => {
    for (const pieceSize of [1, 3, 7, 64, stream.length]) {
      const events = decodeAll(stream, pieceSize);
      expect(events.map((e) => renderTapText(e, false)).join("")).toBe(
        readFixture("tap/tap_busy_output.golden"),
      );
      expect(events.map((e) => renderTapText(e, true)).join("")).toBe(
        readFixture("tap/tap_busy_output_wide.golden"),
      );
      expect(events.map(renderTapJson).join("")).toBe(
        readFixture("tap/tap_busy_output_json.golden"),
      );
      const source = parseJsonPath("{.source}");
      expect(events.map((e) => renderJsonPath(source, tapEventObject(e))).join("")).toBe(
        readFixture("tap/tap_busy_output_jsonpath.golden"),
      );
    }
    expect(decodeAll(Buffer.alloc(0), 1)).toEqual([]);
    expect(readFixture("tap/tap_empty_output.golden")).toBe("");
  });

  it("keep a frame cut short as pending bytes", () => {
    const reader = new FrameReader();
    expect(reader.push(stream.subarray(0, stream.length - 3))).toHaveLength(1);
    expect(reader.pending).toBeGreaterThan(0);
  });
});

describe("TapByResourceRequest", () => {
  it("encodes the target, the matches in Linkerd's order, maxRps, and headers only when asked", () => {
    const bytes = encodeTapRequest({
      target: { type: "deployment", name: "web", namespace: "emojivoto" },
      labelSelector: "app=web-svc",
      to: { type: "service", name: "voting-svc", namespace: "" },
      maxRps: 10,
      scheme: "",
      method: "GET",
      authority: "",
      path: "/api",
      extractHeaders: true,
    });
    const request = decodeTapRequest(bytes);
    expect(request.target?.resource).toMatchObject({
      namespace: "emojivoto",
      type: "deployment",
      name: "web",
    });
    expect(request.target?.labelSelector).toBe("app=web-svc");
    expect(request.maxRps).toBe(10);
    expect(
      request.match?.all?.matches?.map((m) => m.destinations?.resource?.name ?? m.http),
    ).toEqual(["voting-svc", { method: "GET" }, { path: "/api" }]);
    expect(request.extract?.http?.headers).toBeDefined();
    // maxRps is field 3, a float: tag 0x1d, then 10.0 little-endian.
    expect(Buffer.from(bytes).includes(Buffer.from([0x1d, 0x00, 0x00, 0x20, 0x41]))).toBe(true);
  });

  it("builds Linkerd's URL paths", () => {
    expect(tapPath({ type: "deployment", name: "web", namespace: "emojivoto" })).toBe(
      "/apis/tap.linkerd.io/v1alpha1/watch/namespaces/emojivoto/deployments/web/tap",
    );
    expect(tapPath({ type: "namespace", name: "emojivoto", namespace: "" })).toBe(
      "/apis/tap.linkerd.io/v1alpha1/watch/namespaces/emojivoto/tap",
    );
  });
});
