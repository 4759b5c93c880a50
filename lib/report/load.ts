/**
 * Load a results folder: perf JSONL (streamed into one Polars frame), capability summaries
 * checked against their sample records, compliance records, run manifests. Bad lines and files
 * are skipped with a warning naming file and line; unknown files are skipped with a warning.
 * @module
 */
import { join, relative } from "node:path";
import type pl from "nodejs-polars";
import { latestPerSample } from "../eval/metrics.ts";
import {
  type ComplianceRecord,
  ComplianceRecordSchema,
  EvalRecordSchema,
  type EvalSummary,
  EvalSummarySchema,
  type Manifest,
  ManifestSchema,
  readJsonl,
} from "../results/mod.ts";
import {
  type RoundsSummaryFile,
  RoundsSummaryFileSchema,
  type SweepFile,
  SweepFileSchema,
} from "./_derived.ts";
import { fixMmapThreshold, trim } from "./_allocator.ts";
import type { PerfBlock } from "./_perf_collect.ts";
import { PerfColumns, type PerfGaps } from "./_perf_columns.ts";
import { PerfReaderPool, readPerfFile } from "./_perf_read.ts";

/** Something skipped or doubtful while loading; `line` is null for whole-file problems. */
export interface LoadWarning {
  file: string;
  line: number | null;
  message: string;
}

/** What one sample of a capability run answered (for paired comparisons of two runs). */
export interface SampleOutcome {
  sample_id: string;
  reference: string;
  /** The mapped answer; null when invalid or when the request failed. */
  prediction: string | null;
  correct: boolean;
}

/** A capability run: its summary and what its sample records say about it. */
export interface EvalRun {
  /** The summary JSON (path). */
  file: string;
  summary: EvalSummary;
  /** The sample records file the summary names (path), or null when it is missing. */
  records_file: string | null;
  /** Samples in the records file (last record per sample), or null when it is missing. */
  records_n: number | null;
  /** Correct samples in the records file, or null. */
  records_correct: number | null;
  /** "ok", or what disagrees between the summary and its records. */
  check: string;
  /** Each sample's outcome (last record per sample, sorted by id), or null without records. */
  samples: SampleOutcome[] | null;
  /** Earliest record timestamp (ISO), or the summary's `created_at` when the records are missing. */
  started_at: string;
  /** Invalid answers by cause counted over the records (a newer record field), or null when none says. */
  invalid_causes: Record<string, number> | null;
}

/** A rounds summary (`rounds_<model>_<stamp>.json`) and where it was read from. */
export interface LoadedRounds {
  file: string;
  summary: RoundsSummaryFile;
}

/** A precision-vs-size sweep (`sweep_<stamp>.json`) and where it was read from. */
export interface LoadedSweep {
  file: string;
  sweep: SweepFile;
}

/** A run manifest and where it was read from. */
export interface LoadedManifest {
  file: string;
  manifest: Manifest;
}

/** A compliance probe record and where it was read from. */
export type LoadedComplianceRecord = ComplianceRecord & { file: string; line: number };

/** What a results folder holds, ready for the tables. */
export interface ResultSet {
  /** The folder loaded. */
  dir: string;
  /**
   * One row per valid perf record (warm-ups included, flagged): file, line, run_id, config_hash,
   * model_key, model_id, backend, format, quantization, scenario, repetition, warmup, ok (no
   * error), output_valid, ttft_ms, e2e_ms, tpot_ms, output_tokens_per_s, prefill_tokens_per_s,
   * prompt_tokens, output_tokens, peak_rss_bytes, concurrency, window_id, window_size,
   * window_sent_ms, window_end_ms, cache_mode ("" when the record predates it),
   * prompt_cache_hit, cached_prompt_tokens, timestamp_ms, throttled, chunks, multi_token_chunks,
   * energy_j, energy_j_per_token, sweep_prompt_tokens, sweep_output_tokens, sweep_prompt_exact,
   * and `row` (the record's index into `perfGaps`).
   */
  perf: pl.DataFrame;
  /** Inter-token gaps of every perf record, indexed by the frame's `row` column. */
  perfGaps: PerfGaps;
  /** Capability runs (one per summary file). */
  eval: EvalRun[];
  compliance: LoadedComplianceRecord[];
  manifests: LoadedManifest[];
  /** Optimization-round summaries. */
  rounds: LoadedRounds[];
  /** Precision-vs-size sweeps. */
  sweeps: LoadedSweep[];
  /** Every file looked at and what became of it. */
  files: { file: string; kind: string; records: number; skipped: number }[];
  warnings: LoadWarning[];
}

