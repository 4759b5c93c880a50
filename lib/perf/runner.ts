import { createHash } from "node:crypto";
import type { PerfSummary } from "./summary.ts";
import { join } from "node:path";
import type { Experiment, ModelConfig, ResolvedScenario } from "../config/mod.ts";
import {
  type Backend,
  BackendError,
  type ChatRequest,
  type ChatResult,
  type CreatedBackend,
  type EmbeddedBackend,
  type LmStudioBackend,
  type ModelFacts,
} from "../backends/mod.ts";
import {
  listProcesses,
  LM_STUDIO_PROCESS_PATTERN,
  matchedRoots,
  type MemoryPeak,
  type MemorySampler,
  type MemoryTarget,
  startMemorySampler,
} from "../memory/mod.ts";
import {
  fastParse,
  JsonlWriter,
  latestAttempts,
  perfFileName,
  type PerfRecord,
  PerfRecordSchema,
  readJsonl,
} from "../results/mod.ts";
import {
  type PowerMonitor,
  type PowerMonitorOptions,
  startPowerMonitor,
  type WindowPower,
} from "../env/mod.ts";
import { checkJsonOutput } from "./_json_check.ts";
import { requestMetrics } from "./_timing.ts";
import { type ChunkFields, chunkFields, ChunkRecorder } from "./_chunks.ts";
import { adaptiveDecision, type AdaptiveRule, type AdaptiveWidths } from "./_adaptive.ts";
import { buildSweepPrompt, type SweepPrompt } from "./_sweep_prompt.ts";
import { sweepContextSize } from "./sweep.ts";

/** One (model, scenario) pair of a run, optionally within an optimization round. */
export interface PerfUnit {
  modelKey: string;
  scenario: string;
  /** Optimization round id (rounds runs only). */
  round?: string;
  /**
   * Requests in flight at once (continuous batching rounds; a perf concurrency sweep's level).
   * @default 1
   */
  concurrency?: number;
}

/**
 * Unit key used in manifests: `<model_key>/<scenario>`, prefixed by `<round>/` in rounds runs;
 * a perf concurrency-sweep level is suffixed `@c<N>`.
 */
export function unitKey(unit: PerfUnit): string {
  const level = !unit.round && unit.concurrency !== undefined ? `@c${unit.concurrency}` : "";
  return `${unit.round ? `${unit.round}/` : ""}${unit.modelKey}/${unit.scenario}${level}`;
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
    /**
     * The unit's summary, computed once by `executePerf` (which also writes it into the run's
     * result): absent in events straight from the runner.
     */
    summary?: PerfSummary;
  }
  | { type: "unit_aborted"; unit: PerfUnit; reason: string }
  /** Adaptive repetitions: the unit's intervals are narrow enough after `runs` measured requests. */
  | { type: "adaptive_stop"; unit: PerfUnit; runs: number; half_width: AdaptiveWidths }
  /** Something the unit's numbers depend on (a sweep prompt's length, too few server slots, ...). */
  | { type: "unit_note"; unit: PerfUnit; note: string }
  /** What heat and energy are read from during the unit, or why they are not. */
  | { type: "power_status"; unit: PerfUnit; energy: string; thermal: string }
  /** The scenario was not run (its prompt cannot fit the context); the next one runs. */
  | { type: "unit_refused"; unit: PerfUnit; reason: string }
  /** Where the model's memory is read from, or why it is not. */
  | {
    type: "memory_target";
    modelKey: string;
    pids: number[];
    pattern: string | null;
    note: string | null;
  };

