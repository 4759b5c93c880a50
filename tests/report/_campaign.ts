/**
 * A scripted campaign folder (known values, every record valid against lib/results' schemas;
 * summaries computed by lib/eval's evalMetrics from their records, so the report's check holds):
 * two plain perf runs of one model with different config hashes (pooled in one row), an MLX run,
 * a rounds run (baseline + flash_attn, with its quality subset and summary), a sweep, and one run
 * of every eval task with invalid causes on some records. Compliance comes from a real run (the
 * test adds it with the compliance CLI).
 */
import { join } from "node:path";
import { evalMetrics } from "../../lib/eval/mod.ts";
import {
  type EvalRecord,
  EvalRecordSchema,
  EvalSummarySchema,
  ManifestSchema,
} from "../../lib/results/mod.ts";
import { jsonl, perfRecord } from "./_fixtures.ts";

export const HASH_P1 = "1".repeat(64);
export const HASH_P2 = "2".repeat(64);
export const HASH_R = "3".repeat(64);
export const HASH_EV = "4".repeat(64);
export const ROUNDS_RUN = "rounds_demo_gguf_20251123_120000";
const GIB = 1024 ** 3;

/** Measured TTFT / tokens/s of the two plain GGUF runs (interactive_assistant), and the summarization run. */
export const PLAIN = {
  run1: { ttft: [2, 3, 4], tps: [50, 52, 54] },
  run2: { ttft: [5, 6, 7], tps: [40, 42, 44], hits: [true, true, false] },
  summarization: { ttft: [2800, 2900, 3000], tps: [30, 31, 32] },
};

function perfFiles() {
  const files: Record<string, unknown[]> = {};
  const add = (name: string, r: unknown) => (files[name] ??= []).push(r);
  PLAIN.run1.ttft.forEach((ttft, i) =>
    add(
      "perf_acme_demo-3b_GGUF_Q4_K_M_interactive_assistant_20251120_100000.jsonl",
      perfRecord({
        run_id: "perf_run1",
        config_hash: HASH_P1,
        repetition: i,
        ttft_ms: ttft,
        output_tokens_per_s: PLAIN.run1.tps[i],
        timestamp: "2025-11-20T10:00:00.000Z",
      }),
    )
  );
  PLAIN.summarization.ttft.forEach((ttft, i) =>
    add(
      "perf_acme_demo-3b_GGUF_Q4_K_M_summarization_20251120_100000.jsonl",
      perfRecord({
        run_id: "perf_run1",
        config_hash: HASH_P1,
        scenario: "summarization",
        repetition: i,
        ttft_ms: ttft,
        e2e_ms: 9000,
        output_tokens_per_s: PLAIN.summarization.tps[i],
        peak_rss_bytes: 2 * GIB,
        timestamp: "2025-11-20T10:01:00.000Z",
      }),
    )
  );
  PLAIN.run2.ttft.forEach((ttft, i) =>
    add(
      "perf_acme_demo-3b_GGUF_Q4_K_M_interactive_assistant_20251122_100000.jsonl",
      perfRecord({
        run_id: "perf_run2",
        config_hash: HASH_P2,
        repetition: i,
        ttft_ms: ttft,
        output_tokens_per_s: PLAIN.run2.tps[i],
        cached_prompt_tokens: PLAIN.run2.hits[i] ? 90 : 0,
        prompt_cache_hit: PLAIN.run2.hits[i],
        timestamp: "2025-11-22T10:00:00.000Z",
      }),
    )
  );
  [150, 160, 170].forEach((ttft, i) =>
    add(
      "perf_acme_demo-3b_MLX_4bit_interactive_assistant_20251122_110000.jsonl",
      perfRecord({
        run_id: "perf_run_mlx",
        config_hash: HASH_P2,
        model_key: "demo_mlx",
        format: "MLX",
        quantization: "4bit",
        repetition: i,
        ttft_ms: ttft,
        output_tokens_per_s: 80 + 10 * i,
        peak_rss_bytes: 2 * GIB,
        timestamp: "2025-11-22T11:00:00.000Z",
      }),
    )
  );
  for (
    const [round, ttfts, tpss] of [["baseline", [10, 11, 12], [50, 51, 52]], ["flash_attn", [
      8,
      9,
      10,
    ], [60, 61, 62]]] as const
  ) {
    ttfts.forEach((ttft, i) =>
      add(
        `perf_acme_demo-3b_GGUF_Q4_K_M_interactive_assistant_${round}_20251123_120000.jsonl`,
        perfRecord({
          run_id: ROUNDS_RUN,
          config_hash: HASH_R,
          round_id: round,
          repetition: i,
          ttft_ms: ttft,
          output_tokens_per_s: tpss[i],
          timestamp: "2025-11-23T12:00:00.000Z",
        }),
      )
    );
  }
  return files;
}