/** Progress of {@linkcode loadResults}: the folder's size first, then one event per file read. */
export type LoadEvent =
  | { type: "load_start"; dir: string; files: number; bytes: number }
  | {
    type: "file_loaded";
    file: string;
    /** Result kind, or null for a file that is not a result file (skipped). */
    kind: string | null;
    /** Records read from it (summaries and manifests count 1). */
    records: number;
    /** Files and bytes read so far, of `files` and `bytes`. */
    done: number;
    files: number;
    bytesDone: number;
    bytes: number;
  };

/** Options for {@linkcode loadResults}. */
export interface LoadResultsOptions {
  /** Called once per warning as it happens. @default collects only */
  onWarning?: (warning: LoadWarning) => void;
  /** Called as the folder is read (large folders take a while). */
  onEvent?: (event: LoadEvent) => void;
  /** Lines per validated chunk of a perf file. @default 256 */
  chunkLines?: number;
  /**
   * Worker threads parsing perf files beside this thread (which parses too); 0 reads them in this
   * thread alone.
   * @default one fewer than the cores (at most 3) when the perf files hold 64 MiB or more, else 0
   */
  workers?: number;
}

type Kind =
  | "perf"
  | "eval_records"
  | "eval_summary"
  | "compliance"
  | "manifest"
  | "rounds"
  | "sweep";

/** Perf files of this many bytes in all are parsed in worker threads. */
const PARALLEL_BYTES = 64 * 2 ** 20;

function kindOf(name: string): Kind | null {
  if (/^perf_.+\.jsonl$/.test(name)) return "perf";
  if (/^(eval|realistic)_.+\.jsonl$/.test(name)) return "eval_records";
  if (/^(eval|realistic)_.+\.json$/.test(name)) return "eval_summary";
  if (/^compliance_.+\.jsonl$/.test(name)) return "compliance";
  if (/^experiment_config_[0-9a-f]{64}\.json$/.test(name)) return "manifest";
  if (/^rounds_.+\.json$/.test(name)) return "rounds";
  if (/^sweep_.+\.json$/.test(name)) return "sweep";
  return null;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...await listFiles(path));
    else if (e.isFile) out.push(path);
  }
  return out.sort();
}

