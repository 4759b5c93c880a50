/**
 * Measurement-depth figures: the length-sweep curves of one model (TTFT against prompt tokens with
 * the fitted line; decode tokens/s at each depth) and the throughput–latency curves of concurrency
 * sweeps with their knees.
 * @module
 */
import * as Plot from "@observablehq/plot";
import { composeFigure, type FigureElement, PALETTE } from "../../figures/mod.ts";
import type { SweepCurves, ThroughputLatencyRow } from "../depth.ts";
import { documentOf, emptyFigure, type FigureOptions, STYLE, withSources } from "./_common.ts";

const fmt = (x: number | null | undefined, d: number) =>
  x === null || x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(d);

interface Dot {
  x: number;
  y: number;
  lo: number;
  hi: number;
  series: string;
}

function panel(
  dots: Dot[],
  colour: Map<string, string>,
  options: FigureOptions & { xLabel: string; yLabel: string; line?: { x: number; y: number }[] },
): FigureElement {
  const width = options.width ?? 680;
  return Plot.plot({
    document: documentOf(options) as never,
    width,
    height: 280,
    marginLeft: 64,
    marginRight: 24,
    marginTop: 14,
    marginBottom: 42,
    inset: 10,
    style: STYLE,
    x: { label: options.xLabel, labelAnchor: "center", labelArrow: "none", grid: true, zero: true },
    y: { label: options.yLabel, labelAnchor: "center", labelArrow: "none", grid: true, zero: true },
    marks: [
      ...(options.line
        ? [Plot.line(options.line, { x: "x", y: "y", stroke: "#333", strokeDasharray: "5,3" })]
        : []),
      Plot.ruleX(dots, {
        x: "x",
        y1: "lo",
        y2: "hi",
        stroke: (d: Dot) => colour.get(d.series)!,
        strokeWidth: 1.5,
      }),
      Plot.line(dots, {
        x: "x",
        y: "y",
        z: "series",
        stroke: (d: Dot) => colour.get(d.series)!,
        strokeOpacity: 0.6,
      }),
      Plot.dot(dots, {
        x: "x",
        y: "y",
        r: 4,
        fill: (d: Dot) => colour.get(d.series)!,
        stroke: "white",
      }),
    ],
  }) as unknown as FigureElement;
}

/** Options for {@linkcode sweepCurvesFigure}. */
export interface SweepCurvesFigureOptions extends FigureOptions {
  /** The model whose curves to draw. @default the first model of the sweep */
  model?: string;
}

/**
 * One model's length sweep: TTFT against prompt tokens (a dot per point and output length, bars
 * the 95 % BCa intervals, the dashed line the least-squares fit), and decode tokens/s against the
 * prompt length it decoded after (the depth), one line per output length.
 */
export function sweepCurvesFigure(
  curves: SweepCurves,
  options: SweepCurvesFigureOptions = {},
): FigureElement {
  const model = options.model ?? curves.points[0]?.model_key;
  const figure = `length_sweep_${model ?? "none"}`;
  const title = `Length sweep: ${model ?? "no model"}`;
  const points = curves.points.filter((p) => p.model_key === model);
  if (points.length === 0) return emptyFigure(figure, title, "no length-sweep point", options);
  const fit = curves.fits.find((f) => f.model_key === model) ?? null;
  const outputs = [...new Set(points.map((p) => p.output_tokens_target))].sort((a, b) => a - b);
  const series = (o: number) => `${o} output tokens`;
  const colour = new Map(outputs.map((o, i) => [series(o), PALETTE[i % PALETTE.length]]));
  const dotsOf = (
    pick: (p: (typeof points)[number]) => { value: number | null; ci95: [number, number] | null },
  ) =>
    points.flatMap((p) => {
      const e = pick(p);
      if (e.value === null) return [];
      return [{
        x: p.prompt_tokens ?? p.prompt_tokens_target,
        y: e.value,
        lo: e.ci95?.[0] ?? e.value,
        hi: e.ci95?.[1] ?? e.value,
        series: series(p.output_tokens_target),
      }];
    });
  const xs = points.map((p) => p.prompt_tokens ?? p.prompt_tokens_target);
  const line = fit && fit.slope !== null && fit.intercept !== null
    ? [0, Math.max(...xs)].map((x) => ({ x, y: fit.intercept! + fit.slope! * x }))
    : undefined;
  const ttft = panel(dotsOf((p) => p.ttft_ms), colour, {
    ...options,
    xLabel: "Prompt tokens (chat template included)",
    yLabel: "TTFT (ms) — lower is better",
    line,
  });
  const decode = panel(dotsOf((p) => p.decode_tokens_per_s), colour, {
    ...options,
    xLabel: "Depth: prompt tokens before decoding",
    yLabel: "Decode tokens/s — higher is better",
  });
  const exact = points.every((p) => p.prompt_exact);
  const svg = composeFigure({
    document: documentOf(options),
    width: options.width ?? 680,
    title,
    notes: [
      fit && fit.slope !== null
        ? `Fit over ${fit.n} requests: TTFT = ${fmt(fit.overhead_ms, 1)} ms + ${
          fmt(fit.ms_per_prompt_token, 4)
        } ms/token × prompt tokens (slope 95 % t interval [${fmt(fit.slope_ci95?.[0], 4)}, ${
          fmt(fit.slope_ci95?.[1], 4)
        }], R² ${fmt(fit.r2, 3)}); ≈ ${fmt(fit.implied_prefill_tokens_per_s, 0)} prefill tokens/s.`
        : "Too few points for a fit.",
      `Dots: means over measured requests; bars: 95 % BCa bootstrap intervals. Prompts ${
        exact ? "built to exactly their target length" : "NOT all of their exact target length"
      } with the model's tokenizer; prompt cache off.`,
    ],
    legendTitle: "Output length:",
    legend: outputs.map((o) => ({
      label: series(o),
      colour: colour.get(series(o))!,
      symbol: "dot",
    })),
    panels: [
      { title: "TTFT against prompt length (dashed: least-squares line)", element: ttft },
      { title: "Decode speed at depth", element: decode },
    ],
  });
  return withSources(svg, figure, title, points);
}

