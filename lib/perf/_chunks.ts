/**
 * Chunk arrival times of one request: recorded on the hot path (one array push per content
 * piece, stamps taken by the backend on arrival), turned into the record's compact fields after
 * the request.
 * @module
 */

/** Collects content pieces as the backend's `onContent(text, arrivedAt)` delivers them. */
export class ChunkRecorder {
  /** Arrival stamp of each chunk (the backend's monotonic clock, ms). */
  readonly stamps: number[] = [];
  /** Text of each chunk (pieces with the same stamp joined). */
  readonly texts: string[] = [];
  /** Pieces (stream events) merged into each chunk. */
  readonly pieces: number[] = [];

  /** The callback to hand to `Backend.chat(..., {onContent})`. */
  readonly onContent = (text: string, arrivedAt: number): void => {
    const last = this.stamps.length - 1;
    // Pieces that arrived in one network read share a stamp: one chunk, whose gap is no latency.
    if (last >= 0 && this.stamps[last] === arrivedAt) {
      this.texts[last] += text;
      this.pieces[last]++;
      return;
    }
    this.stamps.push(arrivedAt);
    this.texts.push(text);
    this.pieces.push(1);
  };
}

/** What a request's record says about its chunks. */
export interface ChunkFields {
  chunk_offsets_ms: number[] | null;
  chunk_tokens: number[] | null;
  chunk_token_source: "count" | "tokenizer" | "events" | null;
  multi_token_chunks: number | null;
}

/** Options for {@linkcode chunkFields}. */
export interface ChunkFieldsOptions {
  /** Counts the tokens of a chunk's text with the model's tokenizer (the embedded engine). */
  countTokens?: (text: string) => number;
  /** The request's output tokens (engine or server count), when known. */
  outputTokens?: number | null;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The record fields of a request's chunks: offsets from `sentAt` (ms, 3 decimals, never
 * negative), tokens per chunk, and how many chunks carried more than one token. Tokens per chunk:
 * one each when there are as many chunks as output tokens (`count`, exact); else each chunk's
 * text re-tokenized with `countTokens` (`tokenizer`, an estimate: a text cut mid-word may count
 * differently alone); else the stream events merged into the chunk (`events`). No chunk: all
 * null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChunkRecorder, chunkFields } from "./_chunks.ts";
 * const c = new ChunkRecorder();
 * c.onContent("a", 110); c.onContent("b", 150); c.onContent("c", 150);
 * const f = chunkFields(c, 100);
 * assert.deepEqual(f.chunk_offsets_ms, [10, 50]);
 * assert.deepEqual([f.chunk_tokens, f.multi_token_chunks], [[1, 2], 1]);
 * ```
 */
export function chunkFields(
  recorder: ChunkRecorder,
  sentAt: number,
  options: ChunkFieldsOptions = {},
): ChunkFields {
  const n = recorder.stamps.length;
  if (n === 0) {
    return {
      chunk_offsets_ms: null,
      chunk_tokens: null,
      chunk_token_source: null,
      multi_token_chunks: null,
    };
  }
  const offsets = recorder.stamps.map((t) => Math.max(0, round3(t - sentAt)));
  let tokens: number[];
  let source: "count" | "tokenizer" | "events";
  if (options.outputTokens != null && options.outputTokens === n) {
    tokens = new Array<number>(n).fill(1);
    source = "count";
  } else if (options.countTokens) {
    const count = options.countTokens;
    tokens = recorder.texts.map((t) => Math.max(1, count(t)));
    source = "tokenizer";
  } else {
    tokens = [...recorder.pieces];
    source = "events";
  }
  return {
    chunk_offsets_ms: offsets,
    chunk_tokens: tokens,
    chunk_token_source: source,
    multi_token_chunks: tokens.filter((k) => k > 1).length,
  };
}

/**
 * Inter-token latency of one request as AIPerf's inter-chunk latency defines it: the gaps between
 * successive content chunks, the first chunk (TTFT) excluded; n chunks give n − 1 gaps.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { interChunkGaps } from "./_chunks.ts";
 * assert.deepEqual(interChunkGaps([100, 120, 145]), [20, 25]);
 * ```
 */
export function interChunkGaps(offsets: readonly number[] | null): number[] {
  if (!offsets || offsets.length < 2) return [];
  const out = new Array<number>(offsets.length - 1);
  for (let i = 1; i < offsets.length; i++) {
    out[i - 1] = Math.max(0, round3(offsets[i] - offsets[i - 1]));
  }
  return out;
}
