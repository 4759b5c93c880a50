/**
 * Figure helpers shared by every figure of the project (lib/eval, lib/compliance, lib/report,
 * notebooks): a headless document (linkedom) for Observable Plot, the font family and text widths
 * to lay out labels, the palette and style, SVG serialization, PNG rendering (resvg) with the
 * figure's sources in a `tEXt` chunk, and writing both files. Nothing here knows about results.
 *
 * @example
 * ```ts ignore
 * import * as Plot from "@observablehq/plot";
 * import { headlessDocument, writeFigure } from "./mod.ts";
 * const svg = Plot.dot([[1, 2]]).plot({ document: headlessDocument() as never });
 * await writeFigure(svg as never, "figures", { name: "demo" });
 * ```
 * @module
 */
export {
  type FigureElement,
  FONT_FAMILY,
  headlessDocument,
  svgString,
  svgToPng,
} from "./_render.ts";
export {
  attachMetadata,
  type FigureMetadata,
  METADATA_KEY,
  type SourcedRow,
  sourcesOf,
  svgMetadata,
} from "./_metadata.ts";
export { type PngChunk, pngChunks, PngError, pngSize, pngText, pngWithText } from "./_png.ts";
export { svgWidth, writeFigure, type WriteFigureOptions, type WrittenFigure } from "./write.ts";
export { maxTextWidth, textWidth, type TextWidthOptions } from "./_text.ts";
export { FONT_SIZE, FORMAT_COLOURS, needsLogScale, PALETTE, STYLE } from "./_style.ts";
export {
  composeFigure,
  type ComposeOptions,
  type GradientKey,
  type LegendItem,
  type Panel,
  wrapText,
} from "./compose.ts";
