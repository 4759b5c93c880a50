/** The report as Markdown and as self-contained HTML. @module */
import type { Report } from "./build.ts";
import { bandLevels, type DisplayTable, displayTables } from "./display_tables.ts";
import { svgString } from "../figures/mod.ts";

const mdCell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

/** A Markdown (GFM) table. */
export function markdownTable(table: Pick<DisplayTable, "columns" | "rows">): string {
  if (table.rows.length === 0) return "_No results._";
  const head = `| ${table.columns.map(mdCell).join(" | ")} |`;
  const rule = `| ${table.columns.map(() => "---").join(" | ")} |`;
  const body = table.rows.map((r) =>
    `| ${table.columns.map((c) => mdCell(r[c] ?? "")).join(" | ")} |`
  );
  return [head, rule, ...body].join("\n");
}

/** Options for {@linkcode reportMarkdown} and {@linkcode reportHtml}. */
export interface ReportTextOptions {
  /** How the Markdown links figures: the figures folder relative to the report. @default "figures" */
  figuresHref?: string;
  /** Warnings listed in full before the rest is counted. @default 50 */
  maxWarnings?: number;
  /**
   * Base URL of the results viewer (`deno task view`, e.g. `http://127.0.0.1:8765`): in the HTML
   * report, each row with run ids gets a "Viewer" cell linking `<viewerUrl>/run/<run id>`.
   * @default none: the report holds no link
   */
  viewerUrl?: string;
}

function warningLines(report: Report, max: number): string[] {
  const lines = report.warnings.slice(0, max).map((w) =>
    `${w.file}${w.line === null ? "" : `:${w.line}`}: ${w.message}`
  );
  if (report.warnings.length > max) lines.push(`… and ${report.warnings.length - max} more`);
  return lines;
}

/** What the report is made of when a filter chose its runs (null: every run of the folder). */
export function selectionLine(report: Report): string | null {
  const sel = report.selection;
  if (!sel) return null;
  const f = sel.filter;
  const criteria = [
    f.runs ? `runs ${f.runs.join(", ")}` : null,
    f.since ? `started since ${f.since.toISOString()}` : null,
    f.models ? `models ${f.models.join(", ")}` : null,
    f.configHashes ? `config hashes ${f.configHashes.join(", ")}` : null,
  ].filter(Boolean);
  if (criteria.length === 0) return null;
  return `Runs chosen by ${criteria.join("; ")}: ${sel.kept.length} kept${
    sel.kept.length ? ` (${sel.kept.join(", ")})` : ""
  }, ${sel.excluded.length} left out.`;
}

/** "Table N. Title" (the number when the table has one). */
export function tableCaption(t: Pick<DisplayTable, "number" | "title">): string {
  return t.number ? `Table ${t.number}. ${t.title}` : t.title;
}

function sourcesLine(report: Report): string {
  const records = report.files.reduce((a, f) => a + f.records, 0);
  const skipped = report.files.reduce((a, f) => a + f.skipped, 0);
  return `${report.files.length} result file(s) read from ${report.input}: ${records} record(s) used, ${skipped} skipped line(s) or file(s); ${report.warnings.length} warning(s).`;
}

/** The report as Markdown; figures linked as `<figuresHref>/<id>.svg`. */
export function reportMarkdown(report: Report, options: ReportTextOptions = {}): string {
  const href = options.figuresHref ?? "figures";
  const out: string[] = [
    "# Edge SLM Bench — benchmark report",
    "",
    `Generated ${report.generatedAt}. ${sourcesLine(report)}`,
    "",
    "Every number below is computed from the raw records: the CSV files beside this report carry, per row, the run ids, config hashes and files it was drawn from.",
  ];
  const selection = selectionLine(report);
  if (selection) out.push("", selection);
  const tables = displayTables(report);
  for (const t of tables) {
    out.push("", `## ${tableCaption(t)}`, "", markdownTable(t));
    if (t.note) out.push("", `_${t.note}_`);
  }
  out.push("", "## Figures");
  report.figures.forEach((f, i) => {
    out.push(
      "",
      `### Figure ${i + 1}. ${f.title}`,
      "",
      `![Figure ${i + 1}. ${f.title}](${href}/${f.id}.svg)`,
      "",
      `_Figure ${i + 1}. ${f.caption}_ ([PNG](${href}/${f.id}.png))`,
    );
  });
  if (report.omittedFigures.length) {
    out.push("", "Figures not drawn (no data):", "");
    for (const f of report.omittedFigures) out.push(`- ${f.title}: ${f.reason}.`);
  }
  out.push("", "## Warnings", "");
  const ws = warningLines(report, options.maxWarnings ?? 50);
  out.push(ws.length ? ws.map((w) => `- ${mdCell(w)}`).join("\n") : "None.");
  return out.join("\n") + "\n";
}

