/** The report's tables as LaTeX (booktabs), for the article. @module */
import type { Report } from "./build.ts";
import { type DisplayTable, displayTables } from "./display_tables.ts";

const SPECIAL: Record<string, string> = {
  "\\": "\\textbackslash{}",
  "&": "\\&",
  "%": "\\%",
  "$": "\\$",
  "#": "\\#",
  "_": "\\_",
  "{": "\\{",
  "}": "\\}",
  "~": "\\textasciitilde{}",
  "^": "\\textasciicircum{}",
  "–": "--",
  "—": "---",
  "−": "$-$",
  "×": "$\\times$",
  "±": "$\\pm$",
  "≤": "$\\leq$",
  "≥": "$\\geq$",
  "Δ": "$\\Delta$",
  "⚠": "(!)",
  "·": "$\\cdot$",
  "…": "\\ldots{}",
  "→": "$\\rightarrow$",
};

/**
 * Text escaped for LaTeX: the ten special characters, and the few non-ASCII symbols the report
 * uses (en dash, minus, ×, Δ, ⚠ …) as LaTeX commands, so the file compiles with pdflatex.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latexEscape } from "./latex.ts";
 * assert.equal(latexEscape("50% of a_b & c"), "50\\% of a\\_b \\& c");
 * ```
 */
export function latexEscape(text: string): string {
  let out = "";
  for (const ch of text) out += SPECIAL[ch] ?? ch;
  return out;
}

/** One table as a `table` float with a booktabs `tabular`, its caption and label `tab:<id>`. */
export function latexTable(table: DisplayTable): string {
  const caption = latexEscape(table.title) + (table.note ? `. ${latexEscape(table.note)}` : "");
  const lines = [
    "\\begin{table}[htbp]",
    "\\centering",
    "\\scriptsize",
    `\\caption{${caption}}`,
    `\\label{tab:${table.id.replaceAll("_", "-")}}`,
  ];
  if (table.rows.length === 0) {
    lines.push("\\emph{No results.}", "\\end{table}");
    return lines.join("\n") + "\n";
  }
  lines.push(
    `\\begin{tabular}{${table.columns.map(() => "l").join("")}}`,
    "\\toprule",
    `${table.columns.map((c) => `\\textbf{${latexEscape(c)}}`).join(" & ")} \\\\`,
    "\\midrule",
    ...table.rows.map((r) =>
      `${table.columns.map((c) => latexEscape(r[c] ?? "")).join(" & ")} \\\\`
    ),
    "\\bottomrule",
    "\\end{tabular}",
    "\\end{table}",
  );
  return lines.join("\n") + "\n";
}

/**
 * Every table of the report in one LaTeX file (needs `\usepackage{booktabs}`; numbered in report
 * order by LaTeX itself), with a header comment naming the report it came from.
 */
export function reportLatex(report: Report): string {
  return [
    `% Edge SLM Bench: tables of the report generated ${report.generatedAt} from ${report.input}`,
    "% Needs \\usepackage{booktabs}. One table float per table, labelled tab:<id>.",
    "",
    ...displayTables(report).map(latexTable),
  ].join("\n");
}
