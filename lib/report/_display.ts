/** Objects that Deno's Jupyter kernel displays (via `Symbol.for("Jupyter.display")`). */

/** A value the Deno kernel renders as rich output. */
export interface Displayable {
  [key: symbol]: () => Record<string, string>;
}

const DISPLAY = Symbol.for("Jupyter.display");

/** Wrap MIME bundles (e.g. `{"text/html": ..., "text/plain": ...}`) for display. */
export function displayable(bundle: Record<string, string>): Displayable {
  return { [DISPLAY]: () => bundle };
}

const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
    '"',
    "&quot;",
  );

/** Format a cell: numbers with up to `digits` decimals, null as an en dash. */
export function formatCell(value: unknown, digits = 2): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return "–";
    return Number.isInteger(value) ? String(value) : value.toFixed(digits);
  }
  return String(value);
}

/** An HTML table of row objects (columns from the first row unless given). */
export function htmlTable(
  rows: readonly object[],
  options: { columns?: string[]; digits?: number } = {},
): string {
  const columns = options.columns ?? Object.keys(rows[0] ?? {});
  const cell = (r: object, c: string) => (r as Record<string, unknown>)[c];
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = rows.map((r) =>
    `<tr>${
      columns.map((c) => `<td>${escapeHtml(formatCell(cell(r, c), options.digits))}</td>`).join("")
    }</tr>`
  ).join("\n");
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** A plain-text table (fixed-width columns) of row objects. */
export function textTable(
  rows: readonly object[],
  options: { columns?: string[]; digits?: number } = {},
): string {
  const columns = options.columns ?? Object.keys(rows[0] ?? {});
  const cell = (r: object, c: string) => (r as Record<string, unknown>)[c];
  const cells = rows.map((r) => columns.map((c) => formatCell(cell(r, c), options.digits)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

/** Rows displayed as an HTML table in Jupyter (plain text elsewhere). */
export function tableDisplay(
  rows: readonly object[],
  options: { columns?: string[]; digits?: number } = {},
): Displayable {
  return displayable({
    "text/html": htmlTable(rows, options),
    "text/plain": textTable(rows, options),
  });
}
