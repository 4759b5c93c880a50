import { Resvg } from "@resvg/resvg-js";
import { parseHTML } from "linkedom";

/** What a figure builder returns: an `<svg>` element (DOM or linkedom). */
export interface FigureElement {
  outerHTML: string;
  setAttribute(name: string, value: string): void;
}

/** A fresh linkedom document for rendering figures without a browser. */
export function headlessDocument(): unknown {
  return (parseHTML("<!DOCTYPE html><html><body></body></html>") as unknown as {
    document: unknown;
  }).document;
}

/** The only font family this project can count on (Debian's fonts-dejavu; present on macOS via fallback). */
export const FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif";

/** Serialize an SVG element (from Plot + linkedom) to a standalone SVG string with `xmlns`. */
export function svgString(element: { outerHTML: string }): string {
  let svg = element.outerHTML;
  if (!svg.startsWith("<svg")) {
    throw new TypeError(
      "svgString() needs an <svg> element: a Plot with a legend returns a <figure>; draw legends as marks",
    );
  }
  if (!svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')) {
    // The namespace first (some SVG tools read only a leading xmlns), once.
    const end = svg.indexOf(">");
    const open = svg.slice(0, end).replace(/\sxmlns="[^"]*"/, "");
    svg = open.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"') + svg.slice(end);
  }
  return svg;
}

/** Render SVG text to PNG bytes with resvg (system fonts, DejaVu Sans by default). */
export function svgToPng(svg: string, options: { width?: number } = {}): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: options.width ? { mode: "width", value: options.width } : { mode: "original" },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    background: "white",
  });
  return resvg.render().asPng();
}
