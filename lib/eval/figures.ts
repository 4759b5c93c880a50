/**
 * Capability tables and figures: flat summary rows (and a Polars frame), example errors, a
 * per-class F1 chart and a confusion-matrix heat map. Figure builders are
 * `(rows, options) => <svg>` and take a `document` option so they render headless (linkedom).
 * @module
 */
import * as Plot from "@observablehq/plot";
import pl from "nodejs-polars";
import { type FigureElement, FONT_FAMILY, headlessDocument } from "../figures/mod.ts";
import type { EvalRecord, EvalSummary } from "../results/mod.ts";
import { latestPerSample } from "./metrics.ts";

/** One row of the capability table: scores with 95 % CI bounds (flat, for CSV and Polars). */
export interface EvalRow {
  task: string;
  model_key: string;
  format: string;
  quantization: string;
  n: number;
  accuracy: number | null;
  accuracy_lo: number | null;
  accuracy_hi: number | null;
  macro_f1: number | null;
  macro_f1_lo: number | null;
  macro_f1_hi: number | null;
  mean_score: number | null;
  invalid_rate: number;
  error_rate: number;
  latency_mean_ms: number | null;
  complete: boolean;
}

type Est = { value: number; ci95: [number, number] } | undefined;

/** Flatten eval summaries into table rows. */
export function evalRows(summaries: readonly EvalSummary[]): EvalRow[] {
  return summaries.map((s) => {
    const acc = s.metrics.accuracy;
    const f1 = s.metrics.macro_f1;
    const mean = s.metrics.mean_score as Est;
    return {
      task: s.task,
      model_key: s.model_key,
      format: s.format,
      quantization: s.quantization,
      n: s.metrics.n,
      accuracy: acc?.value ?? null,
      accuracy_lo: acc?.ci95[0] ?? null,
      accuracy_hi: acc?.ci95[1] ?? null,
      macro_f1: f1?.value ?? null,
      macro_f1_lo: f1?.ci95[0] ?? null,
      macro_f1_hi: f1?.ci95[1] ?? null,
      mean_score: mean?.value ?? null,
      invalid_rate: s.metrics.invalid_rate,
      error_rate: s.metrics.error_rate,
      latency_mean_ms: s.latency_ms.mean.value,
      complete: s.complete,
    };
  });
}

/** Rows as a Polars DataFrame. */
export function evalFrame(rows: readonly EvalRow[]): pl.DataFrame {
  return pl.readRecords(rows as EvalRow[], { inferSchemaLength: rows.length || 1 });
}

/** One wrong (or failed) sample, for reading model errors. */
export interface ErrorExample {
  sample_id: string;
  reference: string;
  prediction: string | null;
  /** The raw answer, cut to `maxChars`. */
  answer: string;
  error: string | null;
}

/** Options for {@linkcode exampleErrors}. */
export interface ExampleErrorsOptions {
  /** How many examples. @default 5 */
  limit?: number;
  /** Answer length kept. @default 160 */
  maxChars?: number;
}

/** The first wrong samples in sample-id order (errors and invalid answers included). */
export function exampleErrors(
  records: readonly EvalRecord[],
  options: ExampleErrorsOptions = {},
): ErrorExample[] {
  const max = options.maxChars ?? 160;
  return latestPerSample(records).filter((r) => r.correct === false).slice(0, options.limit ?? 5)
    .map((r) => ({
      sample_id: r.sample_id,
      reference: r.reference.length > max ? `${r.reference.slice(0, max)}…` : r.reference,
      prediction: r.prediction,
      answer: r.raw_output.length > max ? `${r.raw_output.slice(0, max)}…` : r.raw_output,
      error: r.error,
    }));
}

/** Options shared by the figure builders. */
export interface EvalFigureOptions {
  /** Document to render into (headless: linkedom). @default a new linkedom document */
  document?: unknown;
  /** @default 720 */
  width?: number;
  /** Only labels with support or predictions in this sample. @default true */
  observedOnly?: boolean;
}

