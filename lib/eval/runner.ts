import type { Backend, ChatRequest, ChatResult } from "../backends/mod.ts";
import type { ModelConfig } from "../config/mod.ts";
import {
  type EvalRecord,
  EvalRecordSchema,
  fastParse,
  JsonlWriter,
  nextAttempts,
  readJsonl,
} from "../results/mod.ts";
import { invalidReason } from "./_invalid.ts";
import { latestPerSample } from "./metrics.ts";
import type { EvalSample, EvalTask, Score } from "./task.ts";

/** Records written between two disk syncs of an eval's records file (see runEval). */
const SYNC_EVERY = 32;

/** What an eval run does: one task on one model. */
export interface EvalPlan {
  runId: string;
  configHash: string;
  task: string;
  modelKey: string;
  model: ModelConfig;
  seed: number;
  temperature: number;
  /** Absolute path of the JSONL file of sample records. */
  recordsPath: string;
}

/** Progress events (lib never prints; the CLI renders these). */
export type EvalEvent =
  | { type: "start"; planned: number; alreadyDone: number; path: string }
  | {
    type: "sample_done";
    record: EvalRecord;
    done: number;
    planned: number;
    /** Correct / done so far (previous records included); null when the task has no accuracy. */
    runningAccuracy: number | null;
  }
  | { type: "stopped"; reason: string };

/** Options for {@linkcode runEval}. */
export interface RunEvalOptions {
  backend: Backend;
  /** Requests in flight at once. @default 1 */
  concurrency?: number;
  /** Stop after this many consecutive failed requests (a dead server). @default 5 */
  maxConsecutiveErrors?: number;
  onEvent?: (event: EvalEvent) => void;
  signal?: AbortSignal;
  host: string;
  gitCommit: string | null;
  /** @default () => new Date() */
  date?: () => Date;
}

/** What {@linkcode runEval} did. */
export interface EvalRunOutcome {
  /** Every sample of the task has a record, and no sample's latest attempt failed. */
  complete: boolean;
  /** Why the run is not complete: it stopped early, or samples failed (`--resume` retries them). */
  reason: string | null;
  /** Samples whose latest attempt is a failed request (they keep the run incomplete). */
  failed: number;
  /** The run's records, one per sample (the last wins), ordered by sample id. */
  records: EvalRecord[];
}

/** The run's records already in a file (none when it does not exist). */
export async function readRunRecords(path: string, runId: string): Promise<EvalRecord[]> {
  try {
    const { records } = await readJsonl(path, EvalRecordSchema);
    return records.filter((r) => r.run_id === runId);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/**
 * The request of a sample. Evaluations measure answers, not speed, so their requests are
 * `cache: "warm"`: the engine (and llama-server) reuse the prompt prefix the samples share (the
 * instruction block and label list), which a perf run never does (perf scenarios default to cold).
 */
function requestFor(task: EvalTask, sample: EvalSample, plan: EvalPlan): ChatRequest {
  return {
    cache: "warm",
    messages: [
      ...(sample.system ? [{ role: "system" as const, content: sample.system }] : []),
      { role: "user" as const, content: sample.prompt },
    ],
    maxTokens: task.maxTokens,
    temperature: plan.temperature,
    seed: plan.seed,
    jsonSchema: task.jsonSchema,
  };
}

/**
 * Run (or continue) an eval: every sample without a record (or whose latest record holds an
 * error) is sent, scored, and appended to the JSONL file at once: one write per record, so a
 * killed run loses only the samples in flight (which `--resume` redoes); the file is synced to
 * disk once per 32 records or per second, and at the end. A retry is the next `attempt` of its
 * sample, and the failed record stays, superseded. With concurrency N,
 * N requests are in flight; records are appended in completion order, and the returned records
 * (like the summary) are ordered by sample id, so the numbers do not depend on N. A failed
 * request becomes a record with `error` and keeps the run incomplete (`failed`, `reason`); an
 * interrupted request (signal) writes nothing, so the sample runs again on --resume.
 */
export async function runEval(
  plan: EvalPlan,
  task: EvalTask,
  options: RunEvalOptions,
): Promise<EvalRunOutcome> {
  const emit = options.onEvent ?? (() => {});
  const date = options.date ?? (() => new Date());
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `runEval() needs a positive integer concurrency: current value is ${concurrency}`,
    );
  }
  const maxErrors = options.maxConsecutiveErrors ?? 5;
  const previous = latestPerSample(await readRunRecords(plan.recordsPath, plan.runId));
  const done = new Map(previous.filter((r) => r.error === null).map((r) => [r.sample_id, r]));
  const attempts = nextAttempts(previous, (r) => r.sample_id);
  const todo = task.samples.filter((s) => !done.has(s.id));
  const planned = task.samples.length;
  emit({ type: "start", planned, alreadyDone: planned - todo.length, path: plan.recordsPath });

  let correct = [...done.values()].filter((r) => r.correct === true).length;
  let count = done.size;
  let consecutiveErrors = 0;
  let reason: string | null = null;
  let failure: unknown = null;
  let next = 0;
  // Each record is written at once (a kill loses only the samples in flight, which --resume
  // redoes); the disk sync is batched, once per SYNC_EVERY records or per second.
  const writer = await JsonlWriter.open(plan.recordsPath, {
    syncEvery: SYNC_EVERY,
    syncIntervalMs: 1000,
  });
  const append = (record: EvalRecord) => writer.append(record);
  const stopped = () => reason !== null || failure !== null || options.signal?.aborted === true;

  async function worker(): Promise<void> {
    while (!stopped() && next < todo.length) {
      const sample = todo[next++];
      let result: ChatResult | null = null;
      let error: string | null = null;
      try {
        result = await options.backend.chat(requestFor(task, sample, plan), {
          signal: options.signal,
        });
      } catch (e) {
        if (options.signal?.aborted) return;
        error = e instanceof Error ? e.message : String(e);
      }
      let score: Score | null = null;
      try {
        if (result) {
          score = await task.scorer(result.text, sample, { finishReason: result.finishReason });
        }
      } catch (e) {
        failure ??= e;
        return;
      }
      const record = buildRecord({
        plan,
        task,
        sample,
        attempt: attempts.get(sample.id) ?? 0,
        result,
        score,
        error,
        options,
        date,
      });
      await append(record);
      count++;
      if (record.correct === true) correct++;
      consecutiveErrors = error ? consecutiveErrors + 1 : 0;
      emit({
        type: "sample_done",
        record,
        done: count,
        planned,
        runningAccuracy: task.hasAccuracy ? correct / count : null,
      });
      if (maxErrors > 0 && consecutiveErrors >= maxErrors && reason === null) {
        reason = `${consecutiveErrors} consecutive failed requests (last: ${error}); ` +
          "stopped: fix the server and continue with --resume (failed samples are retried)";
      }
    }
  }

  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, Math.max(todo.length, 1)) }, worker),
    );
  } finally {
    writer.close();
  }
  if (failure !== null) throw failure;
  if (options.signal?.aborted && reason === null) reason = "interrupted";
  if (reason !== null) emit({ type: "stopped", reason });
  const records = latestPerSample(await readRunRecords(plan.recordsPath, plan.runId));
  const ids = new Set(task.samples.map((s) => s.id));
  const mine = records.filter((r) => ids.has(r.sample_id));
  // Failed samples keep the run incomplete: `--resume` retries them.
  const failed = mine.filter((r) => r.error !== null).length;
  if (reason === null && failed > 0) {
    reason = `${failed} failed request(s) of ${planned} samples: 'deno task eval --resume' ` +
      "retries them";
  }
  const complete = reason === null && mine.length === planned;
  return { complete, reason, failed, records };
}

