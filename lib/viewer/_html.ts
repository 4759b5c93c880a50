/** HTML building with escaping by default, number formats and the page shell. @module */

/** Markup that is inserted as is (already escaped or built by {@linkcode h}). */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Escape text for HTML content and attribute values. */
export function esc(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** Markup inserted without escaping: only for strings this module built. */
export function raw(markup: string): Html {
  return new Html(markup);
}

function part(value: unknown): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(part).join("");
  return esc(String(value));
}

/**
 * A template whose interpolations are escaped unless they are {@linkcode Html}; arrays are
 * joined, null/undefined/false print nothing. Model outputs can hold markup: nothing they say
 * becomes markup here.
 */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1];
  return new Html(out);
}

const DASH = "–";

/** A number with fixed decimals, or an en dash. */
export function num(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? DASH : v.toFixed(digits);
}

/** A share as a percentage with one decimal (`12.5 %`), or an en dash. */
export function pct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v)
    ? DASH
    : `${(v * 100).toFixed(digits)} %`;
}

/** `value [low, high]` of an estimate, scaled (100 for percentages); en dash when unknown. */
export function withCi(
  estimate: { value: number | null; ci95?: [number, number] | null } | null | undefined,
  digits = 1,
  scale = 1,
): string {
  if (!estimate || estimate.value === null || !Number.isFinite(estimate.value)) return DASH;
  const s = (x: number) => (x * scale).toFixed(digits);
  const ci = estimate.ci95 ? ` [${s(estimate.ci95[0])}, ${s(estimate.ci95[1])}]` : "";
  return `${s(estimate.value)}${ci}`;
}

/** Bytes as MiB (2^20) with one decimal, or an en dash. */
export function mib(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined || !Number.isFinite(bytes)
    ? DASH
    : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** An ISO date shortened to `YYYY-MM-DD HH:MM:SS` (UTC), or an en dash. */
export function date(iso: string | null | undefined): string {
  if (!iso) return DASH;
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") + " UTC";
}

/** The viewer's path of a run page: `/run/<id>` (the id URL-encoded). */
export function runHref(runId: string): string {
  return `/run/${encodeURIComponent(runId)}`;
}

/** A path built from segments (each URL-encoded) and optional query parameters. */
export function href(
  segments: readonly string[],
  query: Record<string, string | number | null | undefined> = {},
): string {
  const path = "/" + segments.map(encodeURIComponent).join("/");
  const q = Object.entries(query).filter(([, v]) => v !== null && v !== undefined && v !== "");
  return q.length
    ? `${path}?${q.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join("&")}`
    : path;
}

/** A coloured badge. */
export function badge(text: string, tone: "good" | "bad" | "warn" | "muted" | "info"): Html {
  return h`<span class="badge badge-${tone}">${text}</span>`;
}

/** Text cut to `max` characters with an ellipsis (the whole text in the title attribute). */
export function clip(text: string, max: number, from: "start" | "end" = "start"): Html {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return h`<span>${flat}</span>`;
  const cut = from === "start" ? flat.slice(0, max) + "…" : "…" + flat.slice(-max);
  return h`<span title="${flat.slice(0, 2000)}">${cut}</span>`;
}

/** Where a page sits: the links shown above its title. */
export type Crumb = { label: string; href?: string };

/** Options for {@linkcode page}. */
export interface PageOptions {
  title: string;
  crumbs?: Crumb[];
  /** Problems with the files this page shows (bad lines named file:line). */
  warnings?: { file: string; line: number | null; message: string }[];
  /** The results folder served. */
  resultsDir: string;
}

/** A whole page: head with the local stylesheet and script, navigation, warnings, body. */
export function page(options: PageOptions, body: Html): string {
  const crumbs = [{ label: "Runs", href: "/" }, ...(options.crumbs ?? [])];
  const nav = crumbs.map((c, i) =>
    c.href && i < crumbs.length - 1
      ? h`<a href="${c.href}">${c.label}</a>`
      : h`<span>${c.label}</span>`
  );
  const warnings = options.warnings ?? [];
  const warn = warnings.length
    ? h`<details class="warnings" open><summary>${warnings.length} problem(s) in the files shown here: bad lines were skipped, the rest is served</summary><ul>${
      warnings.slice(0, 200).map((w) =>
        h`<li><code>${w.file}${w.line === null ? "" : `:${w.line}`}</code> ${w.message}</li>`
      )
    }${
      warnings.length > 200
        ? h`<li>… and ${warnings.length - 200} more (see <a href="/files">Files</a>)</li>`
        : ""
    }</ul></details>`
    : "";
  return `<!DOCTYPE html>\n${
    h`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${options.title} · Edge SLM Bench viewer</title>
<link rel="stylesheet" href="/static/viewer.css">
<script src="/static/viewer.js" defer></script>
</head><body>
<header class="top"><a class="brand" href="/">Edge SLM Bench · results viewer</a><nav class="crumbs">${
      nav.map((n, i) => i ? h` › ${n}` : n)
    }</nav><span class="dir" title="results folder">${options.resultsDir}</span><a href="/files">Files</a></header>
<main>
<h1>${options.title}</h1>
${warn}
${body}
</main></body></html>`.value
  }\n`;
}

/** A card: label, value, then an interval line and a note line (either may be empty). */
export function card(k: string, v: string, ci = "", note: Html | string = ""): Html {
  return h`<div class="card"><div class="k">${k}</div><div class="v">${v}</div>${
    ci ? h`<div class="ci">${ci}</div>` : ""
  }${note ? h`<div class="ci">${note}</div>` : ""}</div>`;
}

/** JSON for display: numbers with more than 3 decimals rounded (the record file holds them exactly). */
export function displayJson(v: unknown): string {
  return JSON.stringify(
    v,
    (_k, x) => typeof x === "number" && !Number.isInteger(x) ? Number(x.toFixed(3)) : x,
  );
}

/** A two-column table of an object's fields ("none" when empty). */
export function kvTable(obj: Record<string, unknown> | null | undefined): Html {
  const entries = Object.entries(obj ?? {});
  if (!entries.length) return h`<span class="sub">none</span>`;
  return h`<table>${
    entries.map(([k, v]) =>
      h`<tr><th>${k}</th><td class="out">${typeof v === "string" ? v : displayJson(v)}</td></tr>`
    )
  }</table>`;
}
