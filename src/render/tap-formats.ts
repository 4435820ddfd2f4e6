// The output formats of `meshlens tap`, and the function that prints one event in each.
import type { TapEvent } from "../tap/types.js";
import { renderTapJson, renderTapJsonLine, renderTapText, tapEventObject } from "./tap.js";

export type TapFormat =
  | { kind: "text" }
  | { kind: "wide" }
  | { kind: "json" }
  | { kind: "jsonl" }
  /** The template as given: parsed when the command runs (its library loads only then). */
  | { kind: "jsonpath"; template: string };

/**
 * The function that prints one event in `format`. A JSONPath template is parsed here (a bad one
 * throws JsonPathError), and its library loads only for it.
 */
export async function tapRenderer(format: TapFormat): Promise<(event: TapEvent) => string> {
  switch (format.kind) {
    case "text":
      return (event) => renderTapText(event, false);
    case "wide":
      return (event) => renderTapText(event, true);
    case "json":
      return renderTapJson;
    case "jsonl":
      return renderTapJsonLine;
    case "jsonpath": {
      const { parseJsonPath, renderJsonPath } = await import("./jsonpath.js");
      const template = parseJsonPath(format.template);
      return (event) => renderJsonPath(template, tapEventObject(event));
    }
  }
}
