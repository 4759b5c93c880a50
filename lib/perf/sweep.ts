/**
 * Length sweeps: a grid of prompt lengths × output lengths, one synthetic scenario per point
 * (`sweep_p<prompt>_o<output>`), and what comes out of it: per point TTFT, prefill tokens/s,
 * decode tokens/s at that depth and peak memory, and the line TTFT = overhead + cost × prompt
 * tokens fitted over every measured request.
 * @module
 */
import {
  ConfigError,
  type ResolvedScenario,
  type SweepConfig,
  SweepSchema,
} from "../config/mod.ts";
import { latestAttempts, type PerfRecord } from "../results/mod.ts";
import { type LinearFit, linearFit, meanBootstrapCi, quantile } from "../stats/mod.ts";
import { SWEEP_SYSTEM_PROMPT } from "./_sweep_prompt.ts";

/** The name of a sweep point's scenario. */
export function sweepScenarioName(promptTokens: number, outputTokens: number): string {
  return `sweep_p${promptTokens}_o${outputTokens}`;
}

/**
 * Parse the `--sweep` grid: `prompt=128,512,2048,8192 output=32,128,512` (space- or
 * semicolon-separated; `prompt_tokens=` and `output_tokens=` are accepted too). An empty value
 * takes the `sweep:` block of scenarios.yaml (`fallback`).
 * @throws {ConfigError} naming `--sweep` and the value.
 */
export function parseSweepGrid(text: string, fallback: SweepConfig | null = null): SweepConfig {
  const trimmed = text.trim();
  if (trimmed === "") {
    if (fallback) return fallback;
    throw new ConfigError(
      "<command line>",
      "--sweep",
      text,
      "needs a grid such as 'prompt=128,512,2048,8192 output=32,128,512' (or a sweep: block in scenarios.yaml)",
    );
  }
  const grid: Record<string, number[]> = {};
  for (const part of trimmed.split(/[\s;]+/).filter(Boolean)) {
    const m = /^(prompt|output)(?:_tokens)?=([\d,]+)$/.exec(part);
    if (!m) {
      throw new ConfigError(
        "<command line>",
        "--sweep",
        text,
        `has '${part}': expected prompt=N,N,... and output=N,N,... (positive integers)`,
      );
    }
    grid[m[1]] = m[2].split(",").filter(Boolean).map(Number);
  }
  const parsed = SweepSchema.safeParse({
    prompt_tokens: grid.prompt ?? fallback?.prompt_tokens,
    output_tokens: grid.output ?? fallback?.output_tokens,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      "<command line>",
      `--sweep ${issue.path.join(".")}`,
      text,
      issue.message === "Invalid input: expected array, received undefined"
        ? "is missing (give both prompt=... and output=...)"
        : issue.message,
    );
  }
  const unique = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);
  return {
    prompt_tokens: unique(parsed.data.prompt_tokens),
    output_tokens: unique(parsed.data.output_tokens),
  };
}

/** One synthetic scenario per grid point, prompt cache off, prompts built at run time. */
export function sweepScenarios(grid: SweepConfig): Record<string, ResolvedScenario> {
  const out: Record<string, ResolvedScenario> = {};
  for (const p of grid.prompt_tokens) {
    for (const o of grid.output_tokens) {
      const name = sweepScenarioName(p, o);
      out[name] = {
        name,
        description:
          `Length sweep: a synthetic prompt of exactly ${p} tokens (chat template included), up to ${o} output tokens`,
        prompt_file: "<synthetic>",
        max_tokens: o,
        validate: "none",
        constrained: false,
        cache: "cold",
        system_prompt: SWEEP_SYSTEM_PROMPT,
        prompt: "",
        json_schema: null,
        sweep: { prompt_tokens: p, output_tokens: o },
      };
    }
  }
  return out;
}