/** Options for {@linkcode runPerf}. */
export interface RunPerfOptions {
  /**
   * Builds the backend of a model (for a round, with its settings applied). `engine` asks an
   * embedded engine for context sequences (a concurrency sweep); a sweep's embedded model comes
   * with the context its largest point needs.
   */
  createBackend: (
    modelKey: string,
    model: ModelConfig,
    round?: string,
    engine?: { sequences?: number },
  ) => Promise<CreatedBackend>;
  /** Result files already assigned to units (resume), relative to resultsDir. @default {} */
  files?: Record<string, string>;
  /** Called when a unit's file is chosen, so the manifest can record it before any write. */
  onFileAssigned?: (unit: PerfUnit, file: string) => Promise<void> | void;
  onEvent?: (event: PerfEvent) => void;
  /** Stop after this many consecutive failed requests (a dead server). @default 3 */
  maxConsecutiveErrors?: number;
  /** Memory sampler factory. @default startMemorySampler */
  startSampler?: typeof startMemorySampler;
  /**
   * The server process to measure, per model key (the CLI's `--server-pid`): overrides the
   * model's `memory:` configuration. @default {}
   */
  serverPids?: Record<string, number>;
  /** Process listing used to resolve a `memory.process_pattern`. @default listProcesses */
  listProcesses?: typeof listProcesses;
  /** Identify the machine and code in records. */
  host: string;
  gitCommit: string | null;
  /** Load LM Studio models marked load.auto. @default true */
  allowLoad?: boolean;
  /** Clock for timestamps. @default () => new Date() */
  date?: () => Date;
  signal?: AbortSignal;
  /**
   * Heat and energy per request window (lib/env). `false`: none is read. @default
   * startPowerMonitor
   */
  startPowerMonitor?: ((options?: PowerMonitorOptions) => Promise<PowerMonitor>) | false;
}

/** What {@linkcode runPerf} did. */
export interface PerfRunOutcome {
  /** Every unit finished its planned requests. */
  complete: boolean;
  failures: { modelKey: string; message: string; round?: string }[];
  files: Record<string, string>;
  /** Scenario-level memory peaks of units run now. */
  scenarioPeaks: Record<string, MemoryPeak>;
  /**
   * Per model (prefixed by `<round>/` in rounds): what the backend or server said about the model
   * (format, quantization, context, server build and slots) and where its memory was read from.
   */
  modelFacts: Record<string, Record<string, unknown>>;
}

/** Where a model's memory is read from; `target` null means it is not measured, `note` says why. */
export interface MemoryTargetChoice {
  target: MemoryTarget | null;
  note: string | null;
  /** What the choice was made from (`engine`, `--server-pid`, `pids`, `process_pattern`, `none`). */
  from: string;
}

/** The memory target of a model cannot be chosen without guessing; the message says what to do. */
export class MemoryTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MemoryTargetError";
  }
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch (error) {
    return !(error instanceof Deno.errors.NotFound);
  }
}

/** This process and its ancestors (a harness's command line may match a server pattern). */
function selfAndAncestors(rows: { pid: number; ppid: number | null }[]): number[] {
  const byPid = new Map(rows.map((r) => [r.pid, r.ppid]));
  const out = [Deno.pid];
  let p = byPid.get(Deno.pid) ?? null;
  while (p !== null && p > 0 && !out.includes(p)) {
    out.push(p);
    p = byPid.get(p) ?? null;
  }
  return out;
}

/**
 * Choose the processes whose memory is the model's: the engine's own process; else `--server-pid`;
 * else the configured pids while they run; else the one process tree `process_pattern` matches
 * (a pattern matching several unrelated trees is refused, naming them; LM Studio's own default
 * pattern sums all of LM Studio's processes). Without any, memory is not measured and the note
 * says why.
 * @throws {MemoryTargetError}
 */
export async function chooseMemoryTarget(
  modelKey: string,
  backend: Backend,
  options: { serverPid?: number; listProcesses?: typeof listProcesses } = {},
): Promise<MemoryTargetChoice> {
  const serving = backend.servingProcesses();
  if (backend.kind === "embedded") {
    return { target: { pids: serving.pids ?? [Deno.pid] }, note: null, from: "engine" };
  }
  if (options.serverPid !== undefined) {
    if (!alive(options.serverPid)) {
      throw new MemoryTargetError(
        `${modelKey}: --server-pid ${options.serverPid} is not a running process`,
      );
    }
    return { target: { pids: [options.serverPid] }, note: null, from: "--server-pid" };
  }
  const pids = serving.pids ?? [];
  const running = pids.filter(alive);
  if (running.length > 0) return { target: { pids: running }, note: null, from: "pids" };
  const pattern = serving.namePattern;
  if (!pattern) {
    return {
      target: null,
      note: pids.length
        ? `the configured server pid(s) ${pids.join(", ")} are not running (server restarted?): ` +
          `give --server-pid or memory.process_pattern`
        : "no memory target: set memory.process_pattern or memory.pids for this model, or give --server-pid",
      from: "none",
    };
  }
  if (backend.kind === "lmstudio" && pattern.source === LM_STUDIO_PROCESS_PATTERN.source) {
    return { target: { namePattern: pattern }, note: null, from: "process_pattern" };
  }
  const rows = await (options.listProcesses ?? listProcesses)();
  const roots = matchedRoots(rows, pattern, selfAndAncestors(rows));
  if (roots.length === 0) {
    return {
      target: null,
      note: `no running process matches memory.process_pattern /${pattern.source}/`,
      from: "none",
    };
  }
  if (roots.length > 1) {
    throw new MemoryTargetError(
      `${modelKey}: memory.process_pattern /${pattern.source}/ matches ${roots.length} unrelated ` +
        `process trees (${
          roots.map((r) => `pid ${r.pid}: ${r.command.slice(0, 80)}`).join("; ")
        }): make the pattern match one server, or give --server-pid`,
    );
  }
  return { target: { pids: [roots[0].pid] }, note: null, from: "process_pattern" };
}