function buildRecord(p: {
  plan: EvalPlan;
  task: EvalTask;
  sample: EvalSample;
  attempt: number;
  result: ChatResult | null;
  score: Score | null;
  error: string | null;
  options: RunEvalOptions;
  date: () => Date;
}): EvalRecord {
  const { plan, sample, result, score } = p;
  const t = result?.timing;
  // The compiled schema check (zod only when it does not vouch), as for perf records.
  return fastParse(EvalRecordSchema, {
    schema_version: 1,
    kind: "eval",
    run_id: plan.runId,
    config_hash: plan.configHash,
    task: plan.task,
    model_key: plan.modelKey,
    model_id: plan.model.model_id,
    backend: plan.model.backend,
    format: plan.model.format,
    quantization: plan.model.quantization,
    sample_id: sample.id,
    attempt: p.attempt,
    group: sample.group,
    system_prompt: sample.system,
    prompt: sample.prompt,
    raw_output: result?.text ?? "",
    output_truncated: result?.truncated ?? false,
    output_chars: result?.outputChars ?? null,
    reasoning: result?.reasoning ?? "",
    prediction: score?.prediction ?? null,
    reference: sample.reference,
    correct: p.error ? (p.task.hasAccuracy ? false : null) : score?.correct ?? null,
    score: p.error ? null : score?.score ?? null,
    scores: score?.scores ?? {},
    valid: p.error ? false : score?.valid ?? false,
    invalid_reason: invalidReason({
      error: p.error,
      valid: p.error ? false : score?.valid ?? false,
      scorerReason: score?.invalidReason,
      rawOutput: result?.text ?? "",
      finishReason: result?.finishReason ?? null,
    }),
    details: score?.details ?? {},
    latency_ms: t ? t.endAt - t.sentAt : null,
    ttft_ms: t && t.firstContentAt !== null ? t.firstContentAt - t.sentAt : null,
    prompt_tokens: result?.promptTokens ?? null,
    output_tokens: result?.outputTokens ?? null,
    cached_prompt_tokens: result?.cachedPromptTokens ??
      result?.serverTimings?.cached_prompt_tokens ?? null,
    token_count_source: result?.tokenCountSource ?? null,
    server_timings: result?.serverTimings ?? null,
    finish_reason: result?.finishReason ?? null,
    seed: plan.seed,
    temperature: plan.temperature,
    max_tokens: p.task.maxTokens,
    error: p.error,
    host: p.options.host,
    git_commit: p.options.gitCommit,
    timestamp: p.date().toISOString(),
  });
}
