import { join } from "node:path";
import type { Experiment, ModelConfig, ResolvedScenario } from "../config/mod.ts";
import {
  type Backend,
  type ChatRequest,
  type ChatResult,
  type CreatedBackend,
  type LmStudioBackend,
  type ModelFacts,
} from "../backends/mod.ts";
import { type MemoryPeak, type MemorySampler, startMemorySampler } from "../memory/mod.ts";
import {
  JsonlWriter,
  perfFileName,
  type PerfRecord,
  PerfRecordSchema,
  readJsonl,
} from "../results/mod.ts";
import { checkJsonOutput } from "./_json_check.ts";
import { requestMetrics } from "./_timing.ts";

/** One (model, scenario) pair of a run, optionally within an optimization round. */
export interface PerfUnit {
  modelKey: string;
  scenario: string;
  /** Optimization round id (rounds runs only). */
  round?: string;
  /** Requests in flight at once (continuous batching rounds). @default 1 */
  concurrency?: number;
}

/** Unit key used in manifests: `<model_key>/<scenario>`, prefixed by `<round>/` in rounds runs. */
export function unitKey(unit: PerfUnit): string {
  return `${unit.round ? `${unit.round}/` : ""}${unit.modelKey}/${unit.scenario}`;
}

/** What a perf run does. */
export interface PerfPlan {
  runId: string;
  configHash: string;
  experiment: Experiment;
  models: Record<string, ModelConfig>;
  scenarios: Record<string, ResolvedScenario>;
  /** Units in execution order (models outer, scenarios inner). */
  units: PerfUnit[];
  resultsDir: string;
}

/** Progress and outcome events (lib never prints; the CLI renders these). */
export type PerfEvent =
  | { type: "model_start"; modelKey: string; model: ModelConfig; round?: string }
  | {
    type: "model_ready";
    modelKey: string;
    facts: ModelFacts;
    loadTimeMs: number | null;
    round?: string;
  }
  | { type: "model_failed"; modelKey: string; error: Error; round?: string }
  | { type: "unit_start"; unit: PerfUnit; path: string; planned: number; alreadyDone: number }
  | { type: "request_done"; unit: PerfUnit; record: PerfRecord; done: number; planned: number }
  | { type: "rewarm"; unit: PerfUnit; requests: number }
  | {
    type: "unit_done";
    unit: PerfUnit;
    path: string;
    scenarioPeak: MemoryPeak;
    wallMs: number;
    records: PerfRecord[];
  }
  | { type: "unit_aborted"; unit: PerfUnit; reason: string };

/** Options for {@linkcode runPerf}. */
export interface RunPerfOptions {
  /** Builds the backend of a model (for a round, with its settings applied). */
  createBackend: (modelKey: string, model: ModelConfig, round?: string) => Promise<CreatedBackend>;
  /** Result files already assigned to units (resume), relative to resultsDir. @default {} */
  files?: Record<string, string>;
  /** Called when a unit's file is chosen, so the manifest can record it before any write. */
  onFileAssigned?: (unit: PerfUnit, file: string) => Promise<void> | void;
  onEvent?: (event: PerfEvent) => void;
  /** Stop after this many consecutive failed requests (a dead server). @default 3 */
  maxConsecutiveErrors?: number;
  /** Memory sampler factory. @default startMemorySampler */
  startSampler?: typeof startMemorySampler;
  /** Identify the machine and code in records. */
  host: string;
  gitCommit: string | null;
  /** Load LM Studio models marked load.auto. @default true */
  allowLoad?: boolean;
  /** Clock for timestamps. @default () => new Date() */
  date?: () => Date;
  signal?: AbortSignal;
}

/** What {@linkcode runPerf} did. */
export interface PerfRunOutcome {
  /** Every unit finished its planned requests. */
  complete: boolean;
  failures: { modelKey: string; message: string; round?: string }[];
  files: Record<string, string>;
  /** Scenario-level memory peaks of units run now. */
  scenarioPeaks: Record<string, MemoryPeak>;
}