/** Context an embedded engine needs for the largest point of `scenarios` (multiple of 256). */
export function sweepContextSize(scenarios: readonly ResolvedScenario[]): number | null {
  const need = Math.max(
    0,
    ...scenarios.filter((s) => s.sweep).map((s) => s.sweep!.prompt_tokens + s.sweep!.output_tokens),
  );
  return need === 0 ? null : Math.ceil((need + 16) / 256) * 256;
}

/** A mean with its BCa bootstrap interval (null below n = 2). */
export interface PointEstimate {
  value: number | null;
  ci95: [number, number] | null;
  n: number;
}

/**
 * One measured, successful sweep request: what the curves and the fit use (from a perf record,
 * {@linkcode sweepSamples}, or a report's frame row).
 */
export interface SweepSample {
  run_id?: string;
  config_hash?: string;
  model_key: string;
  prompt_tokens_target: number;
  output_tokens_target: number;
  /** Prompt tokens the engine or server counted. */
  prompt_tokens: number | null;
  prompt_exact: boolean;
  prompt_token_method: string | null;
  output_tokens: number | null;
  ttft_ms: number | null;
  prefill_tokens_per_s: number | null;
  /** Decode tokens/s (1 / TPOT). */
  output_tokens_per_s: number | null;
  peak_rss_bytes: number | null;
  joules_per_token: number | null;
}

/** The measured, successful sweep requests of `records` (latest attempt of each slot). */
export function sweepSamples(records: readonly PerfRecord[]): SweepSample[] {
  return latestAttempts(records.filter((r) => r.sweep !== null))
    .filter((r) => !r.warmup && r.error === null)
    .map((r) => ({
      run_id: r.run_id,
      config_hash: r.config_hash,
      model_key: r.model_key,
      prompt_tokens_target: r.sweep!.prompt_tokens_target,
      output_tokens_target: r.sweep!.output_tokens_target,
      prompt_tokens: r.prompt_tokens,
      prompt_exact: r.sweep!.prompt_exact,
      prompt_token_method: r.sweep!.prompt_token_method,
      output_tokens: r.output_tokens,
      ttft_ms: r.ttft_ms,
      prefill_tokens_per_s: r.prefill_tokens_per_s,
      output_tokens_per_s: r.output_tokens_per_s,
      peak_rss_bytes: r.peak_rss_bytes,
      joules_per_token: r.energy?.joules_per_token ?? null,
    }));
}

/** One sweep point of one model: the curves' data. */
export interface SweepPoint {
  model_key: string;
  prompt_tokens_target: number;
  output_tokens_target: number;
  /** Measured successful requests. */
  n: number;
  /** Median prompt tokens the engine or server counted (should equal the target). */
  prompt_tokens: number | null;
  /** Every measured prompt was built to exactly its target. */
  prompt_exact: boolean;
  prompt_token_method: string | null;
  /** Median output tokens (below the target when the model stopped early). */
  output_tokens: number | null;
  ttft_ms: PointEstimate;
  prefill_tokens_per_s: PointEstimate;
  /** Decode tokens/s (1 / TPOT) at this depth. */
  decode_tokens_per_s: PointEstimate;
  /** Largest per-request peak RSS, bytes. */
  peak_rss_bytes: number | null;
  /** Mean energy per output token (J) over requests that measured it; null otherwise. */
  joules_per_token: number | null;
  /** Runs and config hashes the point was measured in (space-separated). */
  run_ids: string;
  config_hashes: string;
}

const finite = (xs: (number | null | undefined)[]) =>
  xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));

function estimate(xs: number[], seed: number): PointEstimate {
  const m = meanBootstrapCi(xs, { seed, range: [0, Infinity] });
  return { value: m.mean, ci95: m.ci95, n: m.n };
}

const med = (xs: number[]) => xs.length ? quantile(xs, 0.5) : null;
const ids = (xs: (string | undefined)[]) =>
  [...new Set(xs.filter((x): x is string => Boolean(x)))].sort().join(" ");

/** Options for {@linkcode sweepPoints}. */
export interface SweepOptions {
  /** Bootstrap seed. @default 42 */
  seed?: number;
}

