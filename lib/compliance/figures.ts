import * as Plot from "@observablehq/plot";
import {
  composeFigure,
  type FigureElement,
  headlessDocument,
  maxTextWidth,
  STYLE,
  wrapText,
} from "../figures/mod.ts";
import type { RiskRow } from "./tables.ts";

/** Options for {@linkcode riskHeatmap}. */
export interface RiskHeatmapOptions {
  /** Which score colours the cells. @default "residual" */
  score?: "residual" | "inherent";
  /** Rating bands, lowest first (a risk analysis's `ratingsOf`). @default low ≤4, medium ≤9, high ≤16, critical */
  ratings?: readonly { label: string; max_score: number }[];
  /** How a row's model is named. @default its model key */
  modelLabel?: (row: RiskRow) => string;
  /** Document to render into (headless: linkedom). @default a new linkedom document */
  document?: unknown;
  /** @default 60 px per risk plus the model names, at least 720 */
  width?: number;
}

const COLOURS = ["#3ca951", "#efb118", "#ff725c", "#a4161a", "#5c0a0d"];
const DEFAULT_RATINGS = [
  { label: "low", max_score: 4 },
  { label: "medium", max_score: 9 },
  { label: "high", max_score: 16 },
  { label: "critical", max_score: 25 },
];

/**
 * The risk matrix as a heat map: one row per model (named), one column per risk (id and title,
 * wrapped), each cell coloured by its rating band and labelled with its score (likelihood ×
 * impact); a cell whose likelihood is the rubric's prior (no probe measured it) is drawn pale with
 * a dashed outline and a `*`. The colour legend names each band and its score range.
 */
export function riskHeatmap(
  rows: readonly RiskRow[],
  options: RiskHeatmapOptions = {},
): FigureElement {
  const score = options.score ?? "residual";
  const ratings = options.ratings ?? DEFAULT_RATINGS;
  const name = options.modelLabel ?? ((r: RiskRow) => r.model_key);
  const thresholds = ratings.slice(0, -1).map((r) => r.max_score + 0.5);
  const models = [...new Set(rows.map(name))];
  const risks = [...new Set(rows.map((r) => r.risk))];
  const titleOf = new Map(rows.map((r) => [r.risk, r.title]));
  // A column is as wide as the longest word of any risk title, so wrapped headers never touch.
  const words = [...titleOf.values()].flatMap((t) => t.split(/\s+/)).concat(risks);
  const column = Math.max(64, Math.ceil(maxTextWidth(words, { fontSize: 12 })) + 12);
  const marginLeft = Math.ceil(maxTextWidth(models, { fontSize: 12 })) + 14;
  const width = options.width ?? Math.max(720, marginLeft + column * risks.length + 20);
  const header = (risk: string) =>
    [risk, ...wrapText(titleOf.get(risk) ?? "", (width - marginLeft - 20) / risks.length - 8, 12)]
      .slice(0, 5).join("\n");
  const lines = Math.max(...risks.map((r) => header(r).split("\n").length));
  const data = rows.map((r) => ({
    model: name(r),
    risk: header(r.risk),
    value: r[score],
    prior: r.likelihood_basis === "prior",
    label: `${r[score]}${
      r.likelihood_basis === "prior" ? "*" : r.likelihood_basis === "inconclusive" ? "?" : ""
    }`,
  }));
  const doc = options.document ?? headlessDocument();
  const element = Plot.plot({
    document: doc as never,
    width,
    height: 30 + 13 * lines + 36 * Math.max(1, models.length),
    marginLeft,
    marginRight: 20,
    marginTop: 16 + 13 * lines,
    marginBottom: 8,
    style: { ...STYLE, fontSize: "12px" },
    x: { domain: risks.map(header), label: null, axis: "top", tickSize: 0 },
    y: { domain: models, label: null, tickSize: 0 },
    color: { type: "threshold", domain: thresholds, range: COLOURS.slice(0, ratings.length) },
    marks: [
      Plot.cell(data.filter((d) => !d.prior), { x: "risk", y: "model", fill: "value", inset: 1 }),
      Plot.cell(data.filter((d) => d.prior), {
        x: "risk",
        y: "model",
        fill: "value",
        fillOpacity: 0.35,
        stroke: "#333",
        strokeDasharray: "3,2",
        inset: 2,
      }),
      Plot.text(data, {
        x: "risk",
        y: "model",
        text: "label",
        fill: (d: { prior: boolean }) => (d.prior ? "#111" : "white"),
        fontWeight: "bold",
      }),
    ],
  }) as unknown as FigureElement;
  let low = 1;
  const legend = ratings.map((r, i) => {
    const item = {
      label: `${r.label} (${low}–${r.max_score})`,
      colour: COLOURS[i],
      symbol: "square" as const,
    };
    low = r.max_score + 1;
    return item;
  });
  return composeFigure({
    document: doc,
    width,
    title: `${
      score === "residual" ? "Residual" : "Inherent"
    } compliance risk per model and OWASP item`,
    notes: [
      `Cell = ${score} score, likelihood × impact${
        score === "residual" ? " after the mitigations whose evidence holds" : ""
      } (OWASP Top 10 for LLM Applications 2025).`,
    ],
    legendTitle: "Rating:",
    legend: [
      ...legend,
      { label: "* prior likelihood, not measured by a probe", colour: "#999", symbol: "dashed" },
      ...(rows.some((r) => r.likelihood_basis === "inconclusive")
        ? [{
          label: "? inconclusive: the model failed the instruction-following controls",
          colour: "#999",
          symbol: "square" as const,
        }]
        : []),
    ],
    panels: [{ element }],
  });
}
