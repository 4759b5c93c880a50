import { latestAttempts, type PerfRecord } from "../results/mod.ts";
import { type CiMethod, summarize, type Summary, wilsonCi } from "../stats/mod.ts";
import { type AggregateThroughput, aggregateThroughput } from "./_aggregate.ts";
import { type LatencyPercentiles, latencyPercentiles } from "./_latency.ts";
import { type AdaptiveOutcome, adaptiveOutcome, type AdaptiveRule } from "./_adaptive.ts";

/**
 * Aggregate of one (model, scenario): measured requests only, warm-ups excluded. Means of times
 * and rates have BCa bootstrap intervals (inside [0, ∞)), the output check a Wilson interval;
 * each names its method (`ci_method`).
 */
export interface PerfSummary {
  model_key: string;
  scenario: string;
  /** Measured (non-warm-up) requests recorded. */
  n: number;
  warmups: number;
  /** Measured requests without error. */
  succeeded: number;
  success_rate: number | null;
  /** Lower is better. */
  ttft_ms: Summary;
  /** Higher is better (1 / TPOT): the speed of each stream. */
  output_tokens_per_s: Summary;
  /** Requests in flight at once (continuous batching rounds); 1: sequential. */
  concurrency: number;
  /**
   * Higher is better: all output tokens ÷ wall time of each concurrent window (null for records
   * without window timing). With concurrency > 1 this, not `output_tokens_per_s`, is the
   * throughput the server delivers.
   */
  aggregate_output_tokens_per_s: AggregateThroughput | null;
  /** Lower is better. */
  e2e_ms: Summary;
  /** Higher is better. */
  prefill_tokens_per_s: Summary;
  /** Largest per-request peak RSS of the serving processes over measured requests. */
  peak_rss_bytes: number | null;
  /** Share of measured outputs passing the scenario's check, with a Wilson interval; null when none. */
  output_valid: {
    value: number | null;
    ci95: [number, number] | null;
    ci_method: CiMethod;
    n: number;
  } | null;
  token_count_sources: string[];
  /**
   * The prompt cache over measured successful requests: the scenario's mode, how many records say
   * how many prompt tokens were cached, how many came from the cache (see `prompt_cache_hit`),
   * and the median cached tokens. A cold scenario with hits is flagged in summaries and reports.
   */
  prompt_cache: {
    mode: "cold" | "warm" | "mixed";
    reported: number;
    hits: number;
    median_cached_tokens: number | null;
  };
  /** What prefill tokens/s counts: `processed` (tokens the server evaluated) and/or `prompt`. */
  prefill_token_sources: string[];
  /**
   * p50/p90/p99 of TTFT, inter-token latency (gaps between successive content chunks, the first
   * excluded, pooled over requests) and E2E over measured successful requests, with percentile
   * bootstrap intervals over requests; multi-token chunks counted.
   */
  latency: LatencyPercentiles;
  /** Adaptive repetitions: the rule, the runs used, why it stopped, the final half-widths. */
  adaptive: AdaptiveOutcome | null;
  /**
   * Energy over measured successful requests that measured it: joules per output token (Σ J ÷ Σ
   * tokens) and per request (mean), the source; null when none did. At concurrency > 1 each
   * request's window holds the energy of everything in flight, so per-request energy is not
   * reported there (null, with a note).
   */
  energy: {
    source: string;
    n: number;
    joules_per_token: number | null;
    joules_per_request: number | null;
    mean_watts: number | null;
  } | null;
  /** Why `energy` is null: the records' note, or the concurrency caveat. */
  energy_note: string | null;
  /** Measured requests flagged throttled, and how many say either way. */
  throttled: { n: number; known: number };
  /** The sweep point of this unit, or null. */
  sweep: { prompt_tokens_target: number; output_tokens_target: number } | null;
}

/** Options for {@linkcode summarizePerf}. */
export interface SummarizePerfOptions {
  /** Bootstrap seed. @default 42 */
  seed?: number;
  /** The run's adaptive rule (`runs` as its maximum), when it had one. @default null */
  adaptive?: AdaptiveRule | null;
}

const finite = (xs: (number | null)[]) =>
  xs.filter((x): x is number => x !== null && Number.isFinite(x));

