import { describe, expect, it } from "vitest";
import { JsonPathError, parseJsonPath, renderJsonPath } from "../../src/render/jsonpath.js";

const event = {
  source: { ip: "10.42.0.1", port: 40001, metadata: { pod: "web-1", "app-name": "web" } },
  destination: { ip: "10.42.0.2", port: 8080, metadata: null },
  requestInitEvent: {
    path: "/api/list",
    headers: [
      { name: "user-agent", valueStr: "curl/8" },
      { name: "x-b3", valueStr: "\u001b[31mred" },
    ],
  },
};
const render = (template: string) => renderJsonPath(parseJsonPath(template), event);

describe("-o jsonpath in kubectl's dialect", () => {
  it("fields, text around them, and objects as indented JSON", () => {
    expect(render("{.source.ip}:{.source.port}")).toBe("10.42.0.1:40001\n");
    expect(render("src={.source.metadata.app-name}")).toBe("src=web\n");
    expect(render("{.destination}")).toBe(`${JSON.stringify(event.destination, null, 2)}\n`);
    expect(render("{$.source.metadata.pod}")).toBe("web-1\n");
  });

  it("string literals, ranges, wildcards and filters", () => {
    expect(render('{.source.ip}{"\\t"}{.destination.ip}')).toBe("10.42.0.1\t10.42.0.2\n");
    expect(render('{range .requestInitEvent.headers[*]}{.name}={.valueStr}{"\\n"}{end}')).toBe(
      "user-agent=curl/8\nx-b3=\\x1b[31mred\n\n",
    );
    expect(render("{.requestInitEvent.headers[*].name}")).toBe("user-agent x-b3\n");
    expect(render('{.requestInitEvent.headers[?(@.name=="user-agent")].valueStr}')).toBe(
      "curl/8\n",
    );
    expect(render("{range .requestInitEvent.headers[*]}[{@.name}]{end}")).toBe(
      "[user-agent][x-b3]\n",
    );
  });

  it("a missing field prints nothing, as Linkerd allows missing keys", () => {
    expect(render("<{.nothing.here}>")).toBe("<>\n");
  });

  it.each([
    ["", /empty/],
    ["  ", /empty/],
    ["{.source", /unclosed action/],
    [".source}", /unbalanced "}"/],
    ["{}", /empty action/],
    ["{source}", /unrecognized action/],
    ["{range .a[*]}{.b}", /without \{end\}/],
    ["{.a}{end}", /without \{range\}/],
    ['{"\\q"}', /invalid string/],
  ])("refuses %j", (template, message) => {
    expect(() => parseJsonPath(template)).toThrow(JsonPathError);
    expect(() => parseJsonPath(template)).toThrow(message);
  });
});
