import * as Plot from "@observablehq/plot";
import type { FormatComparisonRow } from "../formats.ts";
import {
  documentOf,
  emptyFigure,
  type FigureOptions,
  FORMAT_COLOURS,
  STYLE,
  withSources,
} from "./_common.ts";
import type { FigureElement } from "../../figures/mod.ts";

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
 * GGUF vs MLX, paired: one line per model and scenario joining the GGUF mean to the MLX mean,
 * each with its 95 % CI; `*` marks a difference whose interval excludes zero. Legend drawn as marks.
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
  const label = (r: FormatComparisonRow) =>
    `${r.model_id} · ${r.unit}${r.excludes_zero ? " *" : ""}`;
  const points = mine.flatMap((r) => [
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
  const perFormat = (format: string) => points.filter((p) => p.format === format);
  const svg = Plot.plot({
    document: documentOf(options) as never,
    width: options.width ?? 640,
    height: 70 + 34 * mine.length,
    marginLeft: 280,
    marginTop: 30,
    marginBottom: 40,
    style: STYLE,
    x: { label: LABELS[metric], grid: true, zero: true },
    y: { label: null, domain: mine.map(label) },
    marks: [
      Plot.link(mine, {
        y1: label,
        y2: label,
        x1: "gguf",
        x2: "mlx",
        stroke: "#bbb",
        strokeWidth: 3,
      }),
      ...["GGUF", "MLX"].flatMap((format, i) => [
        Plot.ruleY(perFormat(format), {
          y: "label",
          x1: "lo",
          x2: "hi",
          stroke: FORMAT_COLOURS[format],
          strokeWidth: 1.5,
          dy: i === 0 ? -4 : 4,
        }),
        Plot.dot(perFormat(format), {
          y: "label",
          x: "value",
          fill: FORMAT_COLOURS[format],
          r: 5,
          dy: i === 0 ? -4 : 4,
        }),
      ]),
      Plot.text(["● GGUF"], {
        frameAnchor: "top-left",
        dy: -22,
        fill: FORMAT_COLOURS.GGUF,
        fontWeight: "bold",
      }),
      Plot.text(["● MLX"], {
        frameAnchor: "top-left",
        dx: 60,
        dy: -22,
        fill: FORMAT_COLOURS.MLX,
        fontWeight: "bold",
      }),
      Plot.text(["* 95% CI of MLX − GGUF excludes 0"], {
        frameAnchor: "top-right",
        dy: -22,
        fill: "#555",
      }),
    ],
  });
  return withSources(svg, figure, title, mine);
}
