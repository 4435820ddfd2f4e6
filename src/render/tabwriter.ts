// Linkerd's tables (Go's text/tabwriter, padding 3) drawn with cli-table3: no borders, no cell
// padding, each column 3 wider than its widest cell (the last one not), so cells line up as
// Linkerd's do and rows end in the last column's padding.
import Table from "cli-table3";

const NO_BORDER = Object.fromEntries(
  [
    "top",
    "top-mid",
    "top-left",
    "top-right",
    "bottom",
    "bottom-mid",
    "bottom-left",
    "bottom-right",
    "left",
    "left-mid",
    "mid",
    "mid-mid",
    "right",
    "right-mid",
    "middle",
  ].map((name) => [name, ""]),
);

/**
 * `rows` are the printed cells; `widthOf` their plain text (the cells may carry colour), as
 * measured for the column widths. Returns the table with a trailing newline.
 */
export function tabwriterTable(head: string[], rows: string[][], plain: string[][] = rows): string {
  const widths = head.map((title, column) =>
    Math.max([...title].length, ...plain.map((row) => [...(row[column] ?? "")].length)),
  );
  const table = new Table({
    head,
    chars: NO_BORDER,
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0, compact: true },
    colWidths: widths.map((width, column) => (column < widths.length - 1 ? width + 3 : width)),
  });
  for (const row of rows) table.push(row);
  return `${table.toString()}\n`;
}
