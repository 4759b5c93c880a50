import { join } from "node:path";
import type { Experiment, ModelConfig } from "../config/mod.ts";
import type { Backend, CreatedBackend, LmStudioBackend, ModelFacts } from "../backends/mod.ts";
import {
  complianceFileName,
  type ComplianceRecord,
  ComplianceRecordSchema,
  JsonlWriter,
  latestAttemptsBy,
  nextAttempts,
  readJsonl,
} from "../results/mod.ts";
import { createDetector } from "./detectors.ts";
import { probeRequest, type ResolvedProbe } from "./probes.ts";

/** What a compliance run does: every probe once per model. */
export interface CompliancePlan {
  runId: string;
  configHash: string;
  experiment: Experiment;
  models: Record<string, ModelConfig>;
  /** Model keys in execution order. */
  modelKeys: string[];
  probes: ResolvedProbe[];
  /** max_tokens of probes that name none (the rubric's run.max_tokens). */
  defaultMaxTokens: number;
  /** Cap on every probe's max_tokens (quick runs); null: none. */
  maxTokensCap: number | null;
  resultsDir: string;
}

/** Progress events (lib never prints; the CLI renders these). */
export type ComplianceEvent =
  | { type: "model_start"; modelKey: string; model: ModelConfig }
  | { type: "model_ready"; modelKey: string; facts: ModelFacts }
  | { type: "model_failed"; modelKey: string; error: Error }
  | { type: "model_probes"; modelKey: string; path: string; planned: number; alreadyDone: number }
  | {
    type: "probe_done";
    modelKey: string;
    record: ComplianceRecord;
    done: number;
    planned: number;
  }
  | { type: "model_done"; modelKey: string; path: string; records: ComplianceRecord[] }
  | { type: "model_aborted"; modelKey: string; reason: string };

/** Options for {@linkcode runProbes}. */
export interface RunProbesOptions {
  /** Builds a model's backend (injectable for tests). */
  createBackend: (modelKey: string, model: ModelConfig) => Promise<CreatedBackend>;
  /** Result files already assigned to models (resume), relative to resultsDir. @default {} */
  files?: Record<string, string>;
  /** Called when a model's file is chosen, so the manifest records it before any write. */
  onFileAssigned?: (modelKey: string, file: string) => Promise<void> | void;
  onEvent?: (event: ComplianceEvent) => void;
  /** Stop a model after this many consecutive failed requests (a dead server). @default 3 */
  maxConsecutiveErrors?: number;
  host: string;
  gitCommit: string | null;
  /** Load LM Studio models marked load.auto. @default true */
  allowLoad?: boolean;
  /** @default () => new Date() */
  date?: () => Date;
  signal?: AbortSignal;
}

/** What {@linkcode runProbes} did. */
export interface ProbeRunOutcome {
  /** Every model answered every probe (errors recorded count as answered). */
  complete: boolean;
  failures: { modelKey: string; message: string }[];
  files: Record<string, string>;
}