function evalRecord(task: string, i: number, over: Partial<EvalRecord>): EvalRecord {
  return EvalRecordSchema.parse({
    schema_version: 1,
    kind: "eval",
    run_id: `eval_${task}_run`,
    config_hash: HASH_EV,
    task,
    model_key: "demo_gguf",
    model_id: "acme/demo-3b",
    backend: "lmstudio",
    format: "GGUF",
    quantization: "Q4_K_M",
    sample_id: `${task}/${String(i).padStart(5, "0")}`,
    group: null,
    system_prompt: null,
    prompt: "q",
    raw_output: "a",
    reasoning: "",
    prediction: "a",
    reference: "a",
    correct: true,
    score: 1,
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
    timestamp: "2025-11-23T09:00:00.000Z",
    ...over,
  });
}

/** Per task: the records and what the metrics need to know. 10 samples each. */
/** One scripted eval run: records, what the metrics need, the summary's settings. */
export interface ScriptedEvalRun {
  records: EvalRecord[];
  info: { labels: string[] | null; hasAccuracy: boolean; meanScores: string[] };
  settings: Record<string, unknown>;
}

export function evalRuns(): Record<string, ScriptedEvalRun> {
  const n = 10;
  const classify = (task: string, labels: string[], correct: number, invalid: number) =>
    Array.from({ length: n }, (_, i) => {
      const ok = i < correct;
      const bad = !ok && i < correct + invalid;
      const rec = evalRecord(task, i, {
        reference: labels[i % labels.length],
        prediction: bad ? null : ok ? labels[i % labels.length] : labels[(i + 1) % labels.length],
        correct: ok,
        score: ok ? 1 : 0,
        valid: !bad,
      });
      // Why each invalid answer is invalid, as lib/eval records it.
      return bad
        ? { ...rec, invalid_reason: i % 2 ? "no_label" as const : "several_labels" as const }
        : rec;
    });
  const banking = ["card_arrival", "lost_card", "top_up_failed"];
  const runs: Record<string, ScriptedEvalRun> = {
    banking77: {
      records: classify("banking77", banking, 7, 2),
      info: { labels: banking, hasAccuracy: true, meanScores: [] },
      settings: {},
    },
    financial_phrasebank: {
      records: classify("financial_phrasebank", ["positive", "negative", "neutral"], 6, 1),
      info: { labels: ["positive", "negative", "neutral"], hasAccuracy: true, meanScores: [] },
      settings: {},
    },
    coding: {
      records: Array.from(
        { length: n },
        (_, i) =>
          evalRecord("coding", i, {
            correct: i < 3,
            score: i < 3 ? 1 : 0,
            sample_id: `HumanEval/${i}`,
          }),
      ),
      info: { labels: null, hasAccuracy: true, meanScores: [] },
      settings: { metric: "pass@1 (greedy, one sample per problem)" },
    },
    mmlu_mini: {
      records: Array.from({ length: n }, (_, i) =>
        evalRecord("mmlu_mini", i, {
          group: i < 5 ? "econometrics" : "professional_accounting",
          correct: i % 5 < (i < 5 ? 4 : 2),
          score: i % 5 < (i < 5 ? 4 : 2) ? 1 : 0,
        })),
      info: { labels: null, hasAccuracy: true, meanScores: [] },
      settings: {},
    },
    gsm8k_mini: {
      records: Array.from(
        { length: n },
        (_, i) => evalRecord("gsm8k_mini", i, { correct: i < 5, score: i < 5 ? 1 : 0 }),
      ),
      info: { labels: null, hasAccuracy: true, meanScores: [] },
      settings: {},
    },
    summarization: {
      records: Array.from({ length: n }, (_, i) =>
        evalRecord("summarization", i, {
          correct: null,
          score: 0.3,
          scores: { rouge1: 0.4, rouge2: 0.1 + i / 100, rougeL: 0.3, embedding_cosine: 0.8 },
        })),
      info: {
        labels: null,
        hasAccuracy: false,
        meanScores: ["rouge1", "rouge2", "rougeL", "embedding_cosine"],
      },
      settings: { embedding_model: "smollm2_135m_instruct" },
    },
    realistic: {
      records: Array.from({ length: n }, (_, i) =>
        evalRecord("realistic", i, {
          group: i < 5 ? "triage" : "kyc",
          correct: null,
          score: i < 8 ? 1 : 0.5,
          scores: { check_valid_json: i < 9 ? 1 : 0, check_fields: i < 8 ? 1 : 0 },
        })),
      info: { labels: null, hasAccuracy: false, meanScores: [] },
      settings: {},
    },
  };
  return runs;
}

