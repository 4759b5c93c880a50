import { basename, join } from "node:path";
import { ConfigError, sha256Hex } from "../config/mod.ts";
import { requestMetrics } from "../perf/mod.ts";
import { ExternalPerfSchema } from "./_schema.ts";
import {
  fileStamp,
  JsonlWriter,
  perfFileName,
  type PerfRecord,
  PerfRecordSchema,
} from "../results/mod.ts";

/** What an import wrote. */
export interface ImportResult {
  runId: string;
  records: number;
  files: string[];
}

/** Options for {@linkcode importExternalPerf}. */
export interface ImportOptions {
  /** Model key used in the tables. @default `<runner>:<model_id>` */
  modelKey?: string;
  /** @default () => new Date() */
  date?: () => Date;
}

/**
 * Validate every line of an external JSONL file (all or nothing: a bad line is a ConfigError naming
 * file, line, field and value, and nothing is written), then write perf records grouped by model,
 * scenario and round, with `backend: "external"`, the runner, and the source file's sha256 as the
 * config hash (the import is traceable to its exact input).
 */
export async function importExternalPerf(
  path: string,
  resultsDir: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const bytes = await Deno.readFile(path).catch((error) => {
    throw new ConfigError(path, "", undefined, "cannot be read (does the file exist?)", {
      cause: error,
    });
  });
  const hash = await sha256Hex(bytes);
  const lines = new TextDecoder().decode(bytes).split("\n");
  const rows = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    let data: unknown;
    try {
      data = JSON.parse(lines[i]);
    } catch (error) {
      throw new ConfigError(`${path}:${i + 1}`, "", lines[i].slice(0, 60), "is not valid JSON", {
        cause: error,
      });
    }
    const parsed = ExternalPerfSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path.join(".");
      const value = issue.code === "unrecognized_keys"
        ? issue.keys
        : (data as Record<string, unknown>)?.[String(issue.path[0])];
      throw new ConfigError(
        `${path}:${i + 1}`,
        field,
        value,
        issue.code === "unrecognized_keys"
          ? "has unknown field(s)"
          : `is invalid: ${issue.message}`,
      );
    }
    rows.push(parsed.data);
  }
  if (rows.length === 0) throw new ConfigError(path, "", "", "holds no measurement line");
  const now = (options.date ?? (() => new Date()))();
  const runId = `import_${fileStamp(now)}_${hash.slice(0, 8)}`;
  const groups = new Map<string, PerfRecord[]>();
  for (const r of rows) {
    const timing = {
      sentAt: 0,
      firstContentAt: r.ttft_ms,
      lastContentAt: r.e2e_ms,
      endAt: r.e2e_ms ?? 0,
    };
    const m = r.ttft_ms !== null && r.e2e_ms !== null
      ? requestMetrics(timing, r.prompt_tokens, r.output_tokens)
      : null;
    const record = PerfRecordSchema.parse({
      schema_version: 1,
      kind: "perf",
      run_id: runId,
      config_hash: hash,
      model_key: options.modelKey ?? `${r.runner}:${r.model_id}`,
      model_id: r.model_id,
      backend: "external",
      runner: r.runner,
      format: r.format,
      quantization: r.quantization,
      scenario: r.scenario,
      round_id: r.round_id,
      settings: r.settings,
      repetition: r.repetition,
      warmup: r.warmup,
      seed: r.seed,
      temperature: r.temperature,
      max_tokens: r.max_tokens,
      ttft_ms: m?.ttft_ms ?? r.ttft_ms,
      e2e_ms: m?.e2e_ms ?? r.e2e_ms,
      decode_ms: m?.decode_ms ?? null,
      tpot_ms: m?.tpot_ms ?? null,
      output_tokens_per_s: m?.output_tokens_per_s ?? null,
      e2e_tokens_per_s: m?.e2e_tokens_per_s ?? null,
      prefill_tokens_per_s: m?.prefill_tokens_per_s ?? null,
      prompt_tokens: r.prompt_tokens,
      output_tokens: r.output_tokens,
      token_count_source: r.output_tokens === null ? null : "engine",
      peak_rss_bytes: r.peak_rss_bytes,
      peak_footprint_bytes: null,
      peak_system_used_bytes: null,
      memory_samples: 0,
      server_timings: null,
      draft_acceptance_rate: null,
      finish_reason: null,
      output_valid: null,
      output_text: "",
      error: r.error,
      host: r.device,
      git_commit: null,
      timestamp: r.timestamp,
    });
    const key = JSON.stringify([
      record.model_id,
      record.format,
      record.quantization,
      record.scenario,
      record.round_id,
    ]);
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  await Deno.mkdir(resultsDir, { recursive: true });
  const files: string[] = [];
  for (const records of groups.values()) {
    const r = records[0];
    const name = perfFileName({
      modelId: `${r.runner}_${r.model_id}`,
      format: r.format,
      quantization: r.quantization,
      scenario: r.scenario,
      round: r.round_id ?? undefined,
      date: now,
    });
    const writer = await JsonlWriter.open(join(resultsDir, name));
    try {
      for (const rec of records) await writer.append(rec);
    } finally {
      writer.close();
    }
    files.push(name);
  }
  await Deno.writeTextFile(
    join(resultsDir, `import_${fileStamp(now)}_${hash.slice(0, 8)}.json`),
    JSON.stringify(
      {
        run_id: runId,
        source: basename(path),
        source_sha256: hash,
        records: rows.length,
        files,
        imported_at: now.toISOString(),
      },
      null,
      2,
    ) + "\n",
  );
  return { runId, records: rows.length, files };
}