/**
 * Throughput against latency over the concurrency levels of each (model, scenario): aggregate
 * output tokens/s on x, p50 ITL (top) and p50 TTFT (bottom) on y, each level labelled c=N, the
 * knee ringed in red.
 */
export function throughputLatencyFigure(
  rows: readonly ThroughputLatencyRow[],
  options: FigureOptions = {},
): FigureElement {
  const figure = "throughput_latency";
  const title = "Throughput against latency by concurrency";
  const usable = rows.filter((r) => r.aggregate_tps !== null);
  if (usable.length === 0) {
    return emptyFigure(
      figure,
      title,
      "no scenario measured at two or more concurrency levels",
      options,
    );
  }
  const curve = (r: ThroughputLatencyRow) =>
    `${r.model_key} (${r.format} ${r.quantization}) · ${r.scenario}${
      r.round ? ` · ${r.round}` : ""
    }`;
  const names = [...new Set(usable.map(curve))];
  const colour = new Map(names.map((n, i) => [n, PALETTE[i % PALETTE.length]]));
  const width = options.width ?? 680;
  const plot = (metric: "itl_p50" | "ttft_p50", label: string) => {
    const pts = usable.filter((r) => r[metric] !== null).map((r) => ({
      x: r.aggregate_tps!,
      y: r[metric]!,
      lo: r.aggregate_tps_lo ?? r.aggregate_tps!,
      hi: r.aggregate_tps_hi ?? r.aggregate_tps!,
      c: `c=${r.concurrency}`,
      knee: r.knee,
      series: curve(r),
    }));
    return Plot.plot({
      document: documentOf(options) as never,
      width,
      height: 280,
      marginLeft: 64,
      marginRight: 40,
      marginTop: 14,
      marginBottom: 42,
      inset: 16,
      style: STYLE,
      x: {
        label: "Aggregate output tokens/s (all streams) — higher is better",
        labelAnchor: "center",
        labelArrow: "none",
        grid: true,
        // Not from zero: levels often differ by a few per cent, which a zero-based axis hides.
        nice: true,
      },
      y: { label, labelAnchor: "center", labelArrow: "none", grid: true, zero: true },
      marks: [
        Plot.ruleY(pts, { y: "y", x1: "lo", x2: "hi", stroke: (p) => colour.get(p.series)! }),
        Plot.line(pts, { x: "x", y: "y", z: "series", stroke: (p) => colour.get(p.series)! }),
        Plot.dot(pts, {
          x: "x",
          y: "y",
          r: 4,
          fill: (p) => colour.get(p.series)!,
          stroke: "white",
        }),
        Plot.dot(pts.filter((p) => p.knee), {
          x: "x",
          y: "y",
          r: 10,
          stroke: "#c00",
          strokeWidth: 2,
        }),
        Plot.text(pts, {
          x: "x",
          y: "y",
          text: (p) => p.knee ? `${p.c} knee` : p.c,
          dy: -12,
          fontSize: 10,
          fill: "#222",
        }),
      ],
    }) as unknown as FigureElement;
  };
  const svg = composeFigure({
    document: documentOf(options),
    width,
    title,
    notes: [
      "Each dot is one concurrency level (c = requests in flight); horizontal bars: 95 % BCa intervals of aggregate tokens/s over concurrent windows.",
      "Knee (red ring): the level farthest below the diagonal once throughput and latency are scaled to [0, 1] over the curve (Kneedle): past it, more concurrency buys little throughput for much latency.",
    ],
    legendTitle: "Curve:",
    legend: names.map((n) => ({ label: n, colour: colour.get(n)!, symbol: "line" })),
    panels: [
      {
        title: "Inter-token latency p50 (ms) — lower is better",
        element: plot("itl_p50", "ITL p50 (ms)"),
      },
      {
        title: "Time to first token p50 (ms) — lower is better",
        element: plot("ttft_p50", "TTFT p50 (ms)"),
      },
    ],
  });
  return withSources(svg, figure, title, usable);
}
