/** Scripted result sets with known values (every record valid against lib/results' schemas). */
import { join } from "node:path";
import {
  EvalRecordSchema,
  EvalSummarySchema,
  ManifestSchema,
  type PerfRecord,
  PerfRecordSchema,
} from "../../lib/results/mod.ts";

export const HASH_A = "a".repeat(64);
export const HASH_B = "b".repeat(64);
export const HASH_E = "e".repeat(64);
const GIB = 1024 ** 3;

/** A valid perf record; numbers given per test. */
export function perfRecord(over: Partial<PerfRecord>): PerfRecord {
  return PerfRecordSchema.parse({
    schema_version: 1,
    kind: "perf",
    run_id: "perf_run_gguf",
    config_hash: HASH_A,
    model_key: "demo_gguf",
    model_id: "acme/demo-3b",
    backend: "lmstudio",
    format: "GGUF",
    quantization: "Q4_K_M",
    scenario: "interactive_assistant",
    repetition: 0,
    warmup: false,
    seed: 42,
    temperature: 0,
    max_tokens: 128,
    ttft_ms: 100,
    e2e_ms: 1000,
    decode_ms: 900,
    tpot_ms: 20,
    output_tokens_per_s: 50,
    e2e_tokens_per_s: 40,
    prefill_tokens_per_s: 1000,
    prompt_tokens: 100,
    output_tokens: 46,
    token_count_source: "server",
    peak_rss_bytes: GIB,
    peak_footprint_bytes: null,
    peak_system_used_bytes: null,
    memory_samples: 5,
    server_timings: null,
    finish_reason: "stop",
    output_valid: null,
    output_text: "ok",
    error: null,
    host: "test",
    git_commit: null,
    timestamp: "2025-11-23T10:00:00.000Z",
    ...over,
  });
}

const jsonl = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join("\n") + "\n";

/**
 * The GGUF unit (interactive_assistant): one warm-up (TTFT 999, excluded), measured TTFT
 * 100/200/300 ms, tokens/s 40/50/60, peak RSS 1/2/3 GiB, plus one measured request that failed
 * (peak RSS 4 GiB, no timings): n = 4, success 3/4.
 * The MLX unit of the same model id: TTFT 150/160/170, tokens/s 80/90/100, peak RSS 2 GiB.
 */
export function perfLines(): { gguf: PerfRecord[]; mlx: PerfRecord[] } {
  const gguf = [
    perfRecord({ warmup: true, ttft_ms: 999, output_tokens_per_s: 1, peak_rss_bytes: 9 * GIB }),
    perfRecord({
      repetition: 0,
      ttft_ms: 100,
      output_tokens_per_s: 40,
      e2e_ms: 1000,
      peak_rss_bytes: 1 * GIB,
    }),
    perfRecord({
      repetition: 1,
      ttft_ms: 200,
      output_tokens_per_s: 50,
      e2e_ms: 1100,
      peak_rss_bytes: 2 * GIB,
    }),
    perfRecord({
      repetition: 2,
      ttft_ms: 300,
      output_tokens_per_s: 60,
      e2e_ms: 1200,
      peak_rss_bytes: 3 * GIB,
    }),
    perfRecord({
      repetition: 3,
      ttft_ms: null,
      e2e_ms: null,
      decode_ms: null,
      tpot_ms: null,
      output_tokens_per_s: null,
      e2e_tokens_per_s: null,
      prefill_tokens_per_s: null,
      output_tokens: null,
      peak_rss_bytes: 4 * GIB,
      error: "timeout",
    }),
  ];
  const mlx = [150, 160, 170].map((ttft, i) =>
    perfRecord({
      run_id: "perf_run_mlx",
      config_hash: HASH_B,
      model_key: "demo_mlx",
      format: "MLX",
      quantization: "4bit",
      repetition: i,
      ttft_ms: ttft,
      output_tokens_per_s: 80 + 10 * i,
      e2e_ms: 500,
      peak_rss_bytes: 2 * GIB,
    })
  );
  return { gguf, mlx };
}

