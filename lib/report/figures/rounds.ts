import * as Plot from "@observablehq/plot";
import type { RoundsSummary } from "../../rounds/mod.ts";
import type { SweepRow } from "../../rounds/mod.ts";
import { type FigureElement, FONT_FAMILY, headlessDocument } from "../../figures/mod.ts";

/** Options for {@linkcode roundsEffectFigure}. */
export interface RoundsEffectFigureOptions {
  /** @default "output_tokens_per_s" */
  metric?: "ttft_ms" | "output_tokens_per_s" | "peak_rss_bytes";
  document?: unknown;
  /** @default 640 */
  width?: number;
}

const LABEL = {
  ttft_ms: "Δ TTFT vs baseline (ms), 95% CI",
  output_tokens_per_s: "Δ output tokens/s vs baseline, 95% CI",
  peak_rss_bytes: "Δ peak RSS vs baseline (MiB), 95% CI",
};

/** Each round's change against baseline with its Welch 95 % interval (one row per round × scenario). */
export function roundsEffectFigure(
  summary: RoundsSummary,
  options: RoundsEffectFigureOptions = {},
): FigureElement {
  const metric = options.metric ?? "output_tokens_per_s";
  const scale = metric === "peak_rss_bytes" ? 2 ** 20 : 1;
  const data = summary.performance.filter((p) => p.vs_baseline?.[metric].ci95).map((p) => {
    const d = p.vs_baseline![metric];
    return {
      label: `${p.round} · ${p.scenario}`,
      value: d.value! / scale,
      lo: d.ci95![0] / scale,
      hi: d.ci95![1] / scale,
      significant: d.significant,
    };
  });
  return Plot.plot({
    document: (options.document ?? headlessDocument()) as never,
    width: options.width ?? 640,
    marginLeft: 240,
    marginRight: 30,
    height: 50 + 26 * Math.max(1, data.length),
    style: { fontFamily: FONT_FAMILY, fontSize: "12px", background: "white" },
    x: { label: LABEL[metric], grid: true },
    y: { label: null },
    marks: [
      Plot.ruleX([0], { stroke: "#888" }),
      Plot.ruleY(data, {
        y: "label",
        x1: "lo",
        x2: "hi",
        stroke: (d: { significant: boolean }) => (d.significant ? "#d1495b" : "#4269d0"),
        strokeWidth: 2,
      }),
      Plot.dot(data, {
        y: "label",
        x: "value",
        fill: (d: { significant: boolean }) => (d.significant ? "#d1495b" : "#4269d0"),
        r: 4,
      }),
    ],
  }) as unknown as FigureElement;
}

/** Speed vs quality of a precision-vs-size sweep, one labelled point per model variant. */
export function sweepFigure(
  rows: readonly SweepRow[],
  options: { document?: unknown; width?: number; scenario?: string } = {},
): FigureElement {
  const scenario = options.scenario ?? rows[0]?.scenario;
  const data = rows.filter((r) => r.scenario === scenario && r.output_tokens_per_s.value !== null)
    .map((r) => ({
      label: `${r.model_key} (${r.quantization}${
        r.bits_per_weight ? `, ${r.bits_per_weight.toFixed(1)} bpw` : ""
      })`,
      tps: r.output_tokens_per_s.value!,
      quality: r.quality?.value ?? 0,
    }));
  return Plot.plot({
    document: (options.document ?? headlessDocument()) as never,
    width: options.width ?? 640,
    height: 380,
    marginRight: 40,
    style: { fontFamily: FONT_FAMILY, fontSize: "12px", background: "white" },
    x: { label: `Output tokens/s (${scenario})`, grid: true, zero: true },
    y: { label: "Quality (accuracy)", domain: [0, 1], grid: true },
    marks: [
      Plot.dot(data, { x: "tps", y: "quality", r: 5, fill: "#4269d0" }),
      Plot.text(data, { x: "tps", y: "quality", text: "label", dy: -10, fontSize: 10 }),
    ],
  }) as unknown as FigureElement;
}
