import type { ChatTiming } from "../backends/mod.ts";

/** Metrics derived from one request's timestamps and token counts (DESIGN.md "Measurements"). */
export interface RequestMetrics {
  ttft_ms: number | null;
  e2e_ms: number | null;
  decode_ms: number | null;
  tpot_ms: number | null;
  output_tokens_per_s: number | null;
  e2e_tokens_per_s: number | null;
  prefill_tokens_per_s: number | null;
}

/**
 * TTFT = first content chunk − sent; E2E = last content chunk − sent; decode = E2E − TTFT;
 * TPOT = decode / (output tokens − 1); output tokens/s = 1000 / TPOT; E2E tokens/s = output tokens /
 * E2E; prefill tokens/s = prompt tokens / TTFT. Undefined quantities are null (no content: all
 * null; fewer than 2 output tokens or zero decode time: no TPOT).
 *
 * @example
 * ```ts
 * import { requestMetrics } from "./_timing.ts";
 * const m = requestMetrics({ sentAt: 0, firstContentAt: 200, lastContentAt: 1200, endAt: 1210 }, 100, 51);
 * if (m.tpot_ms !== 20 || m.output_tokens_per_s !== 50 || m.prefill_tokens_per_s !== 500) {
 *   throw new Error(JSON.stringify(m));
 * }
 * ```
 */
export function requestMetrics(
  timing: ChatTiming,
  promptTokens: number | null,
  outputTokens: number | null,
): RequestMetrics {
  if (timing.firstContentAt === null || timing.lastContentAt === null) {
    return {
      ttft_ms: null,
      e2e_ms: null,
      decode_ms: null,
      tpot_ms: null,
      output_tokens_per_s: null,
      e2e_tokens_per_s: null,
      prefill_tokens_per_s: null,
    };
  }
  const ttft = timing.firstContentAt - timing.sentAt;
  const e2e = timing.lastContentAt - timing.sentAt;
  const decode = e2e - ttft;
  const tpot = outputTokens !== null && outputTokens > 1 && decode > 0
    ? decode / (outputTokens - 1)
    : null;
  return {
    ttft_ms: ttft,
    e2e_ms: e2e,
    decode_ms: decode,
    tpot_ms: tpot,
    output_tokens_per_s: tpot === null ? null : 1000 / tpot,
    e2e_tokens_per_s: outputTokens !== null && e2e > 0 ? outputTokens / (e2e / 1000) : null,
    prefill_tokens_per_s: promptTokens !== null && ttft > 0 ? promptTokens / (ttft / 1000) : null,
  };
}
