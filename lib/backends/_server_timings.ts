import type { ServerTimings } from "../results/mod.ts";

type Obj = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const int = (v: unknown): number | null => {
  const n = num(v);
  return n === null ? null : Math.round(n);
};

/**
 * Read server-side timing fields from a response body or final stream chunk:
 * llama-server `timings` (ms), LM Studio `stats` (seconds), Ollama `*_duration` (ns).
 * Returns null when the body carries none.
 */
export function normalizeServerTimings(body: unknown): ServerTimings | null {
  if (body === null || typeof body !== "object") return null;
  const b = body as Obj;
  if (b.timings && typeof b.timings === "object") {
    const t = b.timings as Obj;
    const promptMs = num(t.prompt_ms);
    return {
      source: "llama-server",
      // llama-server's prompt_ms ends when the prompt is evaluated, i.e. its first-token time.
      ttft_ms: promptMs,
      prompt_ms: promptMs,
      decode_ms: num(t.predicted_ms),
      prompt_tokens: int(t.prompt_n),
      output_tokens: int(t.predicted_n),
      cached_prompt_tokens: int(t.cache_n),
      output_tokens_per_s: num(t.predicted_per_second),
      raw: t,
    };
  }
  if (b.stats && typeof b.stats === "object") {
    const s = b.stats as Obj;
    const ttftS = num(s.time_to_first_token) ?? num(s.time_to_first_token_seconds);
    const genS = num(s.generation_time);
    const usage = (b.usage ?? {}) as Obj;
    return {
      source: "lmstudio",
      ttft_ms: ttftS === null ? null : ttftS * 1000,
      prompt_ms: ttftS === null ? null : ttftS * 1000,
      decode_ms: genS === null ? null : genS * 1000,
      prompt_tokens: int(s.input_tokens) ?? int(usage.prompt_tokens),
      output_tokens: int(s.total_output_tokens) ?? int(usage.completion_tokens),
      cached_prompt_tokens: null,
      output_tokens_per_s: num(s.tokens_per_second),
      raw: s,
    };
  }
  if ("eval_duration" in b || "prompt_eval_duration" in b) {
    const ns = (v: unknown) => {
      const n = num(v);
      return n === null ? null : n / 1e6;
    };
    const evalCount = int(b.eval_count);
    const evalMs = ns(b.eval_duration);
    const raw: Obj = {};
    for (const k of Object.keys(b)) if (/duration|_count$/.test(k)) raw[k] = b[k];
    return {
      source: "ollama",
      ttft_ms: ns(b.prompt_eval_duration),
      prompt_ms: ns(b.prompt_eval_duration),
      decode_ms: evalMs,
      prompt_tokens: int(b.prompt_eval_count),
      output_tokens: evalCount,
      cached_prompt_tokens: null,
      output_tokens_per_s: evalCount !== null && evalMs ? evalCount / (evalMs / 1000) : null,
      raw,
    };
  }
  return null;
}