const esc = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
    '"',
    "&quot;",
  );

function viewerCell(runIds: string | undefined, viewerUrl: string): string {
  const ids = (runIds ?? "").split(" ").filter(Boolean);
  const base = viewerUrl.replace(/\/+$/, "");
  return `<td class="viewer">${
    ids.map((id) => `<a href="${esc(`${base}/run/${encodeURIComponent(id)}`)}">${esc(id)}</a>`)
      .join("<br>")
  }</td>`;
}

function htmlTableOf(t: DisplayTable, levels: Map<string, number>, viewerUrl?: string): string {
  if (t.rows.length === 0) return '<p class="empty">No results.</p>';
  const bands = new Set(t.bandColumns ?? []);
  const links = viewerUrl !== undefined && t.runs !== undefined;
  const head = t.columns.map((c) => `<th>${esc(c)}</th>`).join("") +
    (links ? "<th>Viewer</th>" : "");
  const body = t.rows.map((r, i) =>
    `<tr>${
      t.columns.map((c) => {
        const v = r[c] ?? "";
        const level = bands.has(c) ? levels.get(v) : undefined;
        return level === undefined
          ? `<td>${esc(v)}</td>`
          : `<td><span class="band band-${level}">${esc(v)}</span></td>`;
      }).join("")
    }${links ? viewerCell(t.runs![i], viewerUrl!) : ""}</tr>`
  ).join("\n");
  return `<table id="table-${
    esc(t.id)
  }">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const CSS = `
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em;box-sizing:border-box}
.table-wrap{max-width:100%;overflow-x:auto}td{overflow-wrap:normal}.band{white-space:nowrap}
.selection,.omitted{color:#333;font-size:.9em}
@media print{body{max-width:none;margin:0;font-size:9pt}.table-wrap{overflow:visible}table{font-size:7pt}figure{break-inside:avoid}h2{break-after:avoid}}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.note{color:#555;font-size:.85em;max-width:60em}
.band{padding:0 .4em;border-radius:3px}.band-0{background:#c7e9c0}.band-1{background:#fee391}.band-2{background:#fcae91}
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto}figcaption{color:#555;font-size:.85em}
.warnings{font-family:"DejaVu Sans Mono",monospace;font-size:.8em}`;

/** The report as one self-contained HTML page: inline CSS and SVG, no script, no external resource. */
export function reportHtml(report: Report, options: ReportTextOptions = {}): string {
  const levels = bandLevels(report);
  const parts: string[] = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    "<title>Edge SLM Bench — benchmark report</title>",
    `<style>${CSS}</style>`,
    "</head>",
    "<body>",
    "<h1>Edge SLM Bench — benchmark report</h1>",
    `<p>Generated ${esc(report.generatedAt)}. ${esc(sourcesLine(report))}</p>`,
  ];
  const selection = selectionLine(report);
  if (selection) parts.push(`<p class="selection">${esc(selection)}</p>`);
  for (const t of displayTables(report)) {
    parts.push(
      `<section id="section-${esc(t.id)}">`,
      `<h2>${esc(tableCaption(t))}</h2>`,
      `<div class="table-wrap">${htmlTableOf(t, levels, options.viewerUrl)}</div>`,
    );
    if (t.note) parts.push(`<p class="note">${esc(t.note)}</p>`);
    parts.push("</section>");
  }
  parts.push('<section id="section-figures">', "<h2>Figures</h2>");
  report.figures.forEach((f, i) => {
    parts.push(
      `<figure id="figure-${esc(f.id)}">`,
      svgString(f.element),
      `<figcaption><strong>Figure ${i + 1}. ${esc(f.title)}.</strong> ${
        esc(f.caption)
      }</figcaption>`,
      "</figure>",
    );
  });
  if (report.omittedFigures.length) {
    parts.push(
      `<p class="omitted">Figures not drawn (no data): ${
        report.omittedFigures.map((f) => `${esc(f.title)}: ${esc(f.reason)}`).join("; ")
      }.</p>`,
    );
  }
  parts.push("</section>", '<section id="section-warnings">', "<h2>Warnings</h2>");
  const ws = warningLines(report, options.maxWarnings ?? 50);
  parts.push(
    ws.length
      ? `<ul class="warnings">${ws.map((w) => `<li>${esc(w)}</li>`).join("")}</ul>`
      : "<p>None.</p>",
  );
  parts.push("</section>", "</body>", "</html>");
  return parts.join("\n") + "\n";
}