/** Banking77 summary + records: 10 samples, 8 correct (accuracy 0.8), macro-F1 0.5. */
export function evalFiles(
  modelKey = "demo_gguf",
  format: "GGUF" | "MLX" = "GGUF",
  quantization = "Q4_K_M",
  correct = 8,
): { summary: unknown; records: unknown[]; stem: string } {
  const stem = `eval_banking77_acme_demo-3b_${format}_${quantization}_20251123_100000`;
  const runId = `eval_banking77_${format}`;
  const records = Array.from({ length: 10 }, (_, i) =>
    EvalRecordSchema.parse({
      schema_version: 1,
      kind: "eval",
      run_id: runId,
      config_hash: HASH_E,
      task: "banking77",
      model_key: modelKey,
      model_id: "acme/demo-3b",
      backend: "lmstudio",
      format,
      quantization,
      sample_id: `banking77/test/${String(i).padStart(5, "0")}`,
      group: null,
      system_prompt: null,
      prompt: "q",
      raw_output: "card_arrival",
      reasoning: "",
      prediction: "card_arrival",
      reference: i < correct ? "card_arrival" : "lost_card",
      correct: i < correct,
      score: i < correct ? 1 : 0,
      scores: {},
      valid: true,
      details: {},
      latency_ms: 100,
      ttft_ms: 50,
      prompt_tokens: 10,
      output_tokens: 3,
      cached_prompt_tokens: null,
      token_count_source: "server",
      server_timings: null,
      finish_reason: "stop",
      seed: 42,
      temperature: 0,
      max_tokens: 32,
      error: null,
      host: "test",
      git_commit: null,
      timestamp: "2025-11-23T10:00:00.000Z",
    }));
  const summary = EvalSummarySchema.parse({
    schema_version: 1,
    kind: "eval_summary",
    run_id: runId,
    config_hash: HASH_E,
    task: "banking77",
    model_key: modelKey,
    model_id: "acme/demo-3b",
    backend: "lmstudio",
    format,
    quantization,
    complete: true,
    planned: 10,
    records_file: `${stem}.jsonl`,
    settings: {},
    metrics: {
      n: 10,
      invalid_rate: 0.1,
      error_rate: 0,
      invalid: 1,
      errors: 0,
      accuracy: { value: correct / 10, ci95: [0.49, 0.94] },
      macro_f1: { value: 0.5, ci95: [0.3, 0.7] },
    },
    latency_ms: {
      mean: { value: 100, ci95: [90, 110] },
      median: { value: 100, ci95: [90, 110] },
      p90: { value: 120, ci95: [110, 130] },
    },
    per_class: [
      {
        label: "card_arrival",
        precision: 0.8,
        recall: 1,
        f1: 0.8889,
        f1_ci95: [0.7, 1],
        support: 8,
        predicted: 10,
      },
      {
        label: "lost_card",
        precision: 0,
        recall: 0,
        f1: 0,
        f1_ci95: [0, 0],
        support: 2,
        predicted: 0,
      },
    ],
    created_at: "2025-11-23T10:05:00.000Z",
  });
  return { summary, records, stem };
}

function manifest(hash: string, runId: string, kind: string, plan: Record<string, unknown>) {
  return ManifestSchema.parse({
    schema_version: 1,
    config_hash: hash,
    config: { experiment: { seed: 42, temperature: 0, runs: 3, warmup: 1 } },
    runs: [{
      run_id: runId,
      kind,
      status: "complete",
      started_at: "2025-11-23T10:00:00.000Z",
      updated_at: "2025-11-23T10:10:00.000Z",
      plan,
      files: {},
      environments: [{
        os: { platform: "darwin", release: "24.1.0", version: "macOS 15.1 (24B83)", arch: "arm64" },
        cpu: { model: "Apple M3", chip: "Apple M3" },
        memory_bytes: 16 * GIB,
        lmstudio: { version: "0.3.31", reachable: true },
        deno: "2.9.6",
        git: { commit: "c0ffee", dirty: false },
        power: { source: "ac" },
      }],
    }],
  });
}

/** Write the scripted set into `dir` (GGUF + MLX perf, one Banking77 run, manifests). */
export async function writeScriptedSet(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const { gguf, mlx } = perfLines();
  await Deno.writeTextFile(
    join(dir, "perf_acme_demo-3b_GGUF_Q4_K_M_interactive_assistant_20251123_100000.jsonl"),
    jsonl(gguf),
  );
  await Deno.writeTextFile(
    join(dir, "perf_acme_demo-3b_MLX_4bit_interactive_assistant_20251123_100500.jsonl"),
    jsonl(mlx),
  );
  const e = evalFiles();
  await Deno.writeTextFile(join(dir, `${e.stem}.json`), JSON.stringify(e.summary, null, 2));
  await Deno.writeTextFile(join(dir, `${e.stem}.jsonl`), jsonl(e.records));
  const plan = {
    runs: 3,
    warmup: 1,
    seed: 42,
    temperature: 0,
    models: ["demo_gguf"],
    scenarios: ["interactive_assistant"],
  };
  for (
    const [hash, run, kind, p] of [
      [HASH_A, "perf_run_gguf", "perf", plan],
      [HASH_B, "perf_run_mlx", "perf", { ...plan, models: ["demo_mlx"] }],
      [HASH_E, "eval_banking77_GGUF", "eval", {
        task: "banking77",
        model_key: "demo_gguf",
        samples: 10,
      }],
    ] as const
  ) {
    await Deno.writeTextFile(
      join(dir, `experiment_config_${hash}.json`),
      JSON.stringify(manifest(hash, run, kind, p)),
    );
  }
}

export { jsonl };