function manifest(
  hash: string,
  runs: { run_id: string; kind: string; files?: Record<string, string> }[],
) {
  return ManifestSchema.parse({
    schema_version: 1,
    config_hash: hash,
    config: { experiment: { seed: 42, temperature: 0, runs: 3, warmup: 0 } },
    runs: runs.map((r) => ({
      run_id: r.run_id,
      kind: r.kind,
      status: "complete",
      started_at: "2025-11-23T10:00:00.000Z",
      updated_at: "2025-11-23T10:10:00.000Z",
      plan: { runs: 3, warmup: 0, seed: 42 },
      files: r.files ?? {},
      environments: [{
        os: { platform: "darwin", release: "24.1.0", version: "macOS 15.1 (24B83)", arch: "arm64" },
        cpu: { model: "Apple M3", chip: "Apple M3" },
        memory_bytes: 16 * GIB,
        lmstudio: { version: "0.3.31", reachable: true },
        deno: "2.9.6",
        git: { commit: "c0ffee", dirty: false },
        power: { source: "ac" },
      }],
    })),
  });
}

const mean = (value: number, ci: [number, number], n = 3) => ({ value, ci95: ci, n });
const diff = (value: number, ci: [number, number]) => ({
  value,
  ci95: ci,
  significant: ci[0] > 0 || ci[1] < 0,
  relative: value / 50,
});

/** The rounds summary of ROUNDS_RUN (its numbers as lib/rounds would write them). */
export function roundsSummary(): Record<string, unknown> {
  return {
    schema_version: 1,
    kind: "rounds_summary",
    run_id: ROUNDS_RUN,
    config_hash: HASH_R,
    model_key: "demo_gguf",
    model_id: "acme/demo-3b",
    backend: "lmstudio",
    format: "GGUF",
    quantization: "Q4_K_M",
    rounds: [
      {
        id: "baseline",
        description: "as configured",
        status: "run",
        reason: null,
        requested_settings: {},
        applied_settings: {},
      },
      {
        id: "flash_attn",
        description: "FlashAttention",
        status: "run",
        reason: null,
        requested_settings: { flash_attention: true },
        applied_settings: { flash_attention: true },
      },
      {
        id: "kv_q4",
        description: "q4_0 KV cache",
        status: "skipped",
        reason: "LM Studio cannot set the KV cache type",
        requested_settings: {},
        applied_settings: null,
      },
    ],
    performance: [
      {
        round: "baseline",
        scenario: "interactive_assistant",
        n: 3,
        success_rate: 1,
        ttft_ms: mean(11, [8.5, 13.5]),
        output_tokens_per_s: mean(51, [48.5, 53.5]),
        peak_rss_bytes: mean(GIB, [GIB, GIB]),
        draft_acceptance_rate: null,
        vs_baseline: null,
      },
      {
        round: "flash_attn",
        scenario: "interactive_assistant",
        n: 3,
        success_rate: 1,
        ttft_ms: mean(9, [6.5, 11.5]),
        output_tokens_per_s: mean(61, [58.5, 63.5]),
        peak_rss_bytes: mean(GIB, [GIB, GIB]),
        draft_acceptance_rate: null,
        vs_baseline: {
          ttft_ms: diff(-2, [-5.2, 1.2]),
          output_tokens_per_s: diff(10, [6.8, 13.2]),
          peak_rss_bytes: diff(0, [-1, 1]),
        },
      },
    ],
    quality: [
      {
        round: "baseline",
        task: "banking77",
        accuracy: { value: 0.5, ci95: [0.24, 0.76], n: 10 },
        vs_baseline: null,
      },
      {
        round: "flash_attn",
        task: "banking77",
        accuracy: { value: 0.6, ci95: [0.31, 0.83], n: 10 },
        vs_baseline: diff(0.1, [-0.3, 0.45]),
      },
    ],
  };
}

