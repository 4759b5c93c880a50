import * as Plot from "@observablehq/plot";
import { composeFigure, type FigureElement, maxTextWidth, wrapText } from "../../figures/mod.ts";
import type { PerClassRow } from "../capability.ts";
import {
  documentOf,
  emptyFigure,
  type FigureOptions,
  modelLabel,
  STYLE,
  withSources,
} from "./_common.ts";

const LOW = "#ffffff";
const HIGH = "#08306b";

/**
 * Banking77 per-class F1: a heat map of class (rows, by mean F1 over the models, best first) ×
 * model (columns, names wrapped above), each cell labelled with its F1; the colour runs from 0
 * (white) to 1 (dark blue) with a graduated key; classes absent from a model's sample are grey.
 * The left margin fits the longest class name.
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
  const column = 120;
  const marginLeft = Math.ceil(maxTextWidth(classes, { fontSize: 11 })) + 14;
  const width = options.width ?? Math.max(560, marginLeft + column * models.length + 20);
  const headerText = (m: string) =>
    m.replace(" (", "\n(").split("\n").flatMap((part) => wrapText(part, column - 8, 11)).join("\n");
  const lines = Math.max(...models.map((m) => headerText(m).split("\n").length));
  const data = rows.map((r) => ({
    model: headerText(modelLabel(r)),
    label: r.label,
    f1: r.f1,
    text: r.support === 0 ? "–" : r.f1.toFixed(2),
    unsupported: r.support === 0,
  }));
  const element = Plot.plot({
    document: documentOf(options) as never,
    width,
    height: 30 + 14 * lines + 16 * classes.length,
    marginLeft,
    marginRight: 20,
    marginTop: 14 + 14 * lines,
    marginBottom: 10,
    style: { ...STYLE, fontSize: "11px" },
    x: { domain: models.map(headerText), label: null, axis: "top", tickSize: 0 },
    y: { domain: classes, label: null, tickSize: 0 },
    color: { type: "linear", domain: [0, 1], range: [LOW, HIGH] },
    marks: [
      Plot.cell(data.filter((d) => d.unsupported), {
        x: "model",
        y: "label",
        fill: "#e6e6e6",
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
        fill: (
          d: { f1: number; unsupported: boolean },
        ) => (!d.unsupported && d.f1 > 0.55 ? "white" : "#222"),
        fontSize: 10,
      }),
    ],
  }) as unknown as FigureElement;
  const svg = composeFigure({
    document: documentOf(options),
    width,
    title,
    notes: [
      "F1 per intent class in each model's latest Banking77 run (this sample's classes), best classes on top.",
    ],
    gradient: {
      title: "F1",
      colours: [LOW, HIGH],
      domain: [0, 1],
      ticks: [0, 0.25, 0.5, 0.75, 1],
      format: (v) => v.toFixed(2),
    },
    legend: [{ label: "class absent from the model's sample (–)", colour: "#e6e6e6" }],
    panels: [{ element }],
  });
  return withSources(svg, figure, title, rows);
}
