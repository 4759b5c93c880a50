import * as Plot from "@observablehq/plot";
import type { PerClassRow } from "../capability.ts";
import {
  documentOf,
  emptyFigure,
  type FigureOptions,
  modelLabel,
  STYLE,
  withSources,
} from "./_common.ts";
import type { FigureElement } from "../../figures/mod.ts";

/**
 * Banking77 per-class F1: a heat map of class (rows, by mean F1 over the models, best first) ×
 * model (columns), each cell labelled with its F1; the colour runs from 0 (white) to 1 (dark blue),
 * its key drawn as marks. Classes with no support in a model's sample are hatched grey.
 */
export function perClassF1Figure(
  rows: readonly PerClassRow[],
  options: FigureOptions = {},
): FigureElement {
  const figure = "banking77_per_class_f1";
  const title = "Banking77 per-class F1";
  if (rows.length === 0) {
    return emptyFigure(figure, title, "no Banking77 run with per-class scores", options);
  }
  const models = [...new Set(rows.map((r) => modelLabel(r)))];
  const mean = new Map<string, number>();
  for (const label of new Set(rows.map((r) => r.label))) {
    const xs = rows.filter((r) => r.label === label).map((r) => r.f1);
    mean.set(label, xs.reduce((a, b) => a + b, 0) / xs.length);
  }
  const classes = [...mean.keys()].sort((a, b) => mean.get(b)! - mean.get(a)! || (a < b ? -1 : 1));
  const data = rows.map((r) => ({
    model: modelLabel(r),
    label: r.label,
    f1: r.f1,
    text: r.support === 0 && r.f1 === 0 ? "–" : r.f1.toFixed(2),
    unsupported: r.support === 0,
  }));
  const key = Array.from({ length: 11 }, (_, i) => ({ v: i / 10 }));
  const svg = Plot.plot({
    document: documentOf(options) as never,
    width: options.width ?? Math.max(520, 260 + 110 * models.length),
    height: 120 + 16 * classes.length,
    marginLeft: 250,
    marginTop: 90,
    marginBottom: 20,
    style: { ...STYLE, fontSize: "11px" },
    x: { domain: models, label: null, axis: "top", tickRotate: 0 },
    y: { domain: classes, label: null },
    color: { type: "linear", domain: [0, 1], range: ["#ffffff", "#08306b"] },
    marks: [
      Plot.cell(data.filter((d) => d.unsupported), {
        x: "model",
        y: "label",
        fill: "#eee",
        inset: 0.5,
      }),
      Plot.cell(data.filter((d) => !d.unsupported), {
        x: "model",
        y: "label",
        fill: "f1",
        inset: 0.5,
      }),
      Plot.text(data, {
        x: "model",
        y: "label",
        text: "text",
        fill: (d: { f1: number }) => d.f1 > 0.55 ? "white" : "#222",
        fontSize: 10,
      }),
      ...key.map((k, i) =>
        Plot.text([k.v === 0 ? "■ 0" : k.v === 1 ? "■ 1" : "■"], {
          frameAnchor: "top-left",
          dx: -240 + 14 * i,
          dy: -80,
          fill: Plot.scale({
            color: { type: "linear", domain: [0, 1], range: ["#ffffff", "#08306b"] },
          })
            .apply(k.v) as string,
          stroke: "#ccc",
          strokeWidth: 0.3,
          fontSize: 14,
        })
      ),
      Plot.text(["F1 (per class, this sample); – = class absent from the sample"], {
        frameAnchor: "top-left",
        dx: -240,
        dy: -60,
        fill: "#555",
      }),
    ],
  });
  return withSources(svg, figure, title, rows);
}
