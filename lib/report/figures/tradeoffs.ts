import * as Plot from "@observablehq/plot";
import type { TradeoffRow } from "../tradeoffs.ts";
import {
  documentOf,
  emptyFigure,
  type FigureOptions,
  modelLabel,
  PALETTE,
  STYLE,
  withSources,
} from "./_common.ts";
import type { FigureElement } from "../../figures/mod.ts";

const AXES: {
  key: keyof TradeoffRow;
  label: string;
  higher: boolean;
  digits: number;
  scale: number;
}[] = [
  { key: "quality", label: "Quality (%)", higher: true, digits: 1, scale: 100 },
  { key: "output_tps", label: "Tokens/s", higher: true, digits: 1, scale: 1 },
  { key: "ttft_ms", label: "TTFT (ms)", higher: false, digits: 0, scale: 1 },
  { key: "peak_ram_gib", label: "Peak RAM (GiB)", higher: false, digits: 2, scale: 1 },
  { key: "max_residual", label: "Max residual risk", higher: false, digits: 0, scale: 1 },
  { key: "efficiency", label: "Efficiency", higher: true, digits: 2, scale: 1 },
];

/**
 * The trade-offs as parallel coordinates (seed 003's "radar global"): one line per model across
 * quality, tokens/s, TTFT, peak RAM, residual risk and efficiency, each axis scaled from the worst
 * model (bottom) to the best (top), so higher is always better; the raw range is printed on each
 * axis. Axes no model has a value for are left out; a model without a value skips that axis.
 */
export function tradeoffsFigure(
  rows: readonly TradeoffRow[],
  options: FigureOptions = {},
): FigureElement {
  const figure = "tradeoffs_parallel";
  const title = "Trade-offs (parallel coordinates)";
  const axes = AXES.filter((a) => rows.filter((r) => r[a.key] !== null).length > 0);
  if (rows.length === 0 || axes.length < 2) {
    return emptyFigure(figure, title, "fewer than two measured axes", options);
  }
  const points: { model: string; axis: string; y: number; colour: string }[] = [];
  const ticks: { axis: string; y: number; text: string }[] = [];
  for (const a of axes) {
    const vs = rows.map((r) => r[a.key] as number | null).filter((v): v is number => v !== null);
    const lo = Math.min(...vs);
    const hi = Math.max(...vs);
    const norm = (v: number) =>
      hi === lo ? 0.5 : a.higher ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo);
    const fmt = (v: number) => (v * a.scale).toFixed(a.digits);
    ticks.push({ axis: a.label, y: 1, text: fmt(a.higher ? hi : lo) });
    ticks.push({ axis: a.label, y: 0, text: fmt(a.higher ? lo : hi) });
    rows.forEach((r, i) => {
      const v = r[a.key] as number | null;
      if (v !== null) {
        points.push({
          model: modelLabel(r),
          axis: a.label,
          y: norm(v),
          colour: PALETTE[i % PALETTE.length],
        });
      }
    });
  }
  const models = rows.map((r) => modelLabel(r));
  const last = axes.at(-1)!.label;
  const svg = Plot.plot({
    document: documentOf(options) as never,
    width: options.width ?? 760,
    height: 380 + 16 * models.length,
    marginTop: 30,
    marginRight: 190,
    marginBottom: 40 + 16 * models.length,
    marginLeft: 50,
    style: STYLE,
    x: { domain: axes.map((a) => a.label), label: null, padding: 0.1 },
    y: { domain: [0, 1], axis: null },
    marks: [
      Plot.ruleX(axes.map((a) => a.label), { stroke: "#999" }),
      ...models.map((m, i) =>
        Plot.line(points.filter((p) => p.model === m), {
          x: "axis",
          y: "y",
          stroke: PALETTE[i % PALETTE.length],
          strokeWidth: 2.5,
          marker: "circle",
        })
      ),
      Plot.text(ticks, {
        x: "axis",
        y: "y",
        text: "text",
        dx: 4,
        textAnchor: "start",
        fontSize: 10,
        fill: "#555",
      }),
      Plot.text(points.filter((p) => p.axis === last), {
        x: "axis",
        y: "y",
        text: "model",
        fill: "colour",
        dx: 40,
        textAnchor: "start",
        fontSize: 11,
      }),
      ...models.map((m, i) =>
        Plot.text([`— ${m}`], {
          frameAnchor: "bottom-left",
          dy: 36 + 16 * i,
          fill: PALETTE[i % PALETTE.length],
          fontWeight: "bold",
        })
      ),
      Plot.text(["top of each axis = best model, bottom = worst; labels give the raw range"], {
        frameAnchor: "top-left",
        dy: -20,
        fill: "#555",
      }),
    ],
  });
  return withSources(svg, figure, title, rows);
}
