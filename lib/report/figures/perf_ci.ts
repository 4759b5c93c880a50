import * as Plot from "@observablehq/plot";
import {
  documentOf,
  emptyFigure,
  type FigureOptions,
  modelLabel,
  STYLE,
  withSources,
} from "./_common.ts";
import type { SourcedRow } from "../../figures/mod.ts";
import type { FigureElement } from "../../figures/mod.ts";

/** What {@linkcode perfCiFigure} reads of a row (`PerfRow` and `PerformanceRow` both fit). */
export interface PerfCiRow extends SourcedRow {
  model_key: string;
  format?: string;
  quantization?: string;
  scenario: string;
  ttft_ms: number | null;
  ttft_ms_lo: number | null;
  ttft_ms_hi: number | null;
  output_tps: number | null;
  output_tps_lo: number | null;
  output_tps_hi: number | null;
}

/** Options for {@linkcode perfCiFigure}. */
export interface PerfCiFigureOptions extends FigureOptions {
  /** Which measure: TTFT (lower is better) or output tokens/s (higher is better). @default "ttft_ms" */
  metric?: "ttft_ms" | "output_tps";
}

const LABELS = {
  ttft_ms: "TTFT (ms), mean and 95% CI — lower is better",
  output_tps: "Output tokens/s, mean and 95% CI — higher is better",
};

/** Mean with its 95 % CI bar per model and scenario; returns an `<svg>` element. */
export function perfCiFigure(
  rows: readonly PerfCiRow[],
  options: PerfCiFigureOptions = {},
): FigureElement {
  const metric = options.metric ?? "ttft_ms";
  const figure = `${metric === "ttft_ms" ? "ttft" : "output_tps"}_by_model_scenario`;
  const title = metric === "ttft_ms"
    ? "TTFT per model and scenario"
    : "Output tokens/s per model and scenario";
  const data = rows.filter((r) => r[metric] !== null).map((r) => ({
    label: `${modelLabel(r)} · ${r.scenario}`,
    value: r[metric] as number,
    lo: (r[`${metric}_lo`] ?? r[metric]) as number,
    hi: (r[`${metric}_hi`] ?? r[metric]) as number,
  }));
  if (data.length === 0) return emptyFigure(figure, title, "no performance results", options);
  const svg = Plot.plot({
    document: documentOf(options) as never,
    width: options.width ?? 640,
    marginLeft: 300,
    marginRight: 70,
    marginBottom: 40,
    height: 40 + 28 * Math.max(1, data.length),
    style: STYLE,
    x: { label: LABELS[metric], grid: true, zero: true },
    y: { label: null, domain: data.map((d) => d.label) },
    marks: [
      Plot.ruleY(data, { y: "label", x1: "lo", x2: "hi", stroke: "#4269d0", strokeWidth: 2 }),
      Plot.tickX(data, { y: "label", x: "lo", stroke: "#4269d0" }),
      Plot.tickX(data, { y: "label", x: "hi", stroke: "#4269d0" }),
      Plot.dot(data, { y: "label", x: "value", fill: "#4269d0", r: 4 }),
      Plot.text(data, {
        y: "label",
        x: "hi",
        text: (d: { value: number }) => d.value.toFixed(1),
        dx: 6,
        textAnchor: "start",
        fontSize: 10,
      }),
    ],
  });
  return withSources(svg, figure, title, rows);
}
