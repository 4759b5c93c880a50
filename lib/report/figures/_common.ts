/** Shared pieces of the report's figure builders: the "no data" figure, sources, model labels. @module */
import * as Plot from "@observablehq/plot";
import {
  attachMetadata,
  type FigureElement,
  headlessDocument,
  type SourcedRow,
  sourcesOf,
  STYLE,
} from "../../figures/mod.ts";

export { FORMAT_COLOURS, PALETTE, STYLE } from "../../figures/mod.ts";

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

/** The attribute that marks a figure drawn for no data (`data-empty`, holding the reason). */
export const EMPTY_ATTRIBUTE = "data-empty";

/**
 * A figure that says there is nothing to draw, marked `data-empty="<message>"`: notebooks show it,
 * the report writes no file for it and prints the message instead (see {@linkcode emptyReason}).
 */
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
  svg.setAttribute(EMPTY_ATTRIBUTE, message);
  return attachMetadata(svg, { figure, title, run_ids: [], config_hashes: [] });
}

/** The reason a figure has nothing to draw, or null when it has data. */
export function emptyReason(element: { outerHTML: string }): string | null {
  const m = element.outerHTML.match(/^<svg[^>]*\sdata-empty="([^"]*)"/);
  return m
    ? m[1].replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">")
      .replaceAll("&amp;", "&")
    : null;
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
