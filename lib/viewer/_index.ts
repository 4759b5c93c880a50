/**
 * The runs of a results folder: lib/report's loader (manifests, perf records, capability
 * summaries, compliance records, warnings naming file:line) plus the capability record files,
 * turned into one entry per run with its models, date, status and what is missing.
 * @module
 */
import { dirname, join } from "node:path";
import { loadResults, type LoadWarning } from "../report/mod.ts";
import { listFiles, RecordFiles, type ViewerEvalRecord } from "./_files.ts";
import {
  addComplianceRuns,
  addEvalRuns,
  addPerfRuns,
  dateFromRunId,
  get,
  type IndexContext,
} from "./_index_status.ts";
import type { EvalSource, ManifestRun, ResultsIndex, RunInfo, RunKind } from "./_index_types.ts";

export type {
  EvalSource,
  ManifestRun,
  ResultsIndex,
  RunInfo,
  RunKind,
  RunModel,
} from "./_index_types.ts";

/** Options for {@linkcode buildIndex}. */
export interface BuildIndexOptions {
  /** Record files already read (shared with the pages). @default a new cache */
  files?: RecordFiles;
}

/** Index a results folder (never throws for bad content: it becomes warnings). */
export async function buildIndex(
  dir: string,
  options: BuildIndexOptions = {},
): Promise<ResultsIndex> {
  const files = options.files ?? new RecordFiles();
  const results = await loadResults(dir);
  const warnings: LoadWarning[] = [...results.warnings];
  const seenWarning = new Set(warnings.map((w) => `${w.file}:${w.line}:${w.message}`));
  const warn = (w: LoadWarning) => {
    const key = `${w.file}:${w.line}:${w.message}`;
    if (!seenWarning.has(key)) {
      seenWarning.add(key);
      warnings.push(w);
    }
  };

  const manifests = new Map<string, ManifestRun>();
  for (const { file, manifest } of results.manifests) {
    for (const run of manifest.runs) {
      const seen = manifests.get(run.run_id);
      if (!seen || seen.run.updated_at < run.updated_at) {
        manifests.set(run.run_id, { file, manifest, run });
      }
    }
  }

  // Capability runs: summaries (checked against their records by lib/report), then the record
  // files, which also hold runs without a summary (interrupted runs, rounds quality subsets).
  const evalSources = new Map<string, EvalSource>();
  for (const e of results.eval) {
    evalSources.set(e.summary.run_id, {
      summary: e.summary,
      summary_file: e.file,
      records_file: e.records_file ?? join(dirname(e.file), e.summary.records_file),
      check: e.check,
    });
  }
  const evalRecords = new Map<string, ViewerEvalRecord[]>();
  for (const f of results.files.filter((f) => f.kind === "eval_records")) {
    let content;
    try {
      content = await files.eval(f.file);
    } catch (error) {
      warn({ file: f.file, line: null, message: `cannot be read (${error}); file skipped` });
      continue;
    }
    for (const w of content.warnings) warn(w);
    for (const r of content.records) {
      if (!evalRecords.has(r.run_id)) evalRecords.set(r.run_id, []);
      evalRecords.get(r.run_id)!.push(r);
      if (!evalSources.has(r.run_id)) {
        evalSources.set(r.run_id, {
          summary: null,
          summary_file: null,
          records_file: f.file,
          check: null,
        });
      }
    }
  }

  const rounds = new Map<string, { file: string; data: Record<string, unknown> }>();
  for (const { path } of await listFiles(dir)) {
    if (!/(^|\/)rounds_[^/]+\.json$/.test(path)) continue;
    try {
      const data = JSON.parse(await Deno.readTextFile(path));
      if (get(data, "kind") === "rounds_summary" && typeof get(data, "run_id") === "string") {
        rounds.set(data.run_id, { file: path, data });
      }
    } catch (error) {
      warn({ file: path, line: null, message: `rounds summary not readable (${error}); skipped` });
    }
  }

  const runs = new Map<string, RunInfo>();
  const entry = (id: string, kind: RunKind): RunInfo => {
    let run = runs.get(id);
    if (!run) {
      const m = manifests.get(id);
      run = {
        run_id: id,
        kind,
        models: [],
        scope: "",
        task: null,
        config_hash: m?.manifest.config_hash ?? null,
        started_at: m?.run.started_at ?? null,
        manifest_status: m?.run.status ?? null,
        status: "unknown",
        missing: [],
        n: 0,
        n_note: "",
        files: m ? Object.values(m.run.files).map((f) => join(dirname(m.file), f)) : [],
        parent: null,
        manifest_file: m?.file ?? null,
        notes: m?.run.notes ?? [],
      };
      runs.set(id, run);
    }
    return run;
  };
  for (const [id, m] of manifests) {
    const kind = m.run.kind;
    if (kind === "perf" || kind === "eval" || kind === "compliance" || kind === "rounds") {
      entry(id, kind);
    }
  }

  const ctx: IndexContext = { results, manifests, rounds, runs, entry, evalSources, evalRecords };
  addPerfRuns(ctx);
  addEvalRuns(ctx);
  addComplianceRuns(ctx);

  for (const run of runs.values()) {
    run.started_at ??= dateFromRunId(run.run_id);
    if (run.manifest_status && run.manifest_status !== "complete") {
      run.missing.unshift(
        run.manifest_status === "running"
          ? "manifest says running: still running, or stopped without closing (resume it)"
          : `manifest says ${run.manifest_status}`,
      );
    }
    const planKnown = run.manifest_status !== null ||
      (run.kind === "eval" && evalSources.get(run.run_id)?.summary);
    if (planKnown) run.status = run.missing.length ? "incomplete" : "complete";
    else {
      run.status = run.missing.length ? "incomplete" : "unknown";
      run.missing.push("no manifest (experiment_config_<hash>.json): the plan is unknown");
    }
  }

  // lib/report does not report capability records without a summary and warns so; the viewer
  // shows them as runs (a rounds quality subset, or incomplete with "no summary file").
  const shown = new Set(
    [...evalSources.values()].filter((s) => !s.summary).map((s) => s.records_file),
  );
  const kept = warnings.filter((w) =>
    !(w.line === null && shown.has(w.file) &&
      w.message.startsWith("capability records without a summary"))
  );

  const list = [...runs.values()].sort((a, b) =>
    (b.started_at ?? "").localeCompare(a.started_at ?? "") || a.run_id.localeCompare(b.run_id)
  );
  return {
    dir,
    results,
    runs: list,
    byId: runs,
    manifests,
    eval: evalSources,
    rounds,
    warnings: kept,
  };
}

/** Warnings about the given files. */
export function warningsFor(index: ResultsIndex, files: readonly string[]): LoadWarning[] {
  const set = new Set(files);
  return index.warnings.filter((w) => set.has(w.file));
}
