/** Shared pieces of the figure builders: palette, style, the "no data" figure. @module */
import * as Plot from "@observablehq/plot";
import { attachMetadata, type SourcedRow, sourcesOf } from "./_metadata.ts";
import { type FigureElement, FONT_FAMILY, headlessDocument } from "./_render.ts";

/** Observable's categorical palette (colour-blind friendly, ten hues). */
export const PALETTE = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
  "#9c6b4e",
  "#9498a0",
];

/** Colours of the two formats in every figure. */
export const FORMAT_COLOURS: Record<string, string> = { GGUF: "#4269d0", MLX: "#ff725c" };

/** The Plot `style` every figure uses. */
export const STYLE = { fontFamily: FONT_FAMILY, fontSize: "12px", background: "white" };

/** Options every figure builder takes. */
export interface FigureOptions {
  /** Document to render into (headless: linkedom). @default a new linkedom document */
  document?: unknown;
  /** Width in pixels. @default 640 (wider for heat maps) */
  width?: number;
}

/** The document to draw into. */
export function documentOf(options: FigureOptions): unknown {
  return options.document ?? headlessDocument();
}

/** A figure that says there is nothing to draw (so the report keeps every figure). */
export function emptyFigure(
  figure: string,
  title: string,
  message: string,
  options: FigureOptions,
): FigureElement {
  const svg = Plot.plot({
    document: documentOf(options) as never,
    width: options.width ?? 640,
    height: 90,
    style: STYLE,
    axis: null,
    marks: [
      Plot.text([`${title}: ${message}`], { frameAnchor: "middle", fontSize: 13, fill: "#555" }),
    ],
  }) as unknown as FigureElement;
  return attachMetadata(svg, { figure, title, run_ids: [], config_hashes: [] });
}

/** Attach the rows' sources to a figure. */
export function withSources(
  svg: unknown,
  figure: string,
  title: string,
  rows: readonly SourcedRow[],
): FigureElement {
  return attachMetadata(svg as FigureElement, { figure, title, ...sourcesOf(rows) });
}

/** A short model label: `key (FORMAT QUANT)`. */
export function modelLabel(
  r: { model_key: string; format?: string; quantization?: string },
): string {
  return r.format
    ? `${r.model_key} (${r.format} ${r.quantization ?? ""})`.replace(" )", ")")
    : r.model_key;
}
