import * as Plot from "@observablehq/plot";
import {
  composeFigure,
  type FigureElement,
  maxTextWidth,
  needsLogScale,
  PALETTE,
  type SourcedRow,
} from "../../figures/mod.ts";
import {
  documentOf,
  emptyFigure,
  type FigureOptions,
  modelLabel,
  STYLE,
  withSources,
} from "./_common.ts";

/** What {@linkcode perfCiFigure} reads of a row (`PerfRow` and `PerformanceRow` both fit). */
export interface PerfCiRow extends SourcedRow {
  model_key: string;
  format?: string;
  quantization?: string;
  scenario: string;
  /** Optimization round ("" or absent outside a rounds run). */
  round?: string;
  /** Who measured (absent or `edge-slm-bench` for this tool). */
  runner?: string;
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

const AXIS = {
  ttft_ms: "TTFT (ms), mean with 95% CI — lower is better",
  output_tps: "Output tokens/s, mean with 95% CI — higher is better",
};

const NO_ROUND = "no round (plain perf run)";

/**
 * Mean with its 95 % CI per model (and round, and runner) in one panel per scenario, each panel
 * with its own x scale (logarithmic when its values span more than two decades); colour = round,
 * with a legend; the mean is printed in a column right of the panel. Returns an `<svg>` element.
 */
export function perfCiFigure(
  rows: readonly PerfCiRow[],
  options: PerfCiFigureOptions = {},
): FigureElement {
  const metric = options.metric ?? "ttft_ms";
  const figure = `${metric === "ttft_ms" ? "ttft" : "output_tps"}_by_model_scenario`;
  const title = metric === "ttft_ms"
    ? "Time to first token per model, scenario and round"
    : "Output tokens/s per model, scenario and round";
  const data = rows.filter((r) => r[metric] !== null).map((r) => {
    const round = r.round || NO_ROUND;
    const runner = r.runner && r.runner !== "edge-slm-bench" ? ` · ${r.runner}` : "";
    return {
      scenario: r.scenario,
      round,
      label: `${modelLabel(r)}${r.round ? ` · ${r.round}` : ""}${runner}`,
      value: r[metric] as number,
      lo: (r[`${metric}_lo`] ?? r[metric]) as number,
      hi: (r[`${metric}_hi`] ?? r[metric]) as number,
    };
  });
  if (data.length === 0) return emptyFigure(figure, title, "no performance results", options);
  const rounds = [...new Set(data.map((d) => d.round))].sort((a, b) =>
    a === NO_ROUND
      ? -1
      : b === NO_ROUND
      ? 1
      : a === "baseline"
      ? -1
      : b === "baseline"
      ? 1
      : a < b
      ? -1
      : 1
  );
  const colour = new Map(rounds.map((r, i) => [r, PALETTE[i % PALETTE.length]]));
  const width = options.width ?? 760;
  const digits = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const marginLeft = Math.ceil(maxTextWidth(data.map((d) => d.label), { fontSize: 12 })) + 16;
  const marginRight = Math.ceil(maxTextWidth(data.map((d) => digits(d.value)), { fontSize: 11 })) +
    22;
  const scenarios = [...new Set(data.map((d) => d.scenario))].sort();
  const panels = scenarios.map((scenario) => {
    const mine = data.filter((d) => d.scenario === scenario);
    const log = needsLogScale(mine.flatMap((d) => [d.lo, d.hi, d.value]));
    const positive = (v: number) => (log ? Math.max(v, 1e-3) : v);
    const points = mine.map((d) => ({ ...d, lo: positive(d.lo), hi: positive(d.hi) }));
    const element = Plot.plot({
      document: documentOf(options) as never,
      width,
      height: 56 + 24 * points.length,
      marginLeft,
      marginRight,
      marginTop: 8,
      marginBottom: 40,
      style: STYLE,
      x: {
        type: log ? "log" : "linear",
        label: `${AXIS[metric]}${log ? " (log scale)" : ""}`,
        labelAnchor: "center",
        labelArrow: "none",
        grid: true,
        nice: true,
        zero: !log,
        ticks: log ? undefined : 6,
        tickFormat: log ? "~s" : undefined,
      },
      y: { label: null, domain: points.map((d) => d.label) },
      marks: [
        Plot.ruleY(points, {
          y: "label",
          x1: "lo",
          x2: "hi",
          stroke: (d: { round: string }) => colour.get(d.round)!,
          strokeWidth: 2,
        }),
        Plot.tickX(points, {
          y: "label",
          x: "lo",
          stroke: (d: { round: string }) => colour.get(d.round)!,
        }),
        Plot.tickX(points, {
          y: "label",
          x: "hi",
          stroke: (d: { round: string }) => colour.get(d.round)!,
        }),
        Plot.dot(points, {
          y: "label",
          x: "value",
          fill: (d: { round: string }) => colour.get(d.round)!,
          r: 4,
        }),
        Plot.text(points, {
          y: "label",
          frameAnchor: "right",
          text: (d: { value: number }) => digits(d.value),
          dx: 12,
          textAnchor: "start",
          fontSize: 11,
          fill: "#222",
        }),
      ],
    }) as unknown as FigureElement;
    return {
      title: `Scenario: ${scenario}${log ? " (log scale: values span more than two decades)" : ""}`,
      element,
    };
  });
  const svg = composeFigure({
    document: documentOf(options),
    width,
    title,
    notes: [
      "One panel per scenario, each on its own scale. Dot = mean over measured requests (warm-ups excluded); bar = Student's t 95% interval; the number on the right is the mean.",
    ],
    legendTitle: "Round:",
    legend: rounds.map((r) => ({ label: r, colour: colour.get(r)!, symbol: "dot" as const })),
    panels,
  });
  return withSources(svg, figure, title, rows);
}