function requestFor(s: ResolvedScenario, experiment: Experiment): ChatRequest {
  return {
    messages: [
      ...(s.system_prompt ? [{ role: "system" as const, content: s.system_prompt }] : []),
      { role: "user" as const, content: s.prompt },
    ],
    maxTokens: s.max_tokens,
    temperature: experiment.temperature,
    seed: experiment.seed,
    jsonSchema: s.constrained ? s.json_schema : null,
  };
}

const slotKey = (warmup: boolean, repetition: number) => `${warmup ? "w" : "r"}${repetition}`;

async function existingRecords(path: string): Promise<PerfRecord[]> {
  try {
    return (await readJsonl(path, PerfRecordSchema)).records;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/**
 * Run (or continue) the planned units: per model, build its backend (and for LM Studio load/check
 * the model), then per scenario the missing warm-ups and measured repetitions, one JSONL record per
 * request, appended and flushed at once. A failed request is a record with `error`, not a crash.
 */
export async function runPerf(plan: PerfPlan, options: RunPerfOptions): Promise<PerfRunOutcome> {
  const emit = options.onEvent ?? (() => {});
  const files = { ...options.files };
  const failures: PerfRunOutcome["failures"] = [];
  const scenarioPeaks: Record<string, MemoryPeak> = {};
  const date = options.date ?? (() => new Date());
  const maxErrors = options.maxConsecutiveErrors ?? 3;
  const startSampler = options.startSampler ?? startMemorySampler;
  let complete = true;
  await Deno.mkdir(plan.resultsDir, { recursive: true });

  const groups = [
    ...new Map(plan.units.map((u) => [`${u.round ?? ""}|${u.modelKey}`, u])).values(),
  ];
  for (const { modelKey, round } of groups) {
    if (options.signal?.aborted) {
      complete = false;
      break;
    }
    const model = plan.models[modelKey];
    emit({ type: "model_start", modelKey, model, round });
    let backend: Backend;
    let facts: ModelFacts;
    let loadTimeMs: number | null = null;
    try {
      ({ backend } = await options.createBackend(modelKey, model, round));
      if (backend.kind === "lmstudio") {
        const lm = backend as LmStudioBackend;
        if (model.backend === "lmstudio" && model.load?.auto && options.allowLoad !== false) {
          const { load } = model;
          loadTimeMs = (await lm.load({
            context_length: load.context_length,
            eval_batch_size: load.eval_batch_size,
            flash_attention: load.flash_attention,
            offload_kv_cache_to_gpu: load.offload_kv_cache_to_gpu,
          })).loadTimeMs;
        }
        facts = plan.experiment.lmstudio.check_loaded
          ? await lm.ensureModel()
          : await lm.describe();
      } else {
        facts = await backend.describe();
      }
    } catch (error) {
      complete = false;
      const e = error instanceof Error ? error : new Error(String(error));
      failures.push({ modelKey, message: e.message, round });
      emit({ type: "model_failed", modelKey, error: e, round });
      continue;
    }
    emit({ type: "model_ready", modelKey, facts, loadTimeMs, round });
    const settings = backend.effectiveSettings?.() ?? null;
    let modelAborted = false;
    try {
      for (const unit of plan.units.filter((u) => u.modelKey === modelKey && u.round === round)) {
        if (options.signal?.aborted) {
          complete = false;
          break;
        }
        const key = unitKey(unit);
        const scenario = plan.scenarios[unit.scenario];
        if (!files[key]) {
          files[key] = perfFileName({
            modelId: model.model_id,
            format: model.format,
            quantization: model.quantization,
            scenario: unit.scenario,
            round: unit.round,
            date: date(),
          });
          await options.onFileAssigned?.(unit, files[key]);
        }
        const path = join(plan.resultsDir, files[key]);
        const outcome = await runUnit({
          plan,
          unit,
          scenario,
          model,
          backend,
          path,
          startSampler,
          emit,
          maxErrors,
          options,
          date,
          settings,
        });
        if (outcome.peak) scenarioPeaks[key] = outcome.peak;
        if (!outcome.finished) {
          complete = false;
          modelAborted = true;
          failures.push({ modelKey, message: outcome.reason ?? "aborted", round });
          break;
        }
      }
    } finally {
      if (model.backend === "lmstudio" && model.load?.unload_after && !modelAborted) {
        await (backend as LmStudioBackend).unload().catch(() => {});
      }
      await backend.close();
    }
  }
  return { complete, failures, files, scenarioPeaks };
}

interface UnitArgs {
  plan: PerfPlan;
  unit: PerfUnit;
  scenario: ResolvedScenario;
  model: ModelConfig;
  backend: Backend;
  path: string;
  startSampler: typeof startMemorySampler;
  emit: (e: PerfEvent) => void;
  maxErrors: number;
  options: RunPerfOptions;
  date: () => Date;
  settings: Record<string, unknown> | null;
}

async function runUnit(
  a: UnitArgs,
): Promise<{ finished: boolean; reason?: string; peak?: MemoryPeak }> {
  const { plan, unit, scenario, backend, emit } = a;
  const { warmup, runs } = plan.experiment;
  const mine = (r: PerfRecord) =>
    r.run_id === plan.runId && r.model_key === unit.modelKey && r.scenario === unit.scenario &&
    r.round_id === (unit.round ?? null);
  const previous = (await existingRecords(a.path)).filter(mine);
  const done = new Set(previous.map((r) => slotKey(r.warmup, r.repetition)));
  const slots: { warmup: boolean; repetition: number }[] = [];
  for (let i = 0; i < warmup; i++) slots.push({ warmup: true, repetition: i });
  for (let i = 0; i < runs; i++) slots.push({ warmup: false, repetition: i });
  const todo = slots.filter((s) => !done.has(slotKey(s.warmup, s.repetition)));
  const planned = slots.length;
  emit({ type: "unit_start", unit, path: a.path, planned, alreadyDone: planned - todo.length });
  if (todo.length === 0) return { finished: true };

  const request = requestFor(scenario, plan.experiment);
  const serving = backend.servingProcesses();
  const sampler: MemorySampler = a.startSampler(
    { pids: serving.pids, namePattern: serving.namePattern, includeChildren: true },
    { intervalMs: plan.experiment.memory.interval_ms },
  );
  const writer = await JsonlWriter.open(a.path);
  const t0 = performance.now();
  let consecutiveErrors = 0;
  let finishedAll = true;
  let reason: string | undefined;
  try {
    // Resuming after the warm-ups were recorded: warm the engine again, without recording.
    if (warmup > 0 && previous.length > 0 && !todo.some((s) => s.warmup)) {
      emit({ type: "rewarm", unit, requests: warmup });
      for (let i = 0; i < warmup; i++) {
        await backend.chat(request, { signal: a.options.signal }).catch(() => {});
      }
    }
    let count = planned - todo.length;
    const width = Math.max(1, unit.concurrency ?? 1);
    const one = async (slot: { warmup: boolean; repetition: number }, batch: BatchWindow) => {
      const window = sampler.openWindow();
      let result: ChatResult | null = null;
      let error: string | null = null;
      try {
        // Every backend gets the experiment's request timeout (the embedded engine too).
        const timeout = AbortSignal.timeout(plan.experiment.request_timeout_ms);
        const signal = a.options.signal ? AbortSignal.any([a.options.signal, timeout]) : timeout;
        result = await backend.chat(request, { signal });
        if (result.timing.firstContentAt === null) error = "no content received";
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      const peak = await window.close();
      const record = buildRecord({ a, slot, result, error, peak, batch, concurrency: width });
      await writer.append(record);
      count++;
      emit({ type: "request_done", unit, record, done: count, planned });
      return error;
    };
    // Warm-ups first, then measured requests, `width` in flight at once (1: strictly sequential).
    for (let i = 0; i < todo.length; i += width) {
      if (a.options.signal?.aborted) {
        finishedAll = false;
        reason = "interrupted";
        break;
      }
      const group = todo.slice(i, i + width).filter((s, _, g) => s.warmup === g[0].warmup);
      i -= width - group.length;
      // The window: these requests sent together; its id is the epoch time it opened (µs).
      const batch = {
        id: Math.round((performance.timeOrigin + performance.now()) * 1000),
        size: group.length,
      };
      const errors = await Promise.all(group.map((slot) => one(slot, batch)));
      for (const error of errors) consecutiveErrors = error ? consecutiveErrors + 1 : 0;
      if (a.maxErrors > 0 && consecutiveErrors >= a.maxErrors) {
        finishedAll = false;
        reason = `${consecutiveErrors} consecutive failed requests (last: ${errors.at(-1)}); ` +
          `stopped this model: fix the server and continue with --resume`;
        emit({ type: "unit_aborted", unit, reason });
        break;
      }
    }
  } finally {
    writer.close();
  }
  const scenarioPeak = await sampler.stop();
  const records = (await existingRecords(a.path)).filter(mine);
  if (finishedAll) {
    emit({
      type: "unit_done",
      unit,
      path: a.path,
      scenarioPeak,
      wallMs: performance.now() - t0,
      records,
    });
  }
  return { finished: finishedAll, reason, peak: scenarioPeak };
}

/** A group of requests sent together (see `batch_window` in the perf record). */
interface BatchWindow {
  id: number;
  size: number;
}

function buildRecord(p: {
  a: UnitArgs;
  slot: { warmup: boolean; repetition: number };
  result: ChatResult | null;
  error: string | null;
  peak: MemoryPeak;
  batch: BatchWindow;
  concurrency: number;
}): PerfRecord {
  const { a, slot, result, error, peak, batch } = p;
  const m = result ? requestMetrics(result.timing, result.promptTokens, result.outputTokens) : null;
  const scenario = a.scenario;
  const valid = result && scenario.validate === "json_schema" && scenario.json_schema
    ? checkJsonOutput(result.text, scenario.json_schema).valid
    : null;
  return PerfRecordSchema.parse({
    schema_version: 1,
    kind: "perf",
    run_id: a.plan.runId,
    config_hash: a.plan.configHash,
    model_key: a.unit.modelKey,
    model_id: a.model.model_id,
    backend: a.model.backend,
    runner: "edge-slm-bench",
    format: a.model.format,
    quantization: a.model.quantization,
    scenario: a.unit.scenario,
    round_id: a.unit.round ?? null,
    settings: a.settings,
    repetition: slot.repetition,
    warmup: slot.warmup,
    seed: a.plan.experiment.seed,
    temperature: a.plan.experiment.temperature,
    max_tokens: scenario.max_tokens,
    ttft_ms: m?.ttft_ms ?? null,
    e2e_ms: m?.e2e_ms ?? null,
    decode_ms: m?.decode_ms ?? null,
    tpot_ms: m?.tpot_ms ?? null,
    output_tokens_per_s: m?.output_tokens_per_s ?? null,
    e2e_tokens_per_s: m?.e2e_tokens_per_s ?? null,
    prefill_tokens_per_s: m?.prefill_tokens_per_s ?? null,
    prompt_tokens: result?.promptTokens ?? null,
    output_tokens: result?.outputTokens ?? null,
    token_count_source: result?.tokenCountSource ?? null,
    peak_rss_bytes: peak.peak_rss_bytes,
    peak_footprint_bytes: peak.peak_footprint_bytes,
    peak_system_used_bytes: peak.peak_system_used_bytes,
    memory_samples: peak.samples,
    server_timings: result?.serverTimings ?? null,
    concurrency: p.concurrency,
    batch_window: {
      ...batch,
      sent_ms: result?.timing.sentAt ?? null,
      end_ms: result?.timing.endAt ?? null,
    },
    draft_acceptance_rate: draftRate(result),
    finish_reason: result?.finishReason ?? null,
    output_valid: valid,
    output_text: result?.text ?? "",
    error,
    host: a.options.host,
    git_commit: a.options.gitCommit,
    timestamp: a.date().toISOString(),
  });
}

function draftRate(result: ChatResult | null): number | null {
  const p = result?.tokenPredictions;
  if (!p || p.validated + p.refuted === 0) return null;
  return p.validated / (p.validated + p.refuted);
}
