import * as Plot from "@observablehq/plot";
import type { TradeoffRow } from "../tradeoffs.ts";
import {
  documentOf,
  emptyFigure,
  type FigureOptions,
  FORMAT_COLOURS,
  modelLabel,
  STYLE,
  withSources,
} from "./_common.ts";
import type { FigureElement } from "../../figures/mod.ts";

/** Options for {@linkcode speedAccuracyFigure} and {@linkcode qualityMemoryFigure}. */
export interface ScatterFigureOptions extends FigureOptions {
  /** Axis label of the quality score. @default "Quality (accuracy, %)" */
  qualityLabel?: string;
}

interface Point {
  label: string;
  format: string;
  x: number;
  y: number;
  xlo: number;
  xhi: number;
  ylo: number;
  yhi: number;
}

function scatter(
  points: Point[],
  rows: readonly TradeoffRow[],
  figure: string,
  title: string,
  xLabel: string,
  yLabel: string,
  options: FigureOptions,
): FigureElement {
  if (points.length === 0) {
    return emptyFigure(figure, title, "no model with both measurements", options);
  }
  const formats = [...new Set(points.map((p) => p.format))];
  const svg = Plot.plot({
    document: documentOf(options) as never,
    width: options.width ?? 640,
    height: 420,
    marginTop: 36,
    marginRight: 40,
    marginLeft: 60,
    marginBottom: 44,
    inset: 24,
    style: STYLE,
    x: { label: xLabel, grid: true, zero: true },
    y: { label: yLabel, grid: true, domain: [0, 100] },
    marks: [
      Plot.ruleY(points, { y: "y", x1: "xlo", x2: "xhi", stroke: "#999" }),
      Plot.ruleX(points, { x: "x", y1: "ylo", y2: "yhi", stroke: "#999" }),
      ...formats.map((f) =>
        Plot.dot(points.filter((p) => p.format === f), {
          x: "x",
          y: "y",
          r: 6,
          fill: FORMAT_COLOURS[f] ?? "#4269d0",
          stroke: "white",
        })
      ),
      Plot.text(points, { x: "x", y: "y", text: "label", dy: -12, fontSize: 11, fill: "#222" }),
      ...formats.map((f, i) =>
        Plot.text([`● ${f}`], {
          frameAnchor: "top-right",
          dx: -110 - 70 * i,
          dy: -28,
          fill: FORMAT_COLOURS[f] ?? "#4269d0",
          fontWeight: "bold",
        })
      ),
      Plot.text(["bars: 95% CI"], { frameAnchor: "top-right", dy: -28, fill: "#555" }),
    ],
  });
  return withSources(svg, figure, title, rows);
}

const pct = (v: number | null, fallback: number) => (v ?? fallback) * 100;

/** Speed vs accuracy (seed 002): output tokens/s against quality, one labelled point per model. */
export function speedAccuracyFigure(
  rows: readonly TradeoffRow[],
  options: ScatterFigureOptions = {},
): FigureElement {
  const ok = rows.filter((r) => r.quality !== null && r.output_tps !== null);
  const points = ok.map((r) => ({
    label: modelLabel(r),
    format: r.format,
    x: r.output_tps!,
    xlo: r.output_tps_lo ?? r.output_tps!,
    xhi: r.output_tps_hi ?? r.output_tps!,
    y: r.quality! * 100,
    ylo: pct(r.quality_lo, r.quality!),
    yhi: pct(r.quality_hi, r.quality!),
  }));
  return scatter(
    points,
    ok,
    "speed_vs_accuracy",
    "Speed vs accuracy",
    "Output tokens/s — higher is better",
    options.qualityLabel ?? "Quality (accuracy, %)",
    options,
  );
}

/** Quality vs peak memory (seed 003): peak RAM against quality, one labelled point per model. */
export function qualityMemoryFigure(
  rows: readonly TradeoffRow[],
  options: ScatterFigureOptions = {},
): FigureElement {
  const ok = rows.filter((r) => r.quality !== null && r.peak_ram_gib !== null);
  const points = ok.map((r) => ({
    label: modelLabel(r),
    format: r.format,
    x: r.peak_ram_gib!,
    xlo: r.peak_ram_gib!,
    xhi: r.peak_ram_gib!,
    y: r.quality! * 100,
    ylo: pct(r.quality_lo, r.quality!),
    yhi: pct(r.quality_hi, r.quality!),
  }));
  return scatter(
    points,
    ok,
    "quality_vs_memory",
    "Quality vs peak memory",
    "Peak RAM (GiB) — lower is better",
    options.qualityLabel ?? "Quality (accuracy, %)",
    options,
  );
}
