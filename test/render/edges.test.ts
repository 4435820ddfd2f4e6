import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import type { Edge } from "../../src/edges/types.js";
import { renderEdgesJson, renderEdgesTable } from "../../src/render/edges.js";
import { createTheme, plainTheme } from "../../src/render/theme.js";
import { readFixture } from "../fixtures.js";

// The rows behind Linkerd's goldens (viz/cmd/edges_test.go).
const edge = (src: string, dst: string, ns: string, clientId: string, serverId: string): Edge => ({
  src,
  dst,
  srcNamespace: ns,
  dstNamespace: ns,
  clientId,
  serverId,
  security: { mtls: true },
});
const goldenRows = [
  edge("vote-bot", "web", "emojivoto", "default.emojivoto", "web.emojivoto"),
  edge("web", "emoji", "emojivoto", "web.emojivoto", "emoji.emojivoto"),
  edge("web", "voting", "emojivoto", "web.emojivoto", "voting.emojivoto"),
  edge(
    "linkerd-identity",
    "linkerd-prometheus",
    "linkerd",
    "linkerd-identity.linkerd",
    "linkerd-prometheus.linkerd",
  ),
];

describe("edges renderers", () => {
  it("reproduce Linkerd's table, wide and JSON goldens byte for byte", () => {
    expect(renderEdgesTable(goldenRows, false, plainTheme)).toBe(
      readFixture("edges/edges_one_output.golden"),
    );
    expect(renderEdgesTable(goldenRows, true, plainTheme)).toBe(
      readFixture("edges/edges_wide_output.golden"),
    );
    expect(renderEdgesJson(goldenRows)).toBe(readFixture("edges/edges_one_output_json.golden"));
  });

  it("colour √ green and bold, and keep the layout measured without the escapes", () => {
    const coloured = renderEdgesTable(goldenRows, false, createTheme(1));
    expect(coloured).toContain("\u001b[32m\u001b[1m√\u001b[22m\u001b[39m      \n");
    expect(stripVTControlCharacters(coloured)).toBe(readFixture("edges/edges_one_output.golden"));
  });

  it("name the reason where there is no mTLS, also where Linkerd would print √", () => {
    const plaintext: Edge[] = [
      {
        ...edge("vote-bot", "web", "emojivoto", "default.emojivoto", ""),
        security: { mtls: false, reason: "disabled" },
      },
      {
        ...edge("ingress-nginx", "web", "ingress", "ingress-nginx.ingress", ""),
        security: { mtls: false, reason: "ingress_without_override" },
      },
    ];
    const table = renderEdgesTable(plaintext, false, plainTheme);
    expect(table.split("\n")[1]).toMatch(/ {3}Disabled {16}$/);
    expect(table).toContain("   Ingress Without Override\n");
    expect(
      JSON.parse(renderEdgesJson(plaintext)).map((r: { no_tls_reason: string }) => r.no_tls_reason),
    ).toEqual(["Disabled", "Ingress Without Override"]);
  });

  it("escape control characters from the cluster in the table", () => {
    const hostile = edge("evil\u001b[2J", "web", "emojivoto", "default.emojivoto", "web.emojivoto");
    const table = renderEdgesTable([hostile], false, plainTheme);
    expect(table).not.toContain("\u001b");
    expect(table).toContain("evil\\x1b[2J");
  });

  it("give [] for no rows in JSON", () => {
    expect(renderEdgesJson([])).toBe("[]\n");
  });
});
