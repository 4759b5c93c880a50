/**
 * A request's token timeline: prefill (request sent → first token) and decode (→ last token), and
 * the arrival of each content chunk where the record holds it. Chunk arrival times are a newer
 * record field; the viewer looks for it defensively (any array of millisecond offsets under a
 * field whose name mentions chunks, arrivals, offsets or a timeline) and says when there is none.
 * @module
 */
import { h, type Html, num, raw } from "./_html.ts";

/** Chunk arrival offsets (ms after the request was sent) and where they were found. */
export interface ChunkTimes {
  field: string;
  /** Arrival offset of each content chunk, ascending (ms from request sent). */
  offsets: number[];
  /** Tokens each chunk carried, where recorded. */
  tokens: number[] | null;
  /** The field held gaps between chunks (summed into offsets here). */
  fromGaps: boolean;
}

const NAME = /chunk|arrival|offset|timeline|itl/i;
const TIME_KEYS = ["offset_ms", "t_ms", "at_ms", "ms", "t", "time_ms", "arrival_ms"];
const TOKEN_KEYS = ["tokens", "n_tokens", "token_count", "n"];

function numbers(v: unknown): number[] | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  return v.every((x) => typeof x === "number" && Number.isFinite(x) && x >= 0)
    ? v as number[]
    : null;
}

function fromObjects(v: unknown): { offsets: number[]; tokens: number[] | null } | null {
  if (!Array.isArray(v) || v.length === 0 || typeof v[0] !== "object" || v[0] === null) return null;
  const tk = TIME_KEYS.find((k) => typeof (v[0] as Record<string, unknown>)[k] === "number");
  if (!tk) return null;
  const nk = TOKEN_KEYS.find((k) => typeof (v[0] as Record<string, unknown>)[k] === "number");
  const offsets = v.map((o) => (o as Record<string, unknown>)[tk]);
  if (!offsets.every((x) => typeof x === "number" && Number.isFinite(x))) return null;
  return {
    offsets: offsets as number[],
    tokens: nk ? v.map((o) => Number((o as Record<string, unknown>)[nk]) || 0) : null,
  };
}

function found(field: string, values: number[], tokens: number[] | null): ChunkTimes {
  const ascending = values.every((x, i) => i === 0 || x >= values[i - 1]);
  // Gaps (named so, or values that go down) are summed into offsets.
  if (ascending && !/gap|itl/i.test(field)) {
    return { field, offsets: values, tokens, fromGaps: false };
  }
  let t = 0;
  return { field, offsets: values.map((g) => (t += g)), tokens, fromGaps: true };
}

/** The chunk arrival times a record holds, or null. */
export function chunkTimes(record: Record<string, unknown>): ChunkTimes | null {
  for (const [key, value] of Object.entries(record)) {
    if (!NAME.test(key)) continue;
    const flat = numbers(value);
    if (flat) return found(key, flat, null);
    const objs = fromObjects(value);
    if (objs) return found(key, objs.offsets, objs.tokens);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const inner = value as Record<string, unknown>;
      const tokens = numbers(inner.tokens) ?? numbers(inner.chunk_tokens);
      for (const [k2, v2] of Object.entries(inner)) {
        if (!/ms|offset|arrival|time|gap/i.test(k2)) continue;
        const xs = numbers(v2);
        if (xs) {
          return found(`${key}.${k2}`, xs, tokens && tokens.length === xs.length ? tokens : null);
        }
      }
    }
  }
  return null;
}

/** The parts of a request the timeline draws. */
export interface TimelineInput {
  ttft_ms: number | null;
  e2e_ms: number | null;
  chunks: ChunkTimes | null;
}

/** A small strip: prefill and decode bars on a shared scale (`maxMs`), chunk ticks when known. */
export function miniTimeline(t: TimelineInput, maxMs: number, width = 220): Html {
  const H = 14;
  if (t.ttft_ms === null || t.e2e_ms === null || !(maxMs > 0)) return h`<span class="sub">–</span>`;
  const x = (ms: number) => Math.max(0, Math.min(width, (ms / maxMs) * width));
  const ticks =
    t.chunks?.offsets.map((o) =>
      `<line x1="${x(o).toFixed(1)}" x2="${x(o).toFixed(1)}" y1="1" y2="${
        H - 1
      }" stroke="#0b3d1f" stroke-width="0.7"/>`
    ).join("") ?? "";
  return h`<svg class="timeline" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" role="img" aria-label="prefill ${
    num(t.ttft_ms)
  } ms, decode to ${num(t.e2e_ms)} ms"><rect x="0" y="3" width="${
    x(t.ttft_ms).toFixed(1)
  }" height="${H - 6}" fill="#9db7d5"/><rect x="${x(t.ttft_ms).toFixed(1)}" y="3" width="${
    Math.max(0.5, x(t.e2e_ms) - x(t.ttft_ms)).toFixed(1)
  }" height="${H - 6}" fill="#5fb878"/>${raw(ticks)}</svg>`;
}

