/** Writing a figure as SVG and PNG, its sources in both files. @module */
import { join } from "node:path";
import { type FigureMetadata, METADATA_KEY, svgMetadata } from "./_metadata.ts";
import { pngSize, pngWithText } from "./_png.ts";
import { svgString, svgToPng } from "./_render.ts";

/** Options for {@linkcode writeFigure}. */
export interface WriteFigureOptions {
  /** File name without extension. @default the figure's `data-figure` id */
  name?: string;
  /** PNG pixels per SVG pixel (2 for print). @default 2 */
  scale?: number;
}

/** A figure on disk. */
export interface WrittenFigure {
  id: string;
  svgPath: string;
  pngPath: string;
  /** The SVG text (with `xmlns` and metadata). */
  svg: string;
  /** PNG size in pixels. */
  width: number;
  height: number;
  metadata: FigureMetadata | null;
}

/** The SVG width in pixels (its `width` attribute). */
export function svgWidth(svg: string): number {
  const m = svg.match(/^<svg[^>]*\swidth="([\d.]+)"/);
  if (!m) {
    throw new TypeError(
      `svgWidth() needs an <svg> with a width attribute: current value is ${svg.slice(0, 80)}`,
    );
  }
  return Number(m[1]);
}

/** Write `<dir>/<name>.svg` and `<dir>/<name>.png` (PNG at `scale` × the SVG width, metadata in a tEXt chunk). */
export async function writeFigure(
  element: { outerHTML: string },
  dir: string,
  options: WriteFigureOptions = {},
): Promise<WrittenFigure> {
  const svg = svgString(element);
  const metadata = svgMetadata(svg);
  const id = options.name ?? metadata?.figure ?? svg.match(/data-figure="([^"]+)"/)?.[1] ??
    "figure";
  const width = Math.round(svgWidth(svg) * (options.scale ?? 2));
  let png = svgToPng(svg, { width });
  if (metadata) {
    const ascii = JSON.stringify(metadata).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
    png = pngWithText(png, METADATA_KEY, ascii);
  }
  await Deno.mkdir(dir, { recursive: true });
  const svgPath = join(dir, `${id}.svg`);
  const pngPath = join(dir, `${id}.png`);
  await Deno.writeTextFile(svgPath, svg);
  await Deno.writeFile(pngPath, png);
  return { id, svgPath, pngPath, svg, ...pngSize(png), metadata };
}
