import * as Plot from "@observablehq/plot";
import type { PerfRow } from "../perf_table.ts";
import { type FigureElement, FONT_FAMILY, headlessDocument } from "./_render.ts";

/** Options for {@linkcode perfCiFigure}. */
export interface PerfCiFigureOptions {
  /** Which measure: TTFT (lower is better) or output tokens/s (higher is better). @default "ttft_ms" */
  metric?: "ttft_ms" | "output_tps";
  /** Document to render into (headless: linkedom). @default a new linkedom document */
  document?: unknown;
  /** @default 640 */
  width?: number;
}

const LABELS = {
  ttft_ms: "TTFT (ms), mean and 95% CI",
  output_tps: "Output tokens/s, mean and 95% CI",
};

/** Mean with its 95 % CI bar per model and scenario; returns an `<svg>` element. */
export function perfCiFigure(
  rows: readonly PerfRow[],
  options: PerfCiFigureOptions = {},
): FigureElement {
  const metric = options.metric ?? "ttft_ms";
  const document = options.document ?? headlessDocument();
  const data = rows.filter((r) => r[metric] !== null).map((r) => ({
    label: `${r.model_key} · ${r.scenario}`,
    value: r[metric] as number,
    lo: (r[`${metric}_lo`] ?? r[metric]) as number,
    hi: (r[`${metric}_hi`] ?? r[metric]) as number,
  }));
  return Plot.plot({
    document: document as never,
    width: options.width ?? 640,
    marginLeft: 260,
    marginRight: 70,
    marginBottom: 40,
    height: 40 + 28 * Math.max(1, data.length),
    style: { fontFamily: FONT_FAMILY, fontSize: "12px", background: "white" },
    x: { label: LABELS[metric], grid: true, zero: true },
    y: { label: null },
    marks: [
      Plot.ruleY(data, { y: "label", x1: "lo", x2: "hi", stroke: "#4269d0", strokeWidth: 2 }),
      Plot.dot(data, { y: "label", x: "value", fill: "#4269d0", r: 4 }),
      Plot.text(data, {
        y: "label",
        x: "hi",
        text: (d: { value: number }) => d.value.toFixed(1),
        dx: 6,
        textAnchor: "start",
        fontSize: 10,
      }),
    ],
  }) as unknown as FigureElement;
}