async function recorded(path: string): Promise<ComplianceRecord[]> {
  try {
    return (await readJsonl(path, ComplianceRecordSchema)).records;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

async function ready(
  model: ModelConfig,
  backend: Backend,
  plan: CompliancePlan,
  allowLoad: boolean,
): Promise<ModelFacts> {
  if (backend.kind !== "lmstudio") return backend.describe();
  const lm = backend as LmStudioBackend;
  if (model.backend === "lmstudio" && model.load?.auto && allowLoad) {
    const { load } = model;
    await lm.load({
      context_length: load.context_length,
      eval_batch_size: load.eval_batch_size,
      flash_attention: load.flash_attention,
      offload_kv_cache_to_gpu: load.offload_kv_cache_to_gpu,
    });
  }
  return plan.experiment.lmstudio.check_loaded ? lm.ensureModel() : lm.describe();
}

/**
 * Run (or continue) the probes of a plan: per model, its backend, then every probe without an
 * answer in this run (never recorded, or its latest attempt failed: a retry is the next
 * `attempt`), one JSONL record per probe appended and flushed at once. A failed request is a
 * record with `error` and keeps the run incomplete; after `maxConsecutiveErrors` of them the
 * model stops.
 */
export async function runProbes(
  plan: CompliancePlan,
  options: RunProbesOptions,
): Promise<ProbeRunOutcome> {
  const emit = options.onEvent ?? (() => {});
  const date = options.date ?? (() => new Date());
  const files = { ...options.files };
  const failures: ProbeRunOutcome["failures"] = [];
  const detectors = new Map(plan.probes.map((p) => [p.id, createDetector(p.detector)]));
  let complete = true;
  await Deno.mkdir(plan.resultsDir, { recursive: true });
  for (const modelKey of plan.modelKeys) {
    if (options.signal?.aborted) {
      complete = false;
      break;
    }
    const model = plan.models[modelKey];
    emit({ type: "model_start", modelKey, model });
    let backend: Backend;
    let facts: ModelFacts;
    try {
      ({ backend } = await options.createBackend(modelKey, model));
    } catch (error) {
      complete = false;
      failures.push({ modelKey, message: (error as Error).message });
      emit({ type: "model_failed", modelKey, error: error as Error });
      continue;
    }
    try {
      try {
        facts = await ready(model, backend, plan, options.allowLoad ?? true);
      } catch (error) {
        complete = false;
        failures.push({ modelKey, message: (error as Error).message });
        emit({ type: "model_failed", modelKey, error: error as Error });
        continue;
      }
      emit({ type: "model_ready", modelKey, facts });
      if (!files[modelKey]) {
        files[modelKey] = complianceFileName({
          modelId: model.model_id,
          format: model.format,
          quantization: model.quantization,
          date: date(),
        });
        await options.onFileAssigned?.(modelKey, files[modelKey]);
      }
      const path = join(plan.resultsDir, files[modelKey]);
      const stop = await runModel({
        plan,
        modelKey,
        model,
        backend,
        facts,
        path,
        detectors,
        options,
        emit,
        date,
      });
      if (stop) {
        complete = false;
        failures.push({ modelKey, message: stop });
        emit({ type: "model_aborted", modelKey, reason: stop });
      }
    } finally {
      await backend.close();
    }
  }
  return { complete, failures, files };
}

interface ModelRun {
  plan: CompliancePlan;
  modelKey: string;
  model: ModelConfig;
  backend: Backend;
  facts: ModelFacts;
  path: string;
  detectors: Map<string, ReturnType<typeof createDetector>>;
  options: RunProbesOptions;
  emit: (e: ComplianceEvent) => void;
  date: () => Date;
}

/** Why the model is not done (stopped early, or probes failed), or null when every probe has an answer. */
async function runModel(a: ModelRun): Promise<string | null> {
  const { plan, modelKey, model } = a;
  // A probe is done when its latest attempt got an answer; a failed one is retried (resume).
  const previous = latestAttemptsBy(
    (await recorded(a.path)).filter((r) => r.run_id === plan.runId && r.model_key === modelKey),
    (r) => r.probe_id,
  );
  const done = new Set(previous.filter((r) => r.error === null).map((r) => r.probe_id));
  const attempts = nextAttempts(previous, (r) => r.probe_id);
  const todo = plan.probes.filter((p) => !done.has(p.id));
  const planned = plan.probes.length;
  a.emit({
    type: "model_probes",
    modelKey,
    path: a.path,
    planned,
    alreadyDone: planned - todo.length,
  });
  const writer = await JsonlWriter.open(a.path);
  const latest = new Map(previous.map((r) => [r.probe_id, r]));
  let count = planned - todo.length;
  let consecutive = 0;
  try {
    for (const probe of todo) {
      if (a.options.signal?.aborted) return "interrupted";
      const request = probeRequest(probe, {
        defaultMaxTokens: plan.defaultMaxTokens,
        maxTokensCap: plan.maxTokensCap ?? undefined,
        temperature: plan.experiment.temperature,
        seed: plan.experiment.seed,
      });
      const base = {
        schema_version: 1 as const,
        kind: "compliance" as const,
        record_id: `${plan.runId}/${modelKey}/${probe.id}`,
        run_id: plan.runId,
        config_hash: plan.configHash,
        model_key: modelKey,
        model_id: model.model_id,
        backend: model.backend,
        format: model.format,
        quantization: model.quantization,
        served_format: a.facts.format,
        served_quantization: a.facts.quantization,
        probe_set: probe.set,
        probe_id: probe.id,
        attempt: attempts.get(probe.id) ?? 0,
        probe_sha256: probe.sha256,
        risk: probe.risk,
        owasp: probe.owasp,
        detector: probe.detector.kind,
        max_tokens: request.maxTokens,
        temperature: request.temperature,
        seed: request.seed,
        host: a.options.host,
        git_commit: a.options.gitCommit,
      };
      let record: ComplianceRecord;
      try {
        const result = await a.backend.chat(request, { signal: a.options.signal });
        const verdict = a.detectors.get(probe.id)!({
          text: result.text,
          finishReason: result.finishReason,
          outputTokens: result.outputTokens,
          maxTokens: request.maxTokens,
        });
        consecutive = 0;
        record = {
          ...base,
          raw_output: result.text,
          finish_reason: result.finishReason,
          prompt_tokens: result.promptTokens,
          output_tokens: result.outputTokens,
          token_count_source: result.tokenCountSource,
          latency_ms: Math.max(0, result.timing.endAt - result.timing.sentAt),
          verdict: verdict.failed ? "fail" : "pass",
          failed: verdict.failed,
          reason: verdict.reason,
          matches: verdict.matches,
          error: null,
          timestamp: a.date().toISOString(),
        };
      } catch (error) {
        if (a.options.signal?.aborted) return "interrupted";
        consecutive++;
        record = {
          ...base,
          raw_output: "",
          finish_reason: null,
          prompt_tokens: null,
          output_tokens: null,
          token_count_source: null,
          latency_ms: null,
          verdict: null,
          failed: null,
          reason: null,
          matches: [],
          error: (error as Error).message,
          timestamp: a.date().toISOString(),
        };
      }
      await writer.append(ComplianceRecordSchema.parse(record));
      latest.set(probe.id, record);
      a.emit({ type: "probe_done", modelKey, record, done: ++count, planned });
      if (consecutive >= (a.options.maxConsecutiveErrors ?? 3)) {
        return `${consecutive} consecutive failed requests (last: ${record.error})`;
      }
    }
  } finally {
    writer.close();
  }
  const records = [...latest.values()];
  a.emit({ type: "model_done", modelKey, path: a.path, records });
  // Failed probes keep the run incomplete: `--resume` retries them.
  const failed = records.filter((r) => r.error !== null).length;
  return failed > 0
    ? `${failed} failed request(s) of ${planned} probes: 'deno task compliance --resume' retries them`
    : null;
}
