/**
 * Figure provenance: the run ids and config hashes a figure was drawn from, carried in the SVG
 * (`<metadata>` JSON and a `<desc>`) and in the PNG (`tEXt` chunk).
 * @module
 */
import type { FigureElement } from "./_render.ts";

/** What a figure says about its sources. */
export interface FigureMetadata {
  /** The figure's id (also its file name). */
  figure: string;
  title: string;
  run_ids: string[];
  config_hashes: string[];
  generator: string;
}

/** The PNG `tEXt` keyword and SVG `<metadata>` id that hold the JSON. */
export const METADATA_KEY = "edge-slm-bench";

/** Rows that say where they came from (space-separated lists or single ids). */
export interface SourcedRow {
  run_ids?: string;
  run_id?: string;
  config_hashes?: string;
  config_hash?: string;
}

/** Union of the run ids and config hashes named by `rows`, sorted. */
export function sourcesOf(
  rows: readonly SourcedRow[],
): { run_ids: string[]; config_hashes: string[] } {
  const split = (xs: (string | undefined)[]) =>
    [...new Set(xs.flatMap((x) => (x ?? "").split(" ")).filter(Boolean))].sort();
  return {
    run_ids: split(rows.flatMap((r) => [r.run_ids, r.run_id])),
    config_hashes: split(rows.flatMap((r) => [r.config_hashes, r.config_hash])),
  };
}

interface DomNode {
  ownerDocument?: { createElement(tag: string): DomNode } | null;
  textContent: string | null;
  firstChild?: DomNode | null;
  insertBefore?(node: DomNode, before: DomNode | null): unknown;
  setAttribute(name: string, value: string): void;
}

/** Put the metadata into the figure (`<metadata data-key="edge-slm-bench">` JSON, `<desc>`, `data-figure`). */
export function attachMetadata(
  element: FigureElement,
  metadata: Omit<FigureMetadata, "generator">,
): FigureElement {
  const full: FigureMetadata = { ...metadata, generator: "edge-slm-bench lib/figures" };
  const node = element as unknown as DomNode;
  const doc = node.ownerDocument;
  element.setAttribute("data-figure", metadata.figure);
  if (doc && node.insertBefore) {
    const desc = doc.createElement("desc");
    desc.textContent = `${metadata.title}. Drawn from runs ${
      full.run_ids.join(", ") || "(none)"
    }; config hashes ${full.config_hashes.join(", ") || "(none)"}.`;
    const meta = doc.createElement("metadata");
    meta.setAttribute("data-key", METADATA_KEY);
    meta.textContent = JSON.stringify(full);
    node.insertBefore(desc, node.firstChild ?? null);
    node.insertBefore(meta, node.firstChild ?? null);
  }
  return element;
}

const unescape = (s: string) =>
  s.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll(
    "&#39;",
    "'",
  ).replaceAll("&amp;", "&");

/** The metadata of an SVG string, or null when it has none. */
export function svgMetadata(svg: string): FigureMetadata | null {
  const m = svg.match(new RegExp(`<metadata data-key="${METADATA_KEY}">([\\s\\S]*?)</metadata>`));
  return m ? JSON.parse(unescape(m[1])) : null;
}