function errorText(error: unknown): string {
  if (error instanceof SyntaxError) return `not valid JSON (${error.message})`;
  if (error && typeof error === "object" && "issues" in error) {
    const issue = (error as { issues: { path: PropertyKey[]; message: string }[] }).issues[0];
    return `does not match its schema at '${issue.path.join(".")}': ${issue.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

async function readJson<T>(path: string, parse: (data: unknown) => T): Promise<T> {
  return parse(JSON.parse(await Deno.readTextFile(path)));
}

/**
 * Load every result file under `dir` (recursively). Never throws for bad content: bad lines,
 * bad files and unknown files become warnings; a missing folder is a NotFound error.
 */
export async function loadResults(
  dir: string,
  options: LoadResultsOptions = {},
): Promise<ResultSet> {
  const warnings: LoadWarning[] = [];
  const warn = (file: string, line: number | null, message: string) => {
    const w = { file, line, message };
    warnings.push(w);
    options.onWarning?.(w);
  };
  const files: ResultSet["files"] = [];
  const columns = new PerfColumns();
  const summaries: { file: string; summary: EvalSummary }[] = [];
  const recordFiles = new Set<string>();
  const compliance: LoadedComplianceRecord[] = [];
  const manifests: LoadedManifest[] = [];
  const rounds: LoadedRounds[] = [];
  const sweeps: LoadedSweep[] = [];

  const paths = await listFiles(dir);
  const sizes = new Map<string, number>();
  for (const path of paths) sizes.set(path, await Deno.stat(path).then((i) => i.size, () => 0));
  const totalBytes = [...sizes.values()].reduce((a, b) => a + b, 0);
  let filesDone = 0;
  let bytesDone = 0;
  const loaded = (file: string, kind: string | null, records: number) => {
    filesDone++;
    bytesDone += sizes.get(file) ?? 0;
    options.onEvent?.({
      type: "file_loaded",
      file,
      kind,
      records,
      done: filesDone,
      files: paths.length,
      bytesDone,
      bytes: totalBytes,
    });
  };
  options.onEvent?.({ type: "load_start", dir, files: paths.length, bytes: totalBytes });
  // Large perf files are parsed by this thread and worker threads, one reader per core (at most
  // 4), while this thread also builds the frame; small folders are read here alone (a worker
  // takes a while to start, and each costs its own memory).
  const perfPaths = paths.filter((p) => kindOf(p.split("/").at(-1)!) === "perf");
  const perfBytes = perfPaths.reduce((s, p) => s + (sizes.get(p) ?? 0), 0);
  const workers = options.workers ??
    (perfBytes >= PARALLEL_BYTES ? Math.min(4, navigator.hardwareConcurrency || 1) - 1 : 0);
  // A large folder's columns are freed and reallocated block by block: keep the allocator from
  // holding on to the freed blocks (see lib/report/_allocator.ts).
  const large = perfBytes >= PARALLEL_BYTES;
  if (large) fixMmapThreshold();
  const pool = workers > 0 && perfPaths.length > 0
    ? new PerfReaderPool(perfPaths, workers, options.chunkLines)
    : null;
  try {
    await readAll();
  } finally {
    await pool?.close();
  }
  async function readAll(): Promise<void> {
    for (const path of paths) {
      const name = relative(dir, path).split("/").at(-1)!;
      const kind = kindOf(name);
      if (kind === null) {
        loaded(path, null, 0);
        // Summaries written beside the records (rounds, sweeps, imports) are derived, not skipped data.
        if (!name.startsWith(".") && !/^(rounds|sweep|import)_.+\.json$/.test(name)) {
          warn(path, null, "unknown file (not a result file), skipped");
        }
        continue;
      }
      let records = 0;
      let skipped = 0;
      try {
        if (kind === "perf") {
          const onBlock = (block: PerfBlock) => columns.addBlock(block);
          const result = pool
            ? await pool.read(path, onBlock)
            : await readPerfFile(path, onBlock, options.chunkLines);
          records = result.records;
          for (const w of result.warnings) warn(w.file, w.line, w.message);
          skipped = result.warnings.length;
          if (result.filled.length) {
            warn(
              path,
              null,
              `older records without ${
                result.filled.map(([k, n]) => `${k} (${n})`).join(", ")
              }: read as null (not measured)`,
            );
          }
          if (result.error !== null) throw new Error(result.error);
        } else if (kind === "eval_records") {
          recordFiles.add(path);
        } else if (kind === "eval_summary") {
          summaries.push({
            file: path,
            summary: await readJson(path, (d) => EvalSummarySchema.parse(d)),
          });
          records = 1;
        } else if (kind === "compliance") {
          const ws: { line: number }[] = [];
          const { records: rs } = await readJsonl(path, ComplianceRecordSchema, {
            onWarning: (w) => {
              ws.push(w);
              warn(w.file, w.line, w.message);
            },
          });
          // readJsonl does not give line numbers of good records: recover them from the file.
          const lineOf = goodLines(await Deno.readTextFile(path), new Set(ws.map((w) => w.line)));
          rs.forEach((r, i) => compliance.push({ ...r, file: path, line: lineOf[i] }));
          records = rs.length;
          skipped = ws.length;
        } else if (kind === "rounds") {
          rounds.push({
            file: path,
            summary: await readJson(path, (d) => RoundsSummaryFileSchema.parse(d)),
          });
          records = 1;
        } else if (kind === "sweep") {
          sweeps.push({ file: path, sweep: await readJson(path, (d) => SweepFileSchema.parse(d)) });
          records = 1;
        } else {
          manifests.push({
            file: path,
            manifest: await readJson(path, (d) => ManifestSchema.parse(d)),
          });
          records = 1;
        }
      } catch (error) {
        warn(path, null, `${errorText(error)}; file skipped`);
        skipped += 1;
      }
      files.push({ file: path, kind, records, skipped });
      // Sample records are read when their summary is checked, below.
      if (kind !== "eval_records") loaded(path, kind, records);
    }
  }

  const evalRuns: EvalRun[] = [];
  for (const { file, summary } of summaries) {
    const run = await checkEvalRun(file, summary, warn);
    if (run.records_file && recordFiles.delete(run.records_file)) {
      loaded(run.records_file, "eval_records", run.records_n ?? 0);
    }
    evalRuns.push(run);
  }
  // The quality subsets of optimization rounds are eval records without a summary of their own:
  // their numbers are in the rounds summary (run id `<rounds run>:<round>`, listed in the manifest).
  const subsets = new Set<string>();
  for (const { file, manifest } of manifests) {
    for (const run of manifest.runs) {
      for (const [unit, f] of Object.entries(run.files)) {
        if (unit.endsWith("/quality")) subsets.add(join(file, "..", f));
      }
    }
  }
  for (const orphan of recordFiles) {
    loaded(orphan, "eval_records", 0);
    if (subsets.has(orphan) || await isRoundsSubset(orphan)) {
      const entry = files.find((f) => f.file === orphan);
      if (entry) entry.kind = "rounds_quality";
      continue;
    }
    warn(
      orphan,
      null,
      "capability records without a summary (interrupted run?): not reported; finish it with `deno task eval --resume`",
    );
  }
  const perf = columns.frame();
  const perfGaps = columns.gaps();
  if (large) {
    // The blocks' JavaScript arrays and the intermediate frames are garbage now: collect them
    // (where the process allows it) and give their pages back.
    (globalThis as { gc?: () => void }).gc?.();
    trim();
  }
  return {
    dir,
    perf,
    perfGaps,
    eval: evalRuns,
    compliance,
    manifests,
    rounds,
    sweeps,
    files,
    warnings,
  };
}

/** Records whose run id is `<rounds run>:<round>` (a rounds quality subset). */
async function isRoundsSubset(path: string): Promise<boolean> {
  const first = (await Deno.readTextFile(path)).split("\n").find((l) => l.trim());
  try {
    const id = first ? JSON.parse(first).run_id : null;
    return typeof id === "string" && /^rounds_.+:[a-z0-9][a-z0-9_.-]*$/.test(id);
  } catch {
    return false;
  }
}

function goodLines(text: string, bad: Set<number>): number[] {
  const out: number[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() !== "" && !bad.has(i + 1)) out.push(i + 1);
  });
  return out;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));

async function checkEvalRun(
  file: string,
  summary: EvalSummary,
  warn: (file: string, line: number | null, message: string) => void,
): Promise<EvalRun> {
  const recordsPath = join(file, "..", summary.records_file);
  let records;
  try {
    records = await readJsonl(recordsPath, EvalRecordSchema.loose(), {
      onWarning: (w) => warn(w.file, w.line, w.message),
    });
  } catch (error) {
    const check = `records file ${summary.records_file} cannot be read (${errorText(error)})`;
    warn(file, null, `${check}: the summary's numbers are reported unchecked`);
    return {
      file,
      summary,
      records_file: null,
      records_n: null,
      records_correct: null,
      check,
      samples: null,
      started_at: summary.created_at,
      invalid_causes: null,
    };
  }
  const latest = latestPerSample(records.records.filter((r) => r.run_id === summary.run_id));
  const n = latest.length;
  const correct = latest.filter((r) => r.correct === true).length;
  const problems: string[] = [];
  if (n !== summary.metrics.n) problems.push(`summary n=${summary.metrics.n}, records n=${n}`);
  const acc = summary.metrics.accuracy?.value;
  if (acc !== undefined && n > 0 && !close(acc, correct / n)) {
    problems.push(`summary accuracy ${acc}, records ${correct}/${n}`);
  }
  const check = problems.length ? `records disagree: ${problems.join("; ")}` : "ok";
  if (problems.length) warn(file, null, check);
  const stamps = latest.map((r) => r.timestamp).sort();
  return {
    file,
    summary,
    records_file: recordsPath,
    records_n: n,
    records_correct: correct,
    check,
    samples: latest.map((r) => ({
      sample_id: r.sample_id,
      reference: r.reference,
      prediction: r.error === null ? r.prediction : null,
      correct: r.correct === true,
    })),
    started_at: stamps[0] ?? summary.created_at,
    invalid_causes: invalidCauseCounts(latest),
  };
}

const CAUSE_KEYS = ["invalid_cause", "invalid_reason"];

/** Invalid (not failed) samples by the cause their record names, or null when no record names one. */
function invalidCauseCounts(
  records: readonly Record<string, unknown>[],
): Record<string, number> | null {
  const counts: Record<string, number> = {};
  let named = false;
  for (const r of records) {
    if (r.error !== null || r.valid !== false) continue;
    const details = (r.details ?? {}) as Record<string, unknown>;
    const cause = CAUSE_KEYS.map((k) => r[k] ?? details[k]).find((v) =>
      typeof v === "string" && v
    ) as string | undefined;
    if (cause) named = true;
    counts[cause ?? "unspecified"] = (counts[cause ?? "unspecified"] ?? 0) + 1;
  }
  return named ? counts : null;
}
