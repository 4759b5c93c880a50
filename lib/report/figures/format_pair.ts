import * as Plot from "@observablehq/plot";
import {
  composeFigure,
  type FigureElement,
  maxTextWidth,
  needsLogScale,
} from "../../figures/mod.ts";
import type { FormatComparisonRow } from "../formats.ts";
import {
  documentOf,
  emptyFigure,
  type FigureOptions,
  FORMAT_COLOURS,
  STYLE,
  withSources,
} from "./_common.ts";

/** Options for {@linkcode formatPairFigure}. */
export interface FormatPairFigureOptions extends FigureOptions {
  /** Which performance measure. @default "output_tps" */
  metric?: "ttft_ms" | "output_tps" | "e2e_ms" | "peak_ram_gib";
}

const LABELS: Record<string, string> = {
  ttft_ms: "TTFT (ms) — lower is better",
  output_tps: "Output tokens/s — higher is better",
  e2e_ms: "End-to-end latency (ms) — lower is better",
  peak_ram_gib: "Peak RAM (GiB) — lower is better",
};

/**
 * GGUF vs MLX, paired: one panel per scenario (own scale), one line per model id joining the GGUF
 * mean to the MLX mean, each with its 95 % CI; `*` marks a difference whose interval excludes zero.
 * With no model measured in both formats the figure is marked empty (the report writes no file).
 */
export function formatPairFigure(
  rows: readonly FormatComparisonRow[],
  options: FormatPairFigureOptions = {},
): FigureElement {
  const metric = options.metric ?? "output_tps";
  const figure = `gguf_vs_mlx_${metric}`;
  const title = `GGUF vs MLX: ${LABELS[metric].split(" — ")[0]}`;
  const mine = rows.filter((r) =>
    r.kind === "performance" && r.metric === metric && r.gguf !== null && r.mlx !== null
  );
  if (mine.length === 0) {
    return emptyFigure(figure, title, "no model measured in both formats", options);
  }
  const label = (r: FormatComparisonRow) => `${r.model_id}${r.excludes_zero ? " *" : ""}`;
  const width = options.width ?? 720;
  const marginLeft = Math.ceil(maxTextWidth(mine.map(label), { fontSize: 12 })) + 16;
  const scenarios = [...new Set(mine.map((r) => r.unit))].sort();
  const panels = scenarios.map((scenario) => {
    const pairs = mine.filter((r) => r.unit === scenario);
    const points = pairs.flatMap((r) => [
      {
        label: label(r),
        format: "GGUF",
        value: r.gguf!,
        lo: r.gguf_lo ?? r.gguf!,
        hi: r.gguf_hi ?? r.gguf!,
      },
      {
        label: label(r),
        format: "MLX",
        value: r.mlx!,
        lo: r.mlx_lo ?? r.mlx!,
        hi: r.mlx_hi ?? r.mlx!,
      },
    ]);
    const log = needsLogScale(points.flatMap((p) => [p.lo, p.hi]));
    const element = Plot.plot({
      document: documentOf(options) as never,
      width,
      height: 60 + 34 * pairs.length,
      marginLeft,
      marginRight: 24,
      marginTop: 8,
      marginBottom: 40,
      style: STYLE,
      x: {
        type: log ? "log" : "linear",
        label: `${LABELS[metric]}${log ? " (log scale)" : ""}`,
        labelAnchor: "center",
        labelArrow: "none",
        grid: true,
        zero: !log,
        nice: true,
      },
      y: { label: null, domain: pairs.map(label) },
      marks: [
        Plot.link(pairs, {
          y1: label,
          y2: label,
          x1: "gguf",
          x2: "mlx",
          stroke: "#bbb",
          strokeWidth: 3,
        }),
        ...["GGUF", "MLX"].flatMap((format, i) => [
          Plot.ruleY(points.filter((p) => p.format === format), {
            y: "label",
            x1: "lo",
            x2: "hi",
            stroke: FORMAT_COLOURS[format],
            strokeWidth: 1.5,
            dy: i === 0 ? -5 : 5,
          }),
          Plot.dot(points.filter((p) => p.format === format), {
            y: "label",
            x: "value",
            fill: FORMAT_COLOURS[format],
            r: 5,
            dy: i === 0 ? -5 : 5,
          }),
        ]),
      ],
    }) as unknown as FigureElement;
    return { title: `Scenario: ${scenario}`, element };
  });
  const svg = composeFigure({
    document: documentOf(options),
    width,
    title,
    notes: [
      "Same model id in both formats. Dot = mean, bar = 95% t-interval; * = the Welch 95% interval of MLX − GGUF excludes 0.",
    ],
    legendTitle: "Format:",
    legend: [
      { label: "GGUF", colour: FORMAT_COLOURS.GGUF, symbol: "dot" },
      { label: "MLX", colour: FORMAT_COLOURS.MLX, symbol: "dot" },
    ],
    panels,
  });
  return withSources(svg, figure, title, mine);
}