/**
 * The request page's timeline: cumulative chunks (or tokens) received against time, with the
 * first-token and last-token marks; without chunk times, the two phases only.
 */
export function timelineChart(t: TimelineInput, width = 900): Html {
  const H = 220, L = 56, R = 16, T = 14, B = 34;
  const w = width - L - R, hgt = H - T - B;
  const end = Math.max(t.e2e_ms ?? 0, ...(t.chunks?.offsets ?? [0]));
  if (!(end > 0)) return h`<p class="sub">No timing recorded for this request.</p>`;
  const x = (ms: number) => L + (ms / end) * w;
  const parts: string[] = [];
  const step = niceStep(end / 6);
  for (let v = 0; v <= end + 1e-9; v += step) {
    parts.push(
      `<line x1="${x(v)}" x2="${x(v)}" y1="${T}" y2="${T + hgt}" stroke="#e6eaee"/>`,
      `<text x="${x(v)}" y="${H - 16}" font-size="11" text-anchor="middle" fill="#5f6b76">${
        fmt(v)
      }</text>`,
    );
  }
  parts.push(
    `<text x="${L + w / 2}" y="${
      H - 2
    }" font-size="11" text-anchor="middle" fill="#5f6b76">ms after the request was sent</text>`,
  );
  if (t.chunks && t.chunks.offsets.length) {
    const counts = t.chunks.tokens ?? t.chunks.offsets.map(() => 1);
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    const y = (c: number) => T + hgt - (c / total) * hgt;
    let c = 0;
    let d = `M ${x(0)} ${y(0)}`;
    t.chunks.offsets.forEach((o, i) => {
      d += ` L ${x(o).toFixed(1)} ${y(c).toFixed(1)}`;
      c += counts[i];
      d += ` L ${x(o).toFixed(1)} ${y(c).toFixed(1)}`;
      parts.push(
        `<circle cx="${x(o).toFixed(1)}" cy="${y(c).toFixed(1)}" r="1.8" fill="#1a7f37"/>`,
      );
    });
    parts.push(`<path d="${d}" fill="none" stroke="#1a7f37" stroke-width="1.4"/>`);
    for (const frac of [0, 0.5, 1]) {
      parts.push(
        `<text x="${L - 6}" y="${
          y(total * frac) + 4
        }" font-size="11" text-anchor="end" fill="#5f6b76">${Math.round(total * frac)}</text>`,
      );
    }
    parts.push(
      `<text x="12" y="${T + hgt / 2}" font-size="11" fill="#5f6b76" transform="rotate(-90 12 ${
        T + hgt / 2
      })" text-anchor="middle">${t.chunks.tokens ? "tokens" : "chunks"} received</text>`,
    );
  } else {
    const y0 = T + hgt / 2 - 12;
    if (t.ttft_ms !== null) {
      parts.push(
        `<rect x="${x(0)}" y="${y0}" width="${x(t.ttft_ms) - x(0)}" height="24" fill="#9db7d5"/>`,
      );
      parts.push(
        `<text x="${(x(0) + x(t.ttft_ms)) / 2}" y="${
          y0 - 5
        }" font-size="11" text-anchor="middle" fill="#1d2329">prefill</text>`,
      );
      if (t.e2e_ms !== null) {
        parts.push(
          `<rect x="${x(t.ttft_ms)}" y="${y0}" width="${
            Math.max(1, x(t.e2e_ms) - x(t.ttft_ms))
          }" height="24" fill="#5fb878"/>`,
        );
        parts.push(
          `<text x="${(x(t.ttft_ms) + x(t.e2e_ms)) / 2}" y="${
            y0 - 5
          }" font-size="11" text-anchor="middle" fill="#1d2329">decode</text>`,
        );
      }
    }
  }
  for (const [ms, name] of [[t.ttft_ms, "first token"], [t.e2e_ms, "last token"]] as const) {
    if (ms === null) continue;
    parts.push(
      `<line x1="${x(ms)}" x2="${x(ms)}" y1="${T}" y2="${
        T + hgt
      }" stroke="#b42318" stroke-dasharray="4 3"/>`,
    );
    const right = x(ms) > L + w * 0.75;
    parts.push(
      `<text x="${right ? x(ms) - 4 : x(ms) + 4}" y="${
        T + 11 + (name === "last token" ? 14 : 0)
      }" font-size="11" text-anchor="${right ? "end" : "start"}" fill="#b42318">${name} ${
        fmt(ms)
      } ms</text>`,
    );
  }
  const svg = parts.join("");
  return h`<svg class="timeline" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" role="img" aria-label="token timeline">${
    raw(svg)
  }</svg>`;
}

/** Gaps between successive chunk arrivals (first chunk excluded), ms. */
export function chunkGaps(offsets: readonly number[]): number[] {
  return offsets.slice(1).map((o, i) => o - offsets[i]);
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}

const fmt = (v: number) =>
  v === 0 ? "0" : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