/** A sampler that measures nothing (no memory target): every peak is null. */
function noSampler(): MemorySampler {
  const empty = (): MemoryPeak => ({
    peak_rss_bytes: null,
    peak_footprint_bytes: null,
    peak_system_used_bytes: null,
    samples: 0,
    errors: 0,
    skipped_ticks: 0,
    pids: [],
  });
  return {
    openWindow: () => ({ close: () => Promise.resolve(empty()) }),
    stop: () => Promise.resolve(empty()),
  };
}

/**
 * The id that opens a cold-cache request's system prompt: 8 decimal digits from the run, unit and
 * slot (stable across resumes, different for every request; same length, so prompt sizes stay
 * equal). Digits first, so the prompt differs from its first content token on.
 */
export function perfRequestId(runId: string, unit: string, slot: string): string {
  const digest = createHash("sha256").update(`${runId}\u0000${unit}\u0000${slot}`).digest();
  return String(digest.readUInt32BE(0) % 100_000_000).padStart(8, "0");
}

/** The request of a scenario; a cold-cache request opens its system prompt with `requestId`. */
export function requestFor(
  s: ResolvedScenario,
  experiment: Experiment,
  requestId: string | null = null,
): ChatRequest {
  const system = requestId
    ? (s.system_prompt ? `${requestId}\n${s.system_prompt}` : requestId)
    : s.system_prompt;
  return {
    messages: [
      ...(system ? [{ role: "system" as const, content: system }] : []),
      { role: "user" as const, content: s.prompt },
    ],
    maxTokens: s.max_tokens,
    temperature: experiment.temperature,
    seed: experiment.seed,
    jsonSchema: s.constrained ? s.json_schema : null,
    cache: s.cache,
  };
}

/**
 * A failure the server (or engine) made for this request itself, which a retry will repeat: an
 * HTTP 4xx answer (but 408/429), an empty or malformed answer to a request it accepted, or a
 * prompt that does not fit. Anything else (refused connection, broken stream, timeout) is the
 * server's state.
 */
export function isRequestFailure(error: unknown): boolean {
  if (!(error instanceof BackendError)) return false;
  const s = error.status;
  if (s !== null) return s === 200 || (s >= 400 && s < 500 && s !== 408 && s !== 429);
  return /exceeds the context size|does not fit/i.test(error.message);
}

