/**
 * One figure made of a title, wrapped notes, a legend and one or more panels stacked vertically
 * (each panel a Plot `<svg>` with its own scales: facets whose ranges differ). Everything is laid
 * out with the DejaVu Sans widths of `_text.ts`, so no text leaves the figure or runs into another.
 * @module
 */
import { type FigureElement, FONT_FAMILY, headlessDocument } from "./_render.ts";
import { FONT_SIZE } from "./_style.ts";
import { textWidth } from "./_text.ts";

/** One legend entry: a swatch and its label. */
export interface LegendItem {
  label: string;
  colour: string;
  /** @default "square" */
  symbol?: "square" | "dot" | "line" | "outline" | "dashed";
}

/** A continuous colour key. */
export interface GradientKey {
  title: string;
  /** Colour stops, low to high. */
  colours: readonly string[];
  /** Domain [low, high]. */
  domain: [number, number];
  /** Tick values shown under the bar. */
  ticks: readonly number[];
  format?: (v: number) => string;
}

/** A panel: a Plot `<svg>` (width and height attributes set) with an optional heading. */
export interface Panel {
  title?: string;
  element: FigureElement;
}

/** Options for {@linkcode composeFigure}. */
export interface ComposeOptions {
  /** Document to build into. @default a new linkedom document */
  document?: unknown;
  /** Figure width (px). @default the widest panel */
  width?: number;
  title: string;
  /** Lines under the title (wrapped), e.g. units and what bars mean. */
  notes?: readonly string[];
  legend?: readonly LegendItem[];
  legendTitle?: string;
  gradient?: GradientKey;
  panels: readonly Panel[];
}

/** Split `text` into lines no wider than `max` px (a word longer than `max` stands alone). */
export function wrapText(text: string, max: number, fontSize = FONT_SIZE): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, { fontSize }) > max) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

interface El {
  setAttribute(name: string, value: string): void;
  appendChild(child: unknown): unknown;
  getAttribute(name: string): string | null;
  textContent: string | null;
  outerHTML: string;
}
interface Doc {
  createElementNS(ns: string, tag: string): El;
}

const SVG_NS = "http://www.w3.org/2000/svg";
const PAD = 10;

