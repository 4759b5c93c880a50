/**
 * lm-evaluation-harness (`lm_eval`, EleutherAI) as a second opinion on a task: the project writes
 * the task's samples as a local JSONL dataset and a task YAML (generate_until, exact_match), runs
 * lm_eval's `local-chat-completions` model against the same OpenAI-compatible endpoint, then
 * imports its per-sample output as project records (scored by the project's own scorer too).
 * Nothing is fetched from a hub: the dataset is the local file, HF_*_OFFLINE is set.
 * @module
 */
import { invalidReason } from "./_invalid.ts";
import { join } from "node:path";
import type { EvalRecord } from "../results/mod.ts";
import type { EvalTask } from "./task.ts";

/** lm_eval is not installed, or did not produce its samples. */
export class HarnessError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HarnessError";
  }
}

import { LM_EVAL_VERSION, lmEvalVenv } from "../setup/mod.ts";

export { LM_EVAL_VERSION };

/** How to install lm_eval with only what its API models need (no torch). */
export const LM_EVAL_INSTALL =
  `deno task setup --harness (or: python3 -m venv ~/.cache/edge-slm-bench/lm-eval/venv && ~/.cache/edge-slm-bench/lm-eval/venv/bin/pip install "lm-eval[api]==${LM_EVAL_VERSION}")`;

/** The lm_eval executable: `$LM_EVAL`, the user cache's venv, else `lm_eval` on PATH; null when none runs. */
export async function findLmEval(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): Promise<string | null> {
  const candidates = [
    env("LM_EVAL"),
    join(lmEvalVenv(env), "bin", "lm_eval"),
    "lm_eval",
  ].filter((c): c is string => !!c);
  for (const c of candidates) {
    try {
      const out = await new Deno.Command(c, { args: ["--help"], stdout: "null", stderr: "null" })
        .output();
      if (out.success) return c;
    } catch { /* not there */ }
  }
  return null;
}

/** Options for {@linkcode runHarness}. */
export interface RunHarnessOptions {
  /** lm_eval executable. @default findLmEval() */
  lmEval?: string;
  /** Model id the server serves. */
  modelId: string;
  /** OpenAI-compatible base URL including `/v1`. */
  baseUrl: string;
  /** Working folder (task file, dataset, lm_eval output). */
  workDir: string;
  /** @default 600000 */
  timeoutMs?: number;
}

/** One sample as lm_eval answered it. */
export interface HarnessSample {
  sample_id: string;
  prompt: string;
  reference: string;
  response: string;
  exact_match: number | null;
}

/** What lm_eval did. */
export interface HarnessResult {
  samples: HarnessSample[];
  /** Mean exact_match over the samples (lm_eval's own score). */
  accuracy: number | null;
  command: string[];
  samplesFile: string;
}

/** The task YAML lm_eval reads for `task` (dataset = the local JSONL file). */
export function harnessTaskYaml(name: string, dataFile: string, maxTokens: number): string {
  return [
    `task: ${name}`,
    "dataset_path: json",
    "dataset_kwargs:",
    "  data_files:",
    `    test: ${JSON.stringify(dataFile)}`,
    "test_split: test",
    "output_type: generate_until",
    'doc_to_text: "{{prompt}}"',
    'doc_to_target: "{{reference}}"',
    "generation_kwargs:",
    "  until: []",
    `  max_gen_toks: ${maxTokens}`,
    "  do_sample: false",
    "  temperature: 0",
    "metric_list:",
    "  - metric: exact_match",
    "    aggregation: mean",
    "    higher_is_better: true",
    "    ignore_case: true",
    "    ignore_punctuation: true",
    "metadata:",
    "  version: 1.0",
    "",
  ].join("\n");
}