/** More than max(32, 10 %) of the prompt came from the server's cache (see PerfRecord). */
export function isPromptCacheHit(
  cached: number | null,
  promptTokens: number | null,
): boolean | null {
  if (cached === null) return null;
  return cached > Math.max(32, 0.1 * (promptTokens ?? 0));
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
  const modelFacts: Record<string, Record<string, unknown>> = {};
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
    const groupUnits = plan.units.filter((u) => u.modelKey === modelKey && u.round === round);
    const model = engineModel(
      plan.models[modelKey],
      groupUnits.map((u) => plan.scenarios[u.scenario]),
    );
    const sequences = Math.max(1, ...groupUnits.map((u) => u.concurrency ?? 1));
    emit({ type: "model_start", modelKey, model, round });
    let backend: Backend | undefined;
    let facts: ModelFacts;
    let memory: MemoryTargetChoice;
    let loadTimeMs: number | null = null;
    try {
      ({ backend } = await options.createBackend(
        modelKey,
        model,
        round,
        sequences > 1 && !round ? { sequences } : undefined,
      ));
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
      memory = await chooseMemoryTarget(modelKey, backend, {
        serverPid: options.serverPids?.[modelKey],
        listProcesses: options.listProcesses,
      });
    } catch (error) {
      complete = false;
      const e = error instanceof Error ? error : new Error(String(error));
      failures.push({ modelKey, message: e.message, round });
      emit({ type: "model_failed", modelKey, error: e, round });
      await backend?.close().catch(() => {});
      continue;
    }
    emit({ type: "model_ready", modelKey, facts, loadTimeMs, round });
    emit({
      type: "memory_target",
      modelKey,
      pids: memory.target?.pids ?? [],
      pattern: memory.target?.namePattern?.source ?? null,
      note: memory.note,
    });
    modelFacts[`${round ? `${round}/` : ""}${modelKey}`] = {
      id: facts.id,
      format: facts.format,
      quantization: facts.quantization,
      max_context_length: facts.maxContextLength,
      server: facts.server ?? null,
      details: facts.details,
      memory: {
        from: memory.from,
        pids: memory.target?.pids ?? [],
        pattern: memory.target?.namePattern?.source ?? null,
        note: memory.note,
      },
    };
    const settings = backend.effectiveSettings?.() ?? null;
    let modelAborted = false;
    try {
      for (const unit of groupUnits) {
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
          facts,
          memory,
        });
        if (outcome.peak) scenarioPeaks[key] = outcome.peak;
        if (!outcome.finished) {
          complete = false;
          failures.push({
            modelKey,
            message: `${unit.scenario}: ${outcome.reason ?? "aborted"}`,
            round,
          });
          // A scenario that fails the same way every time is recorded and the next one runs; a
          // dead server (or an interrupt) stops the model.
          if (outcome.stopModel) {
            modelAborted = true;
            break;
          }
        }
      }
    } finally {
      if (model.backend === "lmstudio" && model.load?.unload_after && !modelAborted) {
        await (backend as LmStudioBackend).unload().catch(() => {});
      }
      await backend.close();
    }
  }
  return { complete, failures, files, scenarioPeaks, modelFacts };
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
  facts: ModelFacts;
  memory: MemoryTargetChoice;
}

/**
 * The model a backend is built from: an embedded model running sweep points gets the context
 * its largest point needs (never less than its own).
 */
function engineModel(model: ModelConfig, scenarios: readonly ResolvedScenario[]): ModelConfig {
  if (model.backend !== "embedded") return model;
  const need = sweepContextSize(scenarios.filter(Boolean));
  return need !== null && need > model.context_size ? { ...model, context_size: need } : model;
}

/** The adaptive rule of a plan, or null (every unit makes exactly `runs` measured requests). */
function adaptiveRule(experiment: Experiment): AdaptiveRule | null {
  const a = experiment.adaptive;
  return a ? { target_ci: a.target_ci, min_runs: a.min_runs, max_runs: experiment.runs } : null;
}

/** Builds a sweep point's request per request id, counting each with the model's tokenizer. */
interface SweepRequests {
  target: number;
  /** The request for this id (counted again with the id; rebuilt when the id changes the count). */
  request(requestId: string | null): Promise<{ request: ChatRequest; prompt: SweepPrompt }>;
}

async function sweepRequests(
  backend: Backend,
  scenario: ResolvedScenario,
  experiment: Experiment,
): Promise<SweepRequests> {
  const target = scenario.sweep!.prompt_tokens;
  const count = (messages: ChatRequest["messages"]) =>
    backend.countPromptTokens ? backend.countPromptTokens(messages) : Promise.resolve(null);
  const base = await buildSweepPrompt(target, count, { requestId: "00000000" });
  const toRequest = (prompt: SweepPrompt): ChatRequest => ({
    messages: prompt.messages,
    maxTokens: scenario.max_tokens,
    temperature: experiment.temperature,
    seed: experiment.seed,
    jsonSchema: null,
    cache: "cold",
  });
  return {
    target,
    async request(requestId) {
      if (base.method === "approximation" || requestId === null) {
        const prompt = requestId === null
          ? await buildSweepPrompt(target, count, { requestId: null })
          : { ...base, messages: withId(base, requestId) };
        return { request: toRequest(prompt), prompt };
      }
      const messages = withId(base, requestId);
      const counted = await count(messages);
      if (counted && counted.tokens === base.tokens) {
        const prompt = { ...base, messages };
        return { request: toRequest(prompt), prompt };
      }
      // This id tokenizes differently from the placeholder: build the prompt around it.
      const prompt = await buildSweepPrompt(target, count, { requestId });
      return { request: toRequest(prompt), prompt };
    },
  };
}