/** The composed `<svg>`: title, notes, legend, gradient key, then the panels. */
export function composeFigure(options: ComposeOptions): FigureElement {
  const doc = (options.document ?? headlessDocument()) as Doc;
  const el = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const e = doc.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const attr = (p: Panel, name: string, fallback: number) =>
    Number((p.element.outerHTML.match(new RegExp(`^<svg[^>]*\\s${name}="([\\d.]+)"`)) ?? [])[1]) ||
    fallback;
  const sizeOf = (p: Panel) => ({ w: attr(p, "width", 640), h: attr(p, "height", 300) });
  const width = options.width ?? Math.max(320, ...options.panels.map((p) => sizeOf(p).w));
  const inner = width - 2 * PAD;
  const parts: El[] = [];
  let y = PAD;
  // Title (bold 15 px), wrapped.
  for (const line of wrapText(options.title, inner, 15)) {
    y += 17;
    parts.push(
      el("text", { x: PAD, y, "font-size": 15, "font-weight": "bold", fill: "#111" }, line),
    );
  }
  for (const note of options.notes ?? []) {
    for (const line of wrapText(note, inner, 11)) {
      y += 14;
      parts.push(el("text", { x: PAD, y, "font-size": 11, fill: "#444" }, line));
    }
  }
  // Legend: swatch (12 px) + 5 px + label, items 16 px apart, wrapped into rows.
  const legend = options.legend ?? [];
  if (legend.length) {
    y += 8;
    let x = PAD;
    let rowTop = y;
    if (options.legendTitle) {
      const w = textWidth(options.legendTitle, { fontSize: 11, bold: true });
      parts.push(
        el(
          "text",
          { x, y: rowTop + 11, "font-size": 11, "font-weight": "bold", fill: "#222" },
          options.legendTitle,
        ),
      );
      x += w + 10;
    }
    for (const item of legend) {
      const w = 17 + textWidth(item.label, { fontSize: 11 });
      if (x > PAD && x + w > PAD + inner) {
        x = PAD;
        rowTop += 17;
      }
      const cy = rowTop + 7;
      const symbol = item.symbol ?? "square";
      if (symbol === "dot") {
        parts.push(el("circle", { cx: x + 6, cy, r: 5, fill: item.colour }));
      } else if (symbol === "line") {
        parts.push(
          el("line", { x1: x, x2: x + 12, y1: cy, y2: cy, stroke: item.colour, "stroke-width": 3 }),
        );
      } else if (symbol === "outline" || symbol === "dashed") {
        parts.push(el("rect", {
          x: x + 0.5,
          y: cy - 5.5,
          width: 11,
          height: 11,
          fill: symbol === "dashed" ? item.colour : "white",
          "fill-opacity": symbol === "dashed" ? 0.35 : 1,
          stroke: symbol === "dashed" ? "#333" : item.colour,
          "stroke-dasharray": symbol === "dashed" ? "2,1.5" : "",
        }));
      } else {
        parts.push(el("rect", { x, y: cy - 6, width: 12, height: 12, fill: item.colour }));
      }
      parts.push(
        el("text", { x: x + 17, y: rowTop + 11, "font-size": 11, fill: "#222" }, item.label),
      );
      x += w + 16;
    }
    y = rowTop + 17;
  }
  const g = options.gradient;
  if (g) {
    y += 8;
    const titleW = textWidth(g.title, { fontSize: 11, bold: true });
    parts.push(
      el(
        "text",
        { x: PAD, y: y + 10, "font-size": 11, "font-weight": "bold", fill: "#222" },
        g.title,
      ),
    );
    const x0 = PAD + titleW + 12;
    const barW = Math.min(240, inner - titleW - 30);
    const id = `grad-${Math.random().toString(36).slice(2, 10)}`;
    const defs = el("defs", {});
    const lin = el("linearGradient", { id, x1: 0, x2: 1, y1: 0, y2: 0 });
    g.colours.forEach((c, i) =>
      lin.appendChild(
        el("stop", { offset: i / Math.max(1, g.colours.length - 1), "stop-color": c }),
      )
    );
    defs.appendChild(lin);
    parts.push(defs);
    parts.push(
      el("rect", {
        x: x0,
        y,
        width: barW,
        height: 10,
        fill: `url(#${id})`,
        stroke: "#999",
        "stroke-width": 0.5,
      }),
    );
    const fmt = g.format ?? ((v: number) => String(v));
    for (const t of g.ticks) {
      const tx = x0 + (barW * (t - g.domain[0])) / (g.domain[1] - g.domain[0]);
      parts.push(el("line", { x1: tx, x2: tx, y1: y + 10, y2: y + 13, stroke: "#555" }));
      parts.push(
        el(
          "text",
          { x: tx, y: y + 24, "font-size": 10, "text-anchor": "middle", fill: "#333" },
          fmt(t),
        ),
      );
    }
    y += 28;
  }
  y += 6;
  const placed: El[] = [];
  for (const p of options.panels) {
    if (p.title) {
      for (const line of wrapText(p.title, inner, 12)) {
        y += 15;
        parts.push(
          el("text", { x: PAD, y, "font-size": 12, "font-weight": "bold", fill: "#222" }, line),
        );
      }
      y += 4;
    }
    const { h } = sizeOf(p);
    const node = p.element as unknown as El;
    node.setAttribute("x", "0");
    node.setAttribute("y", String(y));
    node.setAttribute("overflow", "hidden");
    placed.push(node);
    y += h + 6;
  }
  const height = Math.ceil(y + PAD);
  const svg = el("svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    "font-family": FONT_FAMILY,
    style: `font-family: ${FONT_FAMILY}; background: white`,
  });
  svg.appendChild(el("rect", { x: 0, y: 0, width, height, fill: "white" }));
  for (const part of parts) svg.appendChild(part);
  for (const node of placed) svg.appendChild(node);
  return svg as unknown as FigureElement;
}