/** Run `task`'s samples through lm_eval against `baseUrl` and read its per-sample output. */
export async function runHarness(
  task: EvalTask,
  options: RunHarnessOptions,
): Promise<HarnessResult> {
  const lmEval = options.lmEval ?? await findLmEval();
  if (!lmEval) {
    throw new HarnessError(
      `lm-evaluation-harness (lm_eval) is not installed: install it with\n  ${LM_EVAL_INSTALL}\n(or set LM_EVAL to its executable)`,
    );
  }
  const dir = options.workDir;
  await Deno.mkdir(dir, { recursive: true });
  const name = `edge_bench_${task.name.replace(/[^a-z0-9_]/gi, "_")}`;
  const data = join(dir, `${name}.jsonl`);
  // The system prompt, when the task has one, goes in front (lm_eval's chat template sends one user turn).
  await Deno.writeTextFile(
    data,
    task.samples.map((s) =>
      JSON.stringify({
        id: s.id,
        prompt: s.system ? `${s.system}\n\n${s.prompt}` : s.prompt,
        reference: s.reference,
      })
    ).join("\n") + "\n",
  );
  await Deno.writeTextFile(join(dir, `${name}.yaml`), harnessTaskYaml(name, data, task.maxTokens));
  const out = join(dir, "output");
  const command = [
    lmEval,
    "--model",
    "local-chat-completions",
    "--model_args",
    `model=${options.modelId},base_url=${
      options.baseUrl.replace(/\/+$/, "")
    }/chat/completions,num_concurrent=1,max_retries=1,tokenized_requests=False`,
    "--tasks",
    name,
    "--include_path",
    dir,
    "--apply_chat_template",
    "--output_path",
    out,
    "--log_samples",
  ];
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    env: { HF_DATASETS_OFFLINE: "1", HF_HUB_OFFLINE: "1", TOKENIZERS_PARALLELISM: "false" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, options.timeoutMs ?? 600_000);
  const result = await child.output();
  clearTimeout(timer);
  const log = new TextDecoder().decode(result.stderr) + new TextDecoder().decode(result.stdout);
  const file = await findSamples(out, name);
  if (!result.success || !file) {
    throw new HarnessError(
      `lm_eval failed (exit ${result.code}) on ${options.baseUrl}: ${
        log.trim().split("\n").slice(-4).join(" | ")
      }`,
    );
  }
  const byId = new Map(task.samples.map((s) => [s.id, s]));
  const samples: HarnessSample[] = [];
  for (const line of (await Deno.readTextFile(file)).split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as {
      doc: { id: string; prompt: string; reference: string };
      filtered_resps?: unknown[];
      resps?: unknown[][];
      exact_match?: number;
    };
    const response = String(r.filtered_resps?.[0] ?? r.resps?.[0]?.[0] ?? "");
    samples.push({
      sample_id: r.doc.id,
      prompt: byId.get(r.doc.id)?.prompt ?? r.doc.prompt,
      reference: r.doc.reference,
      response,
      exact_match: typeof r.exact_match === "number" ? r.exact_match : null,
    });
  }
  const scored = samples.filter((s) => s.exact_match !== null);
  return {
    samples,
    accuracy: scored.length ? scored.reduce((a, s) => a + s.exact_match!, 0) / scored.length : null,
    command,
    samplesFile: file,
  };
}

async function findSamples(dir: string, name: string): Promise<string | null> {
  try {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory) {
        const found = await findSamples(path, name);
        if (found) return found;
      } else if (e.name.startsWith(`samples_${name}_`) && e.name.endsWith(".jsonl")) return path;
    }
  } catch { /* no output */ }
  return null;
}

/**
 * lm_eval's samples as project records of task `<task>@lm-eval` (run id `<run>:lm-eval`), each
 * scored again by the project's scorer; lm_eval's own exact_match is kept in `details`.
 */
export async function harnessRecords(
  task: EvalTask,
  harness: HarnessResult,
  base: Omit<
    EvalRecord,
    | "sample_id"
    | "attempt"
    | "group"
    | "system_prompt"
    | "prompt"
    | "raw_output"
    | "output_truncated"
    | "output_chars"
    | "reasoning"
    | "prediction"
    | "reference"
    | "correct"
    | "score"
    | "scores"
    | "valid"
    | "details"
    | "latency_ms"
    | "ttft_ms"
    | "prompt_tokens"
    | "output_tokens"
    | "cached_prompt_tokens"
    | "token_count_source"
    | "server_timings"
    | "finish_reason"
    | "error"
    | "invalid_reason"
  >,
): Promise<EvalRecord[]> {
  const byId = new Map(task.samples.map((s) => [s.id, s]));
  const out: EvalRecord[] = [];
  for (const h of harness.samples) {
    const sample = byId.get(h.sample_id);
    const score = sample ? await task.scorer(h.response, sample) : null;
    out.push({
      ...base,
      sample_id: h.sample_id,
      attempt: 0,
      group: sample?.group ?? null,
      system_prompt: sample?.system ?? null,
      prompt: h.prompt,
      raw_output: h.response,
      output_truncated: false,
      output_chars: h.response.length,
      reasoning: "",
      prediction: score?.prediction ?? null,
      reference: h.reference,
      correct: score?.correct ?? null,
      score: score?.score ?? null,
      scores: score?.scores ?? {},
      valid: score?.valid ?? false,
      details: {
        ...(score?.details ?? {}),
        source: "lm-evaluation-harness",
        lm_eval_exact_match: h.exact_match,
      },
      latency_ms: null,
      ttft_ms: null,
      prompt_tokens: null,
      output_tokens: null,
      cached_prompt_tokens: null,
      token_count_source: null,
      server_timings: null,
      finish_reason: null,
      error: null,
      // lm_eval does not report why its generation stopped: no finish reason.
      invalid_reason: invalidReason({
        error: null,
        valid: score?.valid ?? false,
        scorerReason: score?.invalidReason ?? null,
        rawOutput: h.response,
        finishReason: null,
      }),
    });
  }
  return out;
}