function withId(prompt: SweepPrompt, requestId: string): ChatRequest["messages"] {
  return prompt.messages.map((m, i) =>
    i === 0 && m.role === "system" ? { ...m, content: m.content.replace(/^\d{8}/, requestId) } : m
  );
}

/** A monitor that reads nothing (power monitoring off). */
function noPowerMonitor(): PowerMonitor {
  const note = "not measured: power monitoring was off for this run";
  return {
    status: { energy: note, thermal: note },
    openWindow: () => ({
      close: () =>
        Promise.resolve({ energy: null, energy_note: note, thermal: null, throttled: null }),
    }),
    stop: () => Promise.resolve(),
  };
}

async function runUnit(
  a: UnitArgs,
): Promise<{ finished: boolean; stopModel?: boolean; reason?: string; peak?: MemoryPeak }> {
  const { plan, unit, scenario, backend, emit } = a;
  const { warmup, runs } = plan.experiment;
  const width = Math.max(1, unit.concurrency ?? 1);
  const mine = (r: PerfRecord) =>
    r.run_id === plan.runId && r.model_key === unit.modelKey && r.scenario === unit.scenario &&
    r.round_id === (unit.round ?? null) && (r.concurrency ?? 1) === width;
  const previous = (await existingRecords(a.path)).filter(mine);
  // A slot is done when its latest attempt succeeded; a failed one is retried (resume).
  const latest = latestAttempts(previous);
  const done = new Set(
    latest.filter((r) => r.error === null).map((r) => slotKey(r.warmup, r.repetition)),
  );
  const attempted = new Set(latest.map((r) => slotKey(r.warmup, r.repetition)));
  const attempts = new Map(latest.map((r) => [slotKey(r.warmup, r.repetition), r.attempt + 1]));
  const slots: { warmup: boolean; repetition: number }[] = [];
  for (let i = 0; i < warmup; i++) slots.push({ warmup: true, repetition: i });
  for (let i = 0; i < runs; i++) slots.push({ warmup: false, repetition: i });
  // Adaptive repetitions: the successful measured values so far, in repetition order.
  const rule = adaptiveRule(plan.experiment);
  const ok = latest.filter((r) => !r.warmup && r.error === null)
    .sort((x, y) => x.repetition - y.repetition);
  const ttftSoFar = ok.map((r) => r.ttft_ms).filter((x): x is number => x !== null);
  const tpsSoFar = ok.map((r) => r.output_tokens_per_s).filter((x): x is number => x !== null);
  const decide = () =>
    rule ? adaptiveDecision(rule, ttftSoFar, tpsSoFar, { seed: plan.experiment.seed }) : null;
  let decision = decide();
  let measuredMade = latest.filter((r) => !r.warmup).length;
  // Never-attempted measured slots are left out once the rule holds (resume respects it); failed
  // ones are retried.
  const todo = slots.filter((s) => {
    const key = slotKey(s.warmup, s.repetition);
    if (done.has(key)) return false;
    return !(decision?.stop && !s.warmup && !attempted.has(key));
  });
  const planned = slots.length;
  if (todo.length === 0) {
    emit({ type: "unit_start", unit, path: a.path, planned, alreadyDone: planned });
    if (decision?.stop) {
      emit({
        type: "adaptive_stop",
        unit,
        runs: latest.filter((r) => !r.warmup).length,
        half_width: decision.half_width,
      });
    }
    return { finished: true };
  }
  // A prompt that cannot fit is refused before the first request (and nothing is written).
  const context = a.facts.maxContextLength;
  if (context && scenario.sweep) {
    if (scenario.sweep.prompt_tokens + scenario.max_tokens > context) {
      const reason =
        `sweep prompt of ${scenario.sweep.prompt_tokens} tokens plus max_tokens ${scenario.max_tokens} does not fit the ${context}-token context of ${unit.modelKey}: point '${unit.scenario}' not run (raise the model's context or the server's)`;
      emit({ type: "unit_refused", unit, reason });
      return { finished: false, stopModel: false, reason };
    }
  } else if (context && backend.countPromptTokens) {
    const counted = await backend.countPromptTokens(
      requestFor(scenario, plan.experiment, "00000000").messages,
    ).catch(() => null);
    if (counted && counted.tokens + scenario.max_tokens > context) {
      const reason =
        `prompt of ${counted.tokens} tokens (${counted.method} count) plus max_tokens ` +
        `${scenario.max_tokens} does not fit the ${context}-token context of ${unit.modelKey}: ` +
        `scenario '${unit.scenario}' not run (raise the context or shorten the scenario)`;
      emit({ type: "unit_refused", unit, reason });
      return { finished: false, stopModel: false, reason };
    }
  }
  // A sweep point's prompt is built with the model's own tokenizer, to its exact length.
  let sweep: SweepRequests | null = null;
  if (scenario.sweep) {
    try {
      sweep = await sweepRequests(backend, scenario, plan.experiment);
    } catch (error) {
      const reason = `${unit.scenario}: ${(error as Error).message}`;
      emit({ type: "unit_refused", unit, reason });
      return { finished: false, stopModel: false, reason };
    }
  }
  const servedSlots = a.facts.server?.slots ?? null;
  if (width > 1 && servedSlots !== null && servedSlots < width) {
    emit({
      type: "unit_note",
      unit,
      note:
        `the server has ${servedSlots} slot(s) for ${width} concurrent requests: the others queue (start llama-server with -np ${width})`,
    });
  }
  emit({ type: "unit_start", unit, path: a.path, planned, alreadyDone: planned - todo.length });
  const cold = scenario.cache !== "warm";
  const key = unitKey(unit);
  const idOf = (slot: string) => cold ? perfRequestId(plan.runId, key, slot) : null;
  const makeRequest = async (requestId: string | null) =>
    sweep
      ? await sweep.request(requestId)
      : { request: requestFor(scenario, plan.experiment, requestId), prompt: null };
  const sampler: MemorySampler = a.memory.target
    ? a.startSampler(
      { ...a.memory.target, includeChildren: true },
      { intervalMs: plan.experiment.memory.interval_ms },
    )
    : noSampler();
  const power = a.options.startPowerMonitor === false
    ? noPowerMonitor()
    : await (a.options.startPowerMonitor ?? startPowerMonitor)();
  emit({ type: "power_status", unit, energy: power.status.energy, thermal: power.status.thermal });
  // A chunk's text counted as a continuation (no leading space added): the engine's tokenizer.
  const llamaModel = backend.kind === "embedded" ? (backend as EmbeddedBackend).model : null;
  const countTokens = llamaModel && typeof llamaModel.tokenize === "function"
    ? (text: string) => llamaModel.tokenize(text, false, "trimLeadingSpace").length
    : undefined;
  const writer = await JsonlWriter.open(a.path);
  const t0 = performance.now();
  let consecutiveErrors = 0;
  let consecutiveRequestFailures = 0;
  let finishedAll = true;
  let stopModel = false;
  let reason: string | undefined;
  try {
    // Resuming after the warm-ups were recorded: warm the engine again, without recording.
    if (warmup > 0 && previous.length > 0 && !todo.some((s) => s.warmup)) {
      emit({ type: "rewarm", unit, requests: warmup });
      for (let i = 0; i < warmup; i++) {
        const id = idOf(`rewarm${i}:${Date.now()}`);
        const { request } = await makeRequest(id);
        await backend.chat(request, { signal: a.options.signal }).catch(() => {});
      }
    }
    let count = planned - todo.length;
    const one = async (slot: { warmup: boolean; repetition: number }, batch: BatchWindow) => {
      const requestId = idOf(slotKey(slot.warmup, slot.repetition));
      const { request, prompt } = await makeRequest(requestId);
      const chunks = new ChunkRecorder();
      const window = sampler.openWindow();
      const powerWindow = power.openWindow();
      let result: ChatResult | null = null;
      let error: string | null = null;
      let requestFailure = false;
      try {
        // Every backend gets the experiment's request timeout (the embedded engine too).
        const timeout = AbortSignal.timeout(plan.experiment.request_timeout_ms);
        const signal = a.options.signal ? AbortSignal.any([a.options.signal, timeout]) : timeout;
        result = await backend.chat(request, { signal, onContent: chunks.onContent });
        if (result.timing.firstContentAt === null) {
          error = "no content received";
          requestFailure = true;
        }
      } catch (e) {
        // Stopped by Ctrl-C: nothing is recorded, so the request runs again on --resume.
        if (a.options.signal?.aborted) {
          await window.close();
          return { error: null, requestFailure: false, interrupted: true };
        }
        error = e instanceof Error ? e.message : String(e);
        requestFailure = isRequestFailure(e);
      }
      const [peak, heat] = await Promise.all([window.close(), powerWindow.close()]);
      const record = buildRecord({
        a,
        slot,
        attempt: attempts.get(slotKey(slot.warmup, slot.repetition)) ?? 0,
        result,
        error,
        peak,
        requestId,
        batch,
        concurrency: width,
        chunks: result && error === null
          ? chunkFields(chunks, result.timing.sentAt, {
            countTokens,
            outputTokens: result.outputTokens,
          })
          : chunkFields(new ChunkRecorder(), 0),
        sweep: prompt && scenario.sweep
          ? {
            prompt_tokens_target: scenario.sweep.prompt_tokens,
            output_tokens_target: scenario.sweep.output_tokens,
            prompt_token_method: prompt.method,
            prompt_exact: prompt.exact,
            context_size: backend.kind === "embedded" ? a.facts.maxContextLength : null,
          }
          : null,
        heat,
      });
      await writer.append(record);
      count++;
      emit({ type: "request_done", unit, record, done: count, planned });
      if (!slot.warmup && !attempted.has(slotKey(slot.warmup, slot.repetition))) measuredMade++;
      if (!slot.warmup && error === null) {
        if (record.ttft_ms !== null) ttftSoFar.push(record.ttft_ms);
        if (record.output_tokens_per_s !== null) tpsSoFar.push(record.output_tokens_per_s);
      }
      return { error, requestFailure, interrupted: false };
    };
    // Warm-ups first, then measured requests, `width` in flight at once (1: strictly sequential).
    for (let i = 0; i < todo.length; i += width) {
      if (a.options.signal?.aborted) {
        finishedAll = false;
        reason = "interrupted";
        break;
      }
      let group = todo.slice(i, i + width).filter((s, _, g) => s.warmup === g[0].warmup);
      // Adaptive: once the rule holds, no new measured slot is started (failed ones still retry).
      if (rule && !group[0].warmup) {
        decision = decide();
        if (decision?.stop) {
          group = group.filter((s) => attempted.has(slotKey(s.warmup, s.repetition)));
          if (group.length === 0) {
            const rest = todo.slice(i).filter((s) =>
              attempted.has(slotKey(s.warmup, s.repetition))
            );
            if (rest.length === 0) {
              emit({
                type: "adaptive_stop",
                unit,
                runs: measuredMade,
                half_width: decision.half_width,
              });
              break;
            }
            continue;
          }
        }
      }
      i -= width - group.length;
      // The window: these requests sent together; its id is the epoch time it opened (µs).
      const batch = {
        id: Math.round((performance.timeOrigin + performance.now()) * 1000),
        size: group.length,
      };
      const outcomes = await Promise.all(group.map((slot) => one(slot, batch)));
      if (outcomes.some((o) => o.interrupted)) {
        finishedAll = false;
        reason = "interrupted";
        break;
      }
      for (const o of outcomes) {
        consecutiveErrors = o.error ? consecutiveErrors + 1 : 0;
        consecutiveRequestFailures = o.error && o.requestFailure
          ? consecutiveRequestFailures + 1
          : 0;
      }
      if (a.maxErrors > 0 && consecutiveErrors >= a.maxErrors) {
        finishedAll = false;
        const last = outcomes.at(-1)?.error;
        if (consecutiveRequestFailures >= a.maxErrors) {
          // The server answered, and refused this scenario's request each time the same way.
          reason =
            `${consecutiveErrors} consecutive requests refused by the server (last: ${last}); ` +
            `stopped this scenario, the next one runs`;
        } else {
          stopModel = true;
          reason = `${consecutiveErrors} consecutive failed requests (last: ${last}); ` +
            `stopped this model: fix the server and continue with --resume`;
        }
        emit({ type: "unit_aborted", unit, reason });
        break;
      }
    }
    if (rule && finishedAll && !decision?.stop) {
      decision = decide();
      if (decision?.stop) {
        emit({ type: "adaptive_stop", unit, runs: measuredMade, half_width: decision.half_width });
      }
    }
  } finally {
    writer.close();
    await power.stop();
  }
  const scenarioPeak = await sampler.stop();
  const records = latestAttempts((await existingRecords(a.path)).filter(mine));
  // Failed requests keep the scenario incomplete: `--resume` retries them.
  const failed = records.filter((r) => r.error !== null).length;
  if (finishedAll && failed > 0) {
    emit({
      type: "unit_done",
      unit,
      path: a.path,
      scenarioPeak,
      wallMs: performance.now() - t0,
      records,
    });
    return {
      finished: false,
      stopModel: false,
      reason: `${failed} failed request(s) of ${planned}: 'deno task perf --resume' retries them`,
      peak: scenarioPeak,
    };
  }
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
  if (!finishedAll && reason === "interrupted") stopModel = true;
  return { finished: finishedAll, stopModel, reason, peak: scenarioPeak };
}

