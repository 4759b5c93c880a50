import * as Plot from "@observablehq/plot";
import {
  composeFigure,
  type FigureElement,
  maxTextWidth,
  PALETTE,
  wrapText,
} from "../../figures/mod.ts";
import type { TradeoffRow } from "../tradeoffs.ts";
import {
  documentOf,
  emptyFigure,
  type FigureOptions,
  modelLabel,
  STYLE,
  withSources,
} from "./_common.ts";

interface Axis {
  label: string;
  higher: boolean;
  digits: number;
  scale: number;
  value: (r: TradeoffRow) => number | null;
}

function axesOf(rows: readonly TradeoffRow[]): Axis[] {
  const scenarios = [...new Set(rows.flatMap((r) => Object.keys(r.ttft_ms_by_scenario)))].sort();
  return [
    { label: "Quality (%)", higher: true, digits: 1, scale: 100, value: (r) => r.quality },
    { label: "Output tokens/s", higher: true, digits: 1, scale: 1, value: (r) => r.output_tps },
    // One TTFT axis per scenario: a summarization prefill and a chat reply are never averaged.
    ...scenarios.map((s): Axis => ({
      label: `TTFT ${s} (ms)`,
      higher: false,
      digits: 0,
      scale: 1,
      value: (r) => r.ttft_ms_by_scenario[s] ?? null,
    })),
    { label: "Peak RAM (GiB)", higher: false, digits: 2, scale: 1, value: (r) => r.peak_ram_gib },
    {
      label: "Max residual risk",
      higher: false,
      digits: 0,
      scale: 1,
      value: (r) => r.max_residual,
    },
    { label: "Efficiency", higher: true, digits: 2, scale: 1, value: (r) => r.efficiency },
  ];
}

/**
 * The trade-offs as parallel coordinates (seed 003's "radar global"): one line per model across
 * quality, tokens/s, TTFT of each scenario (one axis per scenario, never averaged), peak RAM,
 * residual risk and efficiency, each axis scaled from the worst model (bottom) to the best (top);
 * the raw values at both ends are printed on the axis. Axes no model has a value for are left out.
 */
export function tradeoffsFigure(
  rows: readonly TradeoffRow[],
  options: FigureOptions = {},
): FigureElement {
  const figure = "tradeoffs_parallel";
  const title = "Trade-offs (parallel coordinates)";
  const axes = axesOf(rows).filter((a) => rows.some((r) => a.value(r) !== null));
  if (rows.length === 0 || axes.length < 2) {
    return emptyFigure(figure, title, "fewer than two measured axes", options);
  }
  const width = options.width ?? 800;
  const marginX = 40;
  // The end values are printed right of each axis: the last one needs room inside the figure.
  const lastValues = (() => {
    const a = axes.at(-1)!;
    const vs = rows.map(a.value).filter((v): v is number => v !== null);
    return vs.map((v) => `all ${(v * a.scale).toFixed(a.digits)}`);
  })();
  const marginRight = Math.max(marginX, Math.ceil(maxTextWidth(lastValues, { fontSize: 10 })) + 12);
  const spacing = (width - marginX - marginRight) / axes.length;
  const axisText = (a: Axis) => wrapText(a.label, spacing - 8, 11).join("\n");
  const lines = Math.max(...axes.map((a) => axisText(a).split("\n").length));
  const points: { model: string; axis: string; y: number }[] = [];
  const ticks: { axis: string; y: number; text: string }[] = [];
  for (const a of axes) {
    const vs = rows.map(a.value).filter((v): v is number => v !== null);
    const lo = Math.min(...vs);
    const hi = Math.max(...vs);
    const norm = (v: number) =>
      hi === lo ? 0.5 : a.higher ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo);
    const fmt = (v: number) => (v * a.scale).toFixed(a.digits);
    const name = axisText(a);
    ticks.push({ axis: name, y: 1, text: hi === lo ? `all ${fmt(hi)}` : fmt(a.higher ? hi : lo) });
    if (hi !== lo) ticks.push({ axis: name, y: 0, text: fmt(a.higher ? lo : hi) });
    for (const r of rows) {
      const v = a.value(r);
      if (v !== null) points.push({ model: modelLabel(r), axis: name, y: norm(v) });
    }
  }
  const models = [...new Set(rows.map((r) => modelLabel(r)))];
  const colour = new Map(models.map((m, i) => [m, PALETTE[i % PALETTE.length]]));
  const element = Plot.plot({
    document: documentOf(options) as never,
    width,
    height: 320 + 14 * lines,
    marginTop: 20 + 14 * lines,
    marginRight,
    marginBottom: 24,
    marginLeft: marginX,
    style: STYLE,
    x: { domain: axes.map(axisText), label: null, axis: "top", tickSize: 0, padding: 0 },
    y: { domain: [-0.06, 1.06], axis: null },
    marks: [
      Plot.ruleX(axes.map(axisText), { y1: 0, y2: 1, stroke: "#999" }),
      ...models.map((m) =>
        Plot.line(points.filter((p) => p.model === m), {
          x: "axis",
          y: "y",
          stroke: colour.get(m)!,
          strokeWidth: 2.5,
          marker: "circle",
        })
      ),
      ...[1, 0].map((end) =>
        Plot.text(ticks.filter((t) => t.y === end), {
          x: "axis",
          y: "y",
          text: "text",
          dx: 5,
          dy: end === 1 ? -7 : 7,
          textAnchor: "start",
          fontSize: 10,
          fill: "#555",
        })
      ),
    ],
  }) as unknown as FigureElement;
  const svg = composeFigure({
    document: documentOf(options),
    width,
    title,
    notes: [
      "Each axis runs from the worst model (bottom) to the best (top), so higher is always better; the numbers at the ends are the raw values. TTFT has one axis per scenario.",
    ],
    legendTitle: "Model:",
    legend: models.map((m) => ({ label: m, colour: colour.get(m)!, symbol: "line" as const })),
    panels: [{ element }],
  });
  return withSources(svg, figure, title, rows);
}
