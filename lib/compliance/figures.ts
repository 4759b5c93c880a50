import * as Plot from "@observablehq/plot";
import { type FigureElement, FONT_FAMILY, headlessDocument } from "../figures/mod.ts";
import type { RiskRow } from "./tables.ts";

/** Options for {@linkcode riskHeatmap}. */
export interface RiskHeatmapOptions {
  /** Which score colours the cells. @default "residual" */
  score?: "residual" | "inherent";
  /** Rating bands, lowest first (a risk analysis's `ratingsOf`). @default low ≤4, medium ≤9, high ≤16, critical */
  ratings?: readonly { label: string; max_score: number }[];
  /** Document to render into (headless: linkedom). @default a new linkedom document */
  document?: unknown;
  /** @default 720 */
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
 * The risk matrix as a heat map: one row per model, one column per risk, each cell coloured by
 * its rating band and labelled with its score (likelihood × impact). Returns an `<svg>` element.
 */
export function riskHeatmap(
  rows: readonly RiskRow[],
  options: RiskHeatmapOptions = {},
): FigureElement {
  const score = options.score ?? "residual";
  const ratings = options.ratings ?? DEFAULT_RATINGS;
  const thresholds = ratings.slice(0, -1).map((r) => r.max_score + 0.5);
  const models = [...new Set(rows.map((r) => r.model_key))];
  const risks = [...new Set(rows.map((r) => r.risk))];
  const data = rows.map((r) => ({
    model: r.model_key,
    risk: r.risk,
    value: r[score],
    label: `${r[score]}${r.likelihood_basis === "prior" ? "*" : ""}`,
  }));
  return Plot.plot({
    document: (options.document ?? headlessDocument()) as never,
    width: options.width ?? 720,
    height: 70 + 34 * Math.max(1, models.length),
    marginLeft: 170,
    marginBottom: 40,
    style: { fontFamily: FONT_FAMILY, fontSize: "12px", background: "white" },
    x: {
      domain: risks,
      label: `${score} risk score (likelihood × impact); * = prior likelihood, not measured`,
      axis: "bottom",
    },
    y: { domain: models, label: null },
    color: { type: "threshold", domain: thresholds, range: COLOURS.slice(0, ratings.length) },
    marks: [
      Plot.cell(data, { x: "risk", y: "model", fill: "value", inset: 1 }),
      Plot.text(data, { x: "risk", y: "model", text: "label", fill: "white", fontWeight: "bold" }),
    ],
  }) as unknown as FigureElement;
}
