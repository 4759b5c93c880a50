import { join } from "node:path";
import { nodeLlamaCpp, resolveModelFile } from "../backends/mod.ts";
import {
  loadProjectConfig,
  lookup,
  resolveModelEndpoints,
  resolveOutputPath,
} from "../config/mod.ts";
import { fileStamp } from "../results/mod.ts";
import {
  executeRounds,
  type ExecuteRoundsOptions,
  prepareRounds,
  type RoundsEvent,
  type RoundsRequest,
} from "./session.ts";
import { roundsWork } from "./_work.ts";
import type { MeanEstimate } from "./summary.ts";

/** Size facts of a GGUF file, from its metadata and tensor table. */
export interface GgufSize {
  parameters: number;
  file_size_bytes: number;
  /** file size × 8 ÷ parameters (includes metadata, so slightly above the tensors' own). */
  bits_per_weight: number;
}

/** Parameters (sum of tensor element counts), file size and bits per weight of a GGUF file. */
export async function ggufSize(path: string): Promise<GgufSize> {
  const { readGgufFileInfo } = await nodeLlamaCpp();
  const info = await readGgufFileInfo(path);
  let parameters = 0;
  for (const t of info.fullTensorInfo ?? []) {
    parameters += t.dimensions.reduce((a: number, d) => a * Number(d), 1);
  }
  const file_size_bytes = (await Deno.stat(path)).size;
  return {
    parameters,
    file_size_bytes,
    bits_per_weight: parameters ? (file_size_bytes * 8) / parameters : NaN,
  };
}

/** One model variant of a precision-vs-size sweep. */
export interface SweepRow {
  model_key: string;
  model_id: string;
  format: string;
  quantization: string;
  parameters: number | null;
  bits_per_weight: number | null;
  file_size_bytes: number | null;
  scenario: string;
  ttft_ms: MeanEstimate;
  output_tokens_per_s: MeanEstimate;
  peak_rss_bytes: MeanEstimate;
  quality: { task: string; value: number | null; ci95: [number, number] | null; n: number } | null;
  run_id: string;
  config_hash: string;
}

/** Progress of a sweep: each model variant's rounds events, after the variant is announced. */
export type SweepEvent =
  | RoundsEvent
  | {
    type: "sweep_model";
    modelKey: string;
    /** 0-based position of this variant. */
    index: number;
    /** Variants in the sweep. */
    models: number;
    /** Items of work of this variant's run (see roundsWork). */
    planned: number;
    /** The variant's rounds run (resumable with `deno task rounds --resume RUN_ID`). */
    runId: string;
  };

/** Options for {@linkcode runSweep}. */
export interface SweepOptions extends Omit<ExecuteRoundsOptions, "onEvent" | "worker"> {
  onEvent?: (event: SweepEvent) => void;
}

/** `sweep_<stamp>.json` */
export interface SweepResult {
  kind: "sweep";
  created_at: string;
  rows: SweepRow[];
  path: string;
}

/**
 * Precision vs size (seed 002, "Tiny Giant"): the baseline round (perf scenarios + the quality
 * subset) on each model variant, with parameter count, bits per weight and file size from the
 * GGUF file where it is at hand (embedded models), written to `results/sweep_<stamp>.json`.
 * After an abort (`signal`) no further variant starts; the sweep file holds those measured.
 */
export async function runSweep(
  models: string[],
  request: Omit<RoundsRequest, "model" | "rounds" | "resume">,
  options: SweepOptions = {},
): Promise<SweepResult> {
  const project = await loadProjectConfig({ configDir: request.configDir });
  for (const key of models) lookup("model", project.models, key);
  // Every variant's endpoint is checked before the first one runs.
  resolveModelEndpoints(
    Object.fromEntries(models.map((k) => [k, project.models[k]])),
    project.experiment,
    { allowRemote: request.allowRemote, sources: project.endpointSources },
  );
  const rows: SweepRow[] = [];
  for (const [index, key] of models.entries()) {
    if (options.signal?.aborted) break;
    const prepared = await prepareRounds({ ...request, model: key, rounds: "baseline" });
    options.onEvent?.({
      type: "sweep_model",
      modelKey: key,
      index,
      models: models.length,
      planned: roundsWork(prepared),
      runId: prepared.plan.runId,
    });
    const result = await executeRounds(prepared, options);
    const model = project.models[key];
    const size = model.backend === "embedded"
      ? await ggufSize((await resolveModelFile(model)).path)
      : null;
    const q = result.summary.quality.find((x) => x.round === "baseline");
    for (const p of result.summary.performance.filter((x) => x.round === "baseline")) {
      rows.push({
        model_key: key,
        model_id: model.model_id,
        format: model.format,
        quantization: model.quantization,
        parameters: size?.parameters ?? null,
        bits_per_weight: size?.bits_per_weight ?? null,
        file_size_bytes: size?.file_size_bytes ?? null,
        scenario: p.scenario,
        ttft_ms: p.ttft_ms,
        output_tokens_per_s: p.output_tokens_per_s,
        peak_rss_bytes: p.peak_rss_bytes,
        quality: q ? { task: q.task, ...q.accuracy } : null,
        run_id: result.runId,
        config_hash: result.summary.config_hash,
      });
    }
  }
  const now = new Date();
  const dir = request.resultsDir ?? resolveOutputPath("results");
  const path = join(dir, `sweep_${fileStamp(now)}.json`);
  const out = { kind: "sweep" as const, created_at: now.toISOString(), rows };
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(out, null, 2) + "\n");
  return { ...out, path };
}
