import { riskHeatmap } from "../../compliance/figures.ts";
import type { ComplianceRow } from "../compliance.ts";
import { emptyFigure, type FigureOptions, modelLabel, withSources } from "./_common.ts";
import type { FigureElement } from "../../figures/mod.ts";

/** Options for {@linkcode complianceHeatmapFigure}. */
export interface ComplianceHeatmapOptions extends FigureOptions {
  /** Rating bands, lowest first (lib/compliance's `ratingsOf(analysis)`). @default lib/compliance's */
  ratings?: readonly { label: string; max_score: number }[];
}

/**
 * The residual-risk heat map, model × OWASP item (lib/compliance's `riskHeatmap`, one row per
 * model), with the runs and config hashes it was drawn from.
 */
export function complianceHeatmapFigure(
  rows: readonly ComplianceRow[],
  options: ComplianceHeatmapOptions = {},
): FigureElement {
  const figure = "compliance_heatmap";
  const title = "Residual compliance risk per OWASP item";
  if (rows.length === 0) return emptyFigure(figure, title, "no compliance assessment", options);
  const svg = riskHeatmap(rows, {
    score: "residual",
    ratings: options.ratings,
    modelLabel: (r) => modelLabel(r as ComplianceRow),
    document: options.document,
    width: options.width,
  });
  return withSources(svg, figure, title, rows);
}
