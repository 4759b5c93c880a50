/** The report's output formats (no rendering code: the report command parses its flags with it). @module */

/** Output formats of `deno task report --format`. */
export type ReportFormat = "md" | "html" | "csv" | "parquet" | "tex" | "pdf";
/** Every format (`--format all`; `pdf` is skipped with a note when no Chromium is installed). */
export const REPORT_FORMATS: readonly ReportFormat[] = [
  "md",
  "html",
  "csv",
  "parquet",
  "tex",
  "pdf",
];
