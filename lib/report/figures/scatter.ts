import * as Plot from "@observablehq/plot";
import { composeFigure, type FigureElement, needsLogScale, PALETTE } from "../../figures/mod.ts";
import type { SweepTableRow } from "../rounds.ts";
import type { TradeoffRow } from "../tradeoffs.ts";
import {
  documentOf,
  emptyFigure,
  type FigureOptions,
  modelLabel,
  STYLE,
  withSources,
} from "./_common.ts";

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
  /** Dot radius (px). */
  r?: number;
}

const SYMBOL: Record<string, string> = { GGUF: "circle", MLX: "square" };

/**
 * Points without text in the plot: colour says which model (legend), the symbol which format
 * (circle GGUF, square MLX), bars the 95 % intervals; so no label can run into another.
 */
function scatter(
  points: Point[],
  rows: readonly object[],
  figure: string,
  title: string,
  xLabel: string,
  yLabel: string,
  options: FigureOptions & { notes?: string[]; xLog?: boolean },
): FigureElement {
  if (points.length === 0) {
    return emptyFigure(figure, title, "no model with both measurements", options);
  }
  const width = options.width ?? 680;
  const labels = [...new Set(points.map((p) => p.label))];
  const colour = new Map(labels.map((l, i) => [l, PALETTE[i % PALETTE.length]]));
  const log = options.xLog ?? needsLogScale(points.flatMap((p) => [p.xlo, p.xhi]));
  const element = Plot.plot({
    document: documentOf(options) as never,
    width,
    height: 380,
    marginTop: 16,
    marginRight: 24,
    marginLeft: 56,
    marginBottom: 44,
    inset: 16,
    style: STYLE,
    x: {
      type: log ? "log" : "linear",
      label: `${xLabel}${log ? " (log scale)" : ""}`,
      labelAnchor: "center",
      labelArrow: "none",
      grid: true,
      zero: !log,
      nice: true,
    },
    y: { label: yLabel, labelAnchor: "center", labelArrow: "none", grid: true, domain: [0, 100] },
    marks: [
      Plot.ruleY(points, {
        y: "y",
        x1: "xlo",
        x2: "xhi",
        stroke: (p: Point) => colour.get(p.label)!,
      }),
      Plot.ruleX(points, {
        x: "x",
        y1: "ylo",
        y2: "yhi",
        stroke: (p: Point) => colour.get(p.label)!,
      }),
      // One mark per point: a constant radius is pixels, not a scaled channel.
      ...points.map((p) =>
        Plot.dot([p], {
          x: "x",
          y: "y",
          r: p.r ?? 6,
          symbol: SYMBOL[p.format] ?? "circle",
          fill: colour.get(p.label)!,
          fillOpacity: 0.9,
          stroke: "white",
        })
      ),
    ],
  }) as unknown as FigureElement;
  const formats = [...new Set(points.map((p) => p.format))];
  const svg = composeFigure({
    document: documentOf(options),
    width,
    title,
    notes: [
      ...(options.notes ?? []),
      `Bars: 95% intervals. Symbol: ${
        formats.map((f) => `${SYMBOL[f] ?? "circle"} = ${f}`).join(", ")
      }.`,
    ],
    legendTitle: "Model:",
    legend: labels.map((l) => ({
      label: l,
      colour: colour.get(l)!,
      symbol: points.find((p) => p.label === l)!.format === "MLX" ? "square" : "dot",
    })),
    panels: [{ element }],
  });
  return withSources(svg, figure, title, rows as never);
}

const pct = (v: number | null, fallback: number) => (v ?? fallback) * 100;

/** Speed vs accuracy (seed 002): output tokens/s against quality, one point per model. */
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

/** Quality vs peak memory (seed 003): peak RAM against quality, one point per model. */
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
    "Largest per-request peak RAM (GiB) — lower is better",
    options.qualityLabel ?? "Quality (accuracy, %)",
    options,
  );
}

const sizeText = (r: SweepTableRow) =>
  [
    r.parameters === null
      ? null
      : `${(r.parameters / 1e6).toFixed(r.parameters < 1e7 ? 2 : 0)} M params`,
    r.bits_per_weight === null ? null : `${r.bits_per_weight.toFixed(1)} bpw`,
    r.file_size_gib === null ? null : `${(r.file_size_gib * 1024).toFixed(0)} MiB`,
  ].filter(Boolean).join(", ");

/**
 * Precision vs size (seed 002, "Tiny Giant"): output tokens/s against quality for each model
 * variant of a sweep, the dot's area proportional to the file size (parameters × bits per weight),
 * one scenario (the first the sweep measured, or `scenario`).
 */
export function sweepScatterFigure(
  rows: readonly SweepTableRow[],
  options: FigureOptions & { scenario?: string } = {},
): FigureElement {
  const figure = "sweep_speed_vs_quality";
  const title = "Precision vs size: speed vs quality";
  const scenario = options.scenario ?? [...new Set(rows.map((r) => r.scenario))].sort()[0];
  const mine = rows.filter((r) =>
    r.scenario === scenario && r.output_tps !== null && r.quality !== null
  );
  if (mine.length === 0) return emptyFigure(figure, title, "no sweep with quality", options);
  const sizes = mine.map((r) => r.file_size_gib ?? 0);
  const maxSize = Math.max(...sizes, 1e-9);
  const points = mine.map((r) => ({
    label: `${modelLabel(r)}${sizeText(r) ? `: ${sizeText(r)}` : ""}`,
    format: r.format,
    x: r.output_tps!,
    xlo: r.output_tps_lo ?? r.output_tps!,
    xhi: r.output_tps_hi ?? r.output_tps!,
    y: r.quality! * 100,
    ylo: pct(r.quality_lo, r.quality!),
    yhi: pct(r.quality_hi, r.quality!),
    r: r.file_size_gib === null ? 5 : 4 + 10 * Math.sqrt(r.file_size_gib / maxSize),
  }));
  return scatter(
    points,
    mine,
    figure,
    title,
    `Output tokens/s in ${scenario} — higher is better`,
    `Quality (${mine[0].quality_task ?? "accuracy"} accuracy, %)`,
    {
      ...options,
      notes: [
        "Each model variant on the baseline round. Dot area proportional to the GGUF file size; the legend gives parameters, bits per weight and file size.",
      ],
    },
  );
}
