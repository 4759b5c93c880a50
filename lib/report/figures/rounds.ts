import * as Plot from "@observablehq/plot";
import type { RoundsSummary, SweepRow } from "../../rounds/mod.ts";
import { composeFigure, type FigureElement, maxTextWidth } from "../../figures/mod.ts";
import type { RoundsSummaryFile } from "../_derived.ts";
import { type RoundsRow, roundsTable, type SweepTableRow, sweepTableRow } from "../rounds.ts";
import { documentOf, emptyFigure, type FigureOptions, STYLE, withSources } from "./_common.ts";
import { sweepScatterFigure } from "./scatter.ts";

/** Options for {@linkcode roundsBaselineFigure} and {@linkcode roundsEffectFigure}. */
export interface RoundsEffectFigureOptions extends FigureOptions {
  /** @default "output_tokens_per_s" */
  metric?: "ttft_ms" | "output_tokens_per_s" | "peak_rss_bytes";
}

const METRIC = {
  ttft_ms: { row: "ttft_ms", label: "Δ TTFT vs baseline (ms)", title: "TTFT" },
  output_tokens_per_s: {
    row: "output_tps",
    label: "Δ output tokens/s vs baseline",
    title: "output tokens/s",
  },
  peak_rss_bytes: { row: "peak_ram_mib", label: "Δ peak RSS vs baseline (MiB)", title: "peak RSS" },
} as const;

const SIGNIFICANT = "#d1495b";
const NOT_SIGNIFICANT = "#4269d0";

/**
 * Each round's change against baseline with its Welch 95 % interval, one panel per scenario (own
 * scale), one row per model × round; red = the interval excludes 0, blue = it does not, with a
 * legend. Quality (the fixed eval subset, Newcombe interval) is a last panel in percentage points.
 */
export function roundsBaselineFigure(
  rows: readonly RoundsRow[],
  options: RoundsEffectFigureOptions = {},
): FigureElement {
  const metric = options.metric ?? "output_tokens_per_s";
  const m = METRIC[metric];
  const figure = `rounds_vs_baseline_${m.row}`;
  const title = `Optimization rounds vs baseline: ${m.title}`;
  const data = rows.filter((r) =>
    (r.metric === m.row || r.metric === "accuracy") && r.diff !== null && r.diff_lo !== null &&
    r.diff_hi !== null
  ).map((r) => {
    const scale = r.metric === "accuracy" ? 100 : 1;
    return {
      panel: r.metric === "accuracy" ? r.scenario : r.scenario,
      quality: r.metric === "accuracy",
      label: `${r.model_key} · ${r.round}`,
      value: r.diff! * scale,
      lo: r.diff_lo! * scale,
      hi: r.diff_hi! * scale,
      significant: r.significant === true,
    };
  });
  if (data.length === 0) {
    return emptyFigure(figure, title, "no round measured against a baseline", options);
  }
  const width = options.width ?? 720;
  const marginLeft = Math.ceil(maxTextWidth(data.map((d) => d.label), { fontSize: 12 })) + 16;
  const panelsOf = [...new Set(data.map((d) => d.panel))].sort((a, b) =>
    a.startsWith("quality:") === b.startsWith("quality:")
      ? (a < b ? -1 : 1)
      : a.startsWith("quality:")
      ? 1
      : -1
  );
  const panels = panelsOf.map((panel) => {
    const mine = data.filter((d) => d.panel === panel);
    const quality = mine[0].quality;
    const element = Plot.plot({
      document: documentOf(options) as never,
      width,
      height: 56 + 24 * mine.length,
      marginLeft,
      marginRight: 24,
      marginTop: 8,
      marginBottom: 40,
      style: STYLE,
      x: {
        label: quality ? "Δ accuracy vs baseline (percentage points)" : m.label,
        labelAnchor: "center",
        labelArrow: "none",
        grid: true,
        nice: true,
      },
      y: { label: null, domain: mine.map((d) => d.label) },
      marks: [
        Plot.ruleX([0], { stroke: "#888" }),
        Plot.ruleY(mine, {
          y: "label",
          x1: "lo",
          x2: "hi",
          stroke: (d: { significant: boolean }) => (d.significant ? SIGNIFICANT : NOT_SIGNIFICANT),
          strokeWidth: 2,
        }),
        Plot.dot(mine, {
          y: "label",
          x: "value",
          fill: (d: { significant: boolean }) => (d.significant ? SIGNIFICANT : NOT_SIGNIFICANT),
          r: 4,
        }),
      ],
    }) as unknown as FigureElement;
    return {
      title: quality ? `Quality subset: ${panel.slice("quality:".length)}` : `Scenario: ${panel}`,
      element,
    };
  });
  const svg = composeFigure({
    document: documentOf(options),
    width,
    title,
    notes: [
      "Round − baseline of the same model and rounds run. Dot = difference of means (or of accuracies), bar = 95% interval (Welch for means, Newcombe for accuracy).",
    ],
    legend: [
      { label: "interval excludes 0 (significant)", colour: SIGNIFICANT, symbol: "dot" },
      { label: "interval contains 0", colour: NOT_SIGNIFICANT, symbol: "dot" },
    ],
    panels,
  });
  return withSources(svg, figure, title, rows);
}

/** {@linkcode roundsBaselineFigure} of one rounds summary (the notebooks' view of a run). */
export function roundsEffectFigure(
  summary: RoundsSummary,
  options: RoundsEffectFigureOptions = {},
): FigureElement {
  const rows = roundsTable({
    rounds: [{ file: "", summary: summary as unknown as RoundsSummaryFile }],
  });
  return roundsBaselineFigure(rows, options);
}

/** Speed vs quality of a precision-vs-size sweep (lib/rounds' rows), as the report draws it. */
export function sweepFigure(
  rows: readonly SweepRow[],
  options: FigureOptions & { scenario?: string } = {},
): FigureElement {
  const table: SweepTableRow[] = rows.map((r) => sweepTableRow(r, ""));
  return sweepScatterFigure(table, options);
}