/** Summarise the records of one unit (records of other units are ignored by key). */
export function summarizePerf(
  records: readonly PerfRecord[],
  options: SummarizePerfOptions = {},
): PerfSummary {
  if (records.length === 0) {
    throw new RangeError("summarizePerf() needs at least one record: current value is 0");
  }
  const { model_key, scenario } = records[0];
  const level = records[0].concurrency ?? 1;
  // Retried slots count once, by their latest attempt.
  const mine = latestAttempts(
    records.filter((r) =>
      r.model_key === model_key && r.scenario === scenario && (r.concurrency ?? 1) === level
    ),
  );
  const measured = mine.filter((r) => !r.warmup);
  const ok = measured.filter((r) => r.error === null);
  const opts = { seed: options.seed ?? 42, range: [0, Infinity] as const };
  const checked = ok.filter((r) => r.output_valid !== null);
  const valid = checked.length
    ? wilsonCi(checked.filter((r) => r.output_valid).length, checked.length)
    : null;
  const peaks = finite(measured.map((r) => r.peak_rss_bytes));
  const windowed = measured.filter((r) => r.batch_window !== undefined);
  return {
    model_key,
    scenario,
    n: measured.length,
    warmups: mine.length - measured.length,
    succeeded: ok.length,
    success_rate: measured.length ? ok.length / measured.length : null,
    ttft_ms: summarize(finite(ok.map((r) => r.ttft_ms)), opts),
    output_tokens_per_s: summarize(finite(ok.map((r) => r.output_tokens_per_s)), opts),
    concurrency: Math.max(1, ...measured.map((r) => r.concurrency)),
    aggregate_output_tokens_per_s: windowed.length
      ? aggregateThroughput(
        windowed.map((r) => ({
          window: r.batch_window!.id,
          size: r.batch_window!.size,
          sent_ms: r.batch_window!.sent_ms,
          end_ms: r.batch_window!.end_ms,
          output_tokens: r.error === null ? r.output_tokens : 0,
        })),
        { seed: opts.seed },
      )
      : null,
    e2e_ms: summarize(finite(ok.map((r) => r.e2e_ms)), opts),
    prefill_tokens_per_s: summarize(finite(ok.map((r) => r.prefill_tokens_per_s)), opts),
    peak_rss_bytes: peaks.length ? Math.max(...peaks) : null,
    output_valid: valid
      ? { value: valid.value, ci95: valid.ci95, ci_method: valid.method, n: checked.length }
      : null,
    token_count_sources: [...new Set(ok.map((r) => r.token_count_source ?? "none"))],
    prompt_cache: promptCache(ok),
    prefill_token_sources: [
      ...new Set(
        ok.map((r) => r.prefill_token_source).filter((s): s is "processed" | "prompt" =>
          s !== null
        ),
      ),
    ],
    latency: latencyPercentiles(ok, { seed: opts.seed }),
    adaptive: options.adaptive
      ? adaptiveOutcome(
        options.adaptive,
        measured.map((r) => ({
          repetition: r.repetition,
          ok: r.error === null,
          ttft_ms: r.ttft_ms,
          tps: r.output_tokens_per_s,
        })),
        { seed: opts.seed },
      )
      : null,
    ...energyOf(ok, level),
    throttled: {
      n: measured.filter((r) => r.throttled === true).length,
      known: measured.filter((r) => r.throttled !== null).length,
    },
    sweep: records[0].sweep
      ? {
        prompt_tokens_target: records[0].sweep.prompt_tokens_target,
        output_tokens_target: records[0].sweep.output_tokens_target,
      }
      : null,
  };
}

function energyOf(
  ok: readonly PerfRecord[],
  concurrency: number,
): Pick<PerfSummary, "energy" | "energy_note"> {
  const measured = ok.filter((r) => r.energy !== null);
  if (measured.length === 0) {
    const note = ok.find((r) => r.energy_note)?.energy_note ?? null;
    return { energy: null, energy_note: note };
  }
  if (concurrency > 1) {
    return {
      energy: null,
      energy_note:
        `not reported per request at concurrency ${concurrency}: each request's window holds the energy of all requests in flight`,
    };
  }
  const joules = measured.reduce((s, r) => s + r.energy!.joules, 0);
  const tokens = measured.reduce((s, r) => s + (r.output_tokens ?? 0), 0);
  const watts = measured.map((r) => r.energy!.mean_watts);
  return {
    energy: {
      source: [...new Set(measured.map((r) => r.energy!.source))].join(", "),
      n: measured.length,
      joules_per_token: tokens > 0 ? joules / tokens : null,
      joules_per_request: joules / measured.length,
      mean_watts: watts.reduce((a, b) => a + b, 0) / watts.length,
    },
    energy_note: null,
  };
}

function promptCache(ok: readonly PerfRecord[]): PerfSummary["prompt_cache"] {
  const modes = new Set(ok.map((r) => r.cache_mode));
  const reported = ok.filter((r) => r.cached_prompt_tokens !== null);
  const cached = reported.map((r) => r.cached_prompt_tokens!).sort((a, b) => a - b);
  const mid = cached.length >> 1;
  return {
    mode: modes.size > 1 ? "mixed" : modes.has("warm") ? "warm" : "cold",
    reported: reported.length,
    hits: ok.filter((r) => r.prompt_cache_hit === true).length,
    median_cached_tokens: cached.length === 0
      ? null
      : cached.length % 2
      ? cached[mid]
      : (cached[mid - 1] + cached[mid]) / 2,
  };
}