/** A group of requests sent together (see `batch_window` in the perf record). */
interface BatchWindow {
  id: number;
  size: number;
}

function buildRecord(p: {
  a: UnitArgs;
  slot: { warmup: boolean; repetition: number };
  attempt: number;
  result: ChatResult | null;
  error: string | null;
  peak: MemoryPeak;
  requestId: string | null;
  batch: BatchWindow;
  concurrency: number;
  chunks: ChunkFields;
  sweep: PerfRecord["sweep"];
  heat: WindowPower;
}): PerfRecord {
  const { a, slot, result, error, peak, batch } = p;
  const outputTokens = result?.outputTokens ?? null;
  const energy = p.heat.energy
    ? {
      ...p.heat.energy,
      joules_per_token: outputTokens ? p.heat.energy.joules / outputTokens : null,
    }
    : null;
  // Prefill speed counts the tokens the server actually evaluated, where it says.
  const processed = result?.processedPromptTokens ?? null;
  const prefillTokens = processed ?? result?.promptTokens ?? null;
  const m = result ? requestMetrics(result.timing, prefillTokens, result.outputTokens) : null;
  const cached = result?.cachedPromptTokens ?? null;
  const scenario = a.scenario;
  const valid = result && scenario.validate === "json_schema" && scenario.json_schema
    ? checkJsonOutput(result.text, scenario.json_schema).valid
    : null;
  // The compiled schema check (zod only when it does not vouch): the record is built here, so it
  // is nearly always valid, and zod's parse of 128 chunk offsets costs more than the request's SSE.
  return fastParse(PerfRecordSchema, {
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
    attempt: p.attempt,
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
    request_id: p.requestId,
    cache_mode: scenario.cache,
    cached_prompt_tokens: cached,
    prompt_tokens_processed: processed,
    prompt_cache_hit: isPromptCacheHit(cached, result?.promptTokens ?? null),
    prefill_token_source: m?.prefill_tokens_per_s == null
      ? null
      : processed !== null
      ? "processed"
      : "prompt",
    memory_note: peak.peak_rss_bytes !== null ? null : a.memory.note ??
      (a.memory.target ? "no process of the memory target was running during the request" : null),
    concurrency: p.concurrency,
    batch_window: {
      ...batch,
      sent_ms: result?.timing.sentAt ?? null,
      end_ms: result?.timing.endAt ?? null,
    },
    draft_acceptance_rate: draftRate(result),
    ...p.chunks,
    sweep: p.sweep,
    energy,
    energy_note: energy ? null : p.heat.energy_note,
    thermal: p.heat.thermal,
    throttled: p.heat.throttled,
    finish_reason: result?.finishReason ?? null,
    output_valid: valid,
    output_text: result?.text ?? "",
    output_truncated: result?.truncated ?? false,
    output_chars: result?.outputChars ?? null,
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
