/**
 * Tables and figures for notebooks and the article: performance rows and Polars frames, Jupyter
 * display wrappers, and Plot figure builders that render headless (linkedom) to SVG and PNG.
 * @module
 */
export {
  type Displayable,
  displayable,
  formatCell,
  htmlTable,
  tableDisplay,
  textTable,
} from "./_display.ts";
export { perfFrame, type PerfRow, perfRows } from "./perf_table.ts";
export { perfCiFigure, type PerfCiFigureOptions } from "./figures/perf_ci.ts";
export {
  type FigureElement,
  FONT_FAMILY,
  headlessDocument,
  svgString,
  svgToPng,
} from "./figures/_render.ts";

import { type Displayable, displayable } from "./_display.ts";
import { svgString } from "./figures/_render.ts";

/** An SVG element displayed as an image in Jupyter. */
export function figureDisplay(element: { outerHTML: string }): Displayable {
  const svg = svgString(element);
  return displayable({ "image/svg+xml": svg, "text/html": svg, "text/plain": "[figure]" });
}