/** The sweep file (two variants of one model). */
export function sweep(): Record<string, unknown> {
  const row = (
    key: string,
    quant: string,
    params: number,
    bpw: number,
    tps: number,
    q: number,
  ) => ({
    model_key: key,
    model_id: "acme/demo-3b",
    format: "GGUF",
    quantization: quant,
    parameters: params,
    bits_per_weight: bpw,
    file_size_bytes: Math.round(params * bpw / 8),
    scenario: "interactive_assistant",
    ttft_ms: mean(20, [18, 22]),
    output_tokens_per_s: mean(tps, [tps - 2, tps + 2]),
    peak_rss_bytes: mean(GIB, [GIB, GIB]),
    quality: { task: "banking77", value: q, ci95: [q - 0.2, q + 0.2], n: 20 },
    run_id: `rounds_${key}_20251124_090000`,
    config_hash: HASH_R,
  });
  return {
    kind: "sweep",
    created_at: "2025-11-24T09:30:00.000Z",
    rows: [
      row("demo_q4", "Q4_K_M", 3.1e9, 4.8, 45, 0.55),
      row("demo_q8", "Q8_0", 3.1e9, 8.5, 30, 0.6),
    ],
  };
}

/** Write the campaign into `dir`. */
export async function writeCampaign(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, records] of Object.entries(perfFiles())) {
    await Deno.writeTextFile(join(dir, name), jsonl(records));
  }
  for (const [task, run] of Object.entries(evalRuns())) {
    const prefix = task === "realistic" ? "realistic" : `eval_${task}`;
    const stem = `${prefix}_acme_demo-3b_GGUF_Q4_K_M_20251123_090000`;
    await Deno.writeTextFile(join(dir, `${stem}.jsonl`), jsonl(run.records));
    const metrics = evalMetrics(run.records as EvalRecord[], run.info);
    const summary = EvalSummarySchema.parse({
      schema_version: 1,
      kind: "eval_summary",
      run_id: `eval_${task}_run`,
      config_hash: HASH_EV,
      task,
      model_key: "demo_gguf",
      model_id: "acme/demo-3b",
      backend: "lmstudio",
      format: "GGUF",
      quantization: "Q4_K_M",
      complete: true,
      planned: 10,
      records_file: `${stem}.jsonl`,
      settings: run.settings,
      ...metrics,
      created_at: "2025-11-23T09:10:00.000Z",
    });
    await Deno.writeTextFile(join(dir, `${stem}.json`), JSON.stringify(summary, null, 2));
  }
  // The rounds run's quality subset: records without a summary of their own.
  const subset = "eval_banking77_acme_demo-3b_baseline_20251123_120000.jsonl";
  await Deno.writeTextFile(
    join(dir, subset),
    jsonl(evalRuns().banking77.records.map((r) => ({ ...r, run_id: `${ROUNDS_RUN}:baseline` }))),
  );
  await Deno.writeTextFile(
    join(dir, "rounds_demo_gguf_20251123_120000.json"),
    JSON.stringify(roundsSummary(), null, 2),
  );
  await Deno.writeTextFile(
    join(dir, "sweep_20251124_093000.json"),
    JSON.stringify(sweep(), null, 2),
  );
  for (
    const [hash, runs] of [
      [HASH_P1, [{ run_id: "perf_run1", kind: "perf" }]],
      [HASH_P2, [{ run_id: "perf_run2", kind: "perf" }, { run_id: "perf_run_mlx", kind: "perf" }]],
      [HASH_R, [{ run_id: ROUNDS_RUN, kind: "rounds", files: { "baseline/quality": subset } }]],
      [HASH_EV, Object.keys(evalRuns()).map((t) => ({ run_id: `eval_${t}_run`, kind: "eval" }))],
    ] as const
  ) {
    await Deno.writeTextFile(
      join(dir, `experiment_config_${hash}.json`),
      JSON.stringify(manifest(hash, runs as never)),
    );
  }
}