/** Per model and point: the measured curves (sorted by model, prompt, output). */
export function sweepPoints(
  samples: readonly SweepSample[],
  options: SweepOptions = {},
): SweepPoint[] {
  const seed = options.seed ?? 42;
  const groups = new Map<string, SweepSample[]>();
  for (const r of samples) {
    const k = `${r.model_key}\u0000${r.prompt_tokens_target}\u0000${r.output_tokens_target}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const out: SweepPoint[] = [];
  for (const rs of groups.values()) {
    const s = rs[0];
    const energy = finite(rs.map((r) => r.joules_per_token));
    out.push({
      model_key: s.model_key,
      prompt_tokens_target: s.prompt_tokens_target,
      output_tokens_target: s.output_tokens_target,
      n: rs.length,
      prompt_tokens: med(finite(rs.map((r) => r.prompt_tokens))),
      prompt_exact: rs.every((r) => r.prompt_exact),
      prompt_token_method: s.prompt_token_method,
      output_tokens: med(finite(rs.map((r) => r.output_tokens))),
      ttft_ms: estimate(finite(rs.map((r) => r.ttft_ms)), seed),
      prefill_tokens_per_s: estimate(finite(rs.map((r) => r.prefill_tokens_per_s)), seed),
      decode_tokens_per_s: estimate(finite(rs.map((r) => r.output_tokens_per_s)), seed),
      peak_rss_bytes: finite(rs.map((r) => r.peak_rss_bytes)).reduce<number | null>(
        (a, b) => a === null ? b : Math.max(a, b),
        null,
      ),
      joules_per_token: energy.length ? energy.reduce((a, b) => a + b, 0) / energy.length : null,
      run_ids: ids(rs.map((r) => r.run_id)),
      config_hashes: ids(rs.map((r) => r.config_hash)),
    });
  }
  return out.sort((a, b) =>
    a.model_key < b.model_key
      ? -1
      : a.model_key > b.model_key
      ? 1
      : a.prompt_tokens_target - b.prompt_tokens_target ||
        a.output_tokens_target - b.output_tokens_target
  );
}

/** The fit of TTFT against prompt tokens of one model. */
export interface SweepFit extends LinearFit {
  model_key: string;
  /** Fixed overhead: the intercept (ms). */
  overhead_ms: number | null;
  /** Prefill cost: the slope (ms per prompt token). */
  ms_per_prompt_token: number | null;
  /** 1000 / slope: the prefill rate the line implies (tokens/s); null when the slope is not positive. */
  implied_prefill_tokens_per_s: number | null;
  /** Prompt lengths the line was fitted over (ascending). */
  prompt_tokens: number[];
  run_ids: string;
  config_hashes: string;
}

/**
 * Per model, the least-squares line TTFT = overhead + cost × prompt tokens over every measured
 * successful request of the sweep (x: the prompt tokens the engine or server counted, else the
 * target), with Student's t intervals. Attention makes prefill grow faster than linearly at long
 * contexts; R² and the residual sd say how well a line describes it.
 */
export function sweepFits(samples: readonly SweepSample[]): SweepFit[] {
  const byModel = new Map<string, SweepSample[]>();
  for (const r of samples) {
    if (r.ttft_ms === null) continue;
    byModel.set(r.model_key, [...(byModel.get(r.model_key) ?? []), r]);
  }
  return [...byModel].sort(([a], [b]) => a < b ? -1 : 1).map(([model_key, rs]) => {
    const x = rs.map((r) => r.prompt_tokens ?? r.prompt_tokens_target);
    const fit = linearFit(x, rs.map((r) => r.ttft_ms!));
    return {
      ...fit,
      model_key,
      overhead_ms: fit.intercept,
      ms_per_prompt_token: fit.slope,
      implied_prefill_tokens_per_s: fit.slope !== null && fit.slope > 0 ? 1000 / fit.slope : null,
      prompt_tokens: [...new Set(x)].sort((a, b) => a - b),
      run_ids: ids(rs.map((r) => r.run_id)),
      config_hashes: ids(rs.map((r) => r.config_hash)),
    };
  });
}