/**
 * Per-class F1 with its bootstrap 95 % CI, one row per label, sorted by F1 (higher is better);
 * takes the summary's `per_class` rows.
 */
export function perClassF1Figure(
  rows: NonNullable<EvalSummary["per_class"]>,
  options: EvalFigureOptions = {},
): FigureElement {
  const shown = (options.observedOnly ?? true)
    ? rows.filter((r) => r.support > 0 || r.predicted > 0)
    : [...rows];
  const data = shown.map((r) => ({
    label: r.label,
    f1: r.f1,
    lo: r.f1_ci95?.[0] ?? r.f1,
    hi: r.f1_ci95?.[1] ?? r.f1,
    support: r.support,
  })).sort((a, b) => b.f1 - a.f1 || a.label.localeCompare(b.label));
  return Plot.plot({
    document: (options.document ?? headlessDocument()) as never,
    width: options.width ?? 720,
    height: 50 + 16 * Math.max(1, data.length),
    marginLeft: 250,
    marginRight: 40,
    style: { fontFamily: FONT_FAMILY, fontSize: "11px", background: "white" },
    x: { label: "F1 per class (bootstrap 95% CI)", domain: [0, 1], grid: true },
    y: { label: null, domain: data.map((d) => d.label) },
    marks: [
      Plot.barX(data, { y: "label", x: "f1", fill: "#4269d0", fillOpacity: 0.6 }),
      Plot.ruleY(data, { y: "label", x1: "lo", x2: "hi", stroke: "#1a1a1a" }),
      Plot.text(data, {
        y: "label",
        x: 1,
        text: (d: { support: number }) => `n=${d.support}`,
        textAnchor: "end",
        fontSize: 9,
      }),
    ],
  }) as unknown as FigureElement;
}

/**
 * Confusion-matrix heat map: reference label (rows) against predicted label (columns), with an
 * `(invalid)` column for unmappable answers and errors; takes the summary's `confusion`.
 */
export function confusionHeatmap(
  confusion: NonNullable<EvalSummary["confusion"]>,
  options: EvalFigureOptions = {},
): FigureElement {
  const { labels, matrix, invalid } = confusion;
  const observed = (i: number) =>
    matrix[i].some((x) => x > 0) || invalid[i] > 0 || matrix.some((row) => row[i] > 0);
  const keep = labels.map((_, i) => i).filter((i) =>
    !(options.observedOnly ?? true) || observed(i)
  );
  const columns = [...keep.map((i) => labels[i]), "(invalid)"];
  const cells = keep.flatMap((i) => [
    ...keep.map((j) => ({ ref: labels[i], pred: labels[j], count: matrix[i][j] })),
    { ref: labels[i], pred: "(invalid)", count: invalid[i] },
  ]);
  const size = Math.max(10, Math.min(28, Math.floor(560 / columns.length)));
  const max = Math.max(1, ...cells.map((c) => c.count));
  return Plot.plot({
    document: (options.document ?? headlessDocument()) as never,
    width: options.width ?? 250 + size * columns.length + 20,
    height: 210 + size * keep.length,
    marginLeft: 250,
    marginBottom: 200,
    style: { fontFamily: FONT_FAMILY, fontSize: "10px", background: "white" },
    color: { scheme: "blues", type: "sqrt" },
    x: { label: "predicted", domain: columns, tickRotate: -60 },
    y: { label: "reference", domain: keep.map((i) => labels[i]) },
    marks: [
      Plot.cell(cells, { x: "pred", y: "ref", fill: "count", inset: 0.5 }),
      Plot.text(cells.filter((c) => c.count > 0), {
        x: "pred",
        y: "ref",
        text: "count",
        fill: (d: { count: number }) => (d.count > max / 2 ? "white" : "black"),
        fontSize: 9,
      }),
    ],
  }) as unknown as FigureElement;
}
