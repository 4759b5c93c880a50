/**
 * The runs of a results folder: lib/report's loader (manifests, perf records, capability
 * summaries, compliance records, warnings naming file:line) plus the capability record files,
 * turned into one entry per run with its models, date, status and what is missing.
 * @module
 */
import { dirname, join } from "node:path";
import pl from "nodejs-polars";
import { latestPerSample } from "../eval/mod.ts";
import { loadResults, type LoadWarning, type ResultSet } from "../report/mod.ts";
import type { EvalSummary, Manifest, RunEntry } from "../results/mod.ts";
import { listFiles, RecordFiles, type ViewerEvalRecord } from "./_files.ts";

/** What kind of run an entry is. */
export type RunKind = "perf" | "eval" | "compliance" | "rounds";

/** A model a run measured. */
export interface RunModel {
  model_key: string;
  model_id: string;
  backend: string;
  format: string;
  quantization: string;
}

/** One run of the results folder. */
export interface RunInfo {
  run_id: string;
  kind: RunKind;
  models: RunModel[];
  /** Task (eval), scenarios (perf, rounds) or probe sets (compliance). */
  scope: string;
  /** The eval task; null for other kinds. */
  task: string | null;
  config_hash: string | null;
  started_at: string | null;
  /** The manifest's status (running, complete, interrupted); null without a manifest. */
  manifest_status: string | null;
  /** complete: everything planned is recorded; unknown: no plan to compare with. */
  status: "complete" | "incomplete" | "unknown";
  /** What is missing, one line each (empty when complete). */
  missing: string[];
  /** Records that count: measured requests, samples, probes. */
  n: number;
  /** What n counts, e.g. `6 requests (+2 warm-ups)`. */
  n_note: string;
  /** Result files of the run (absolute paths). */
  files: string[];
  /** The rounds run a quality subset belongs to. */
  parent: string | null;
  manifest_file: string | null;
  /** The manifest's notes on the run. */
  notes: string[];
}

/** Where a capability run's summary and records are. */
export interface EvalSource {
  summary: EvalSummary | null;
  summary_file: string | null;
  records_file: string;
  /** lib/report's check of the summary against its records ("ok" or the disagreement). */
  check: string | null;
}

/** A run's manifest entry and the manifest holding it. */
export interface ManifestRun {
  file: string;
  manifest: Manifest;
  run: RunEntry;
}

/** Everything the pages need to find a run. */
export interface ResultsIndex {
  dir: string;
  results: ResultSet;
  /** Newest first. */
  runs: RunInfo[];
  byId: Map<string, RunInfo>;
  manifests: Map<string, ManifestRun>;
  eval: Map<string, EvalSource>;
  /** `rounds_*.json` summaries by run id (read as JSON: lib/rounds writes them). */
  rounds: Map<string, { file: string; data: Record<string, unknown> }>;
  /** Every warning: lib/report's loader's and the capability record files'. */
  warnings: LoadWarning[];
}

const get = (obj: unknown, ...path: string[]): unknown => {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
};
const numberOr = (v: unknown, fallback: number | null = null) =>
  typeof v === "number" && Number.isFinite(v) ? v : fallback;
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** `perf_20261201_083407_e4966131` → `2026-12-01T08:34:07Z`, or null. */
function dateFromRunId(id: string): string | null {
  const m = id.match(/_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})/);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : null;
}

function addModel(models: RunModel[], m: RunModel): void {
  if (
    !models.some((x) =>
      x.model_key === m.model_key && x.format === m.format && x.quantization === m.quantization
    )
  ) models.push(m);
}

type PerfGroup = RunModel & {
  run_id: string;
  scenario: string;
  round_id: string;
  config_hash: string;
  file: string;
  records: number;
  warmups: number;
  measured_ok: number;
};

function perfGroups(results: ResultSet): PerfGroup[] {
  if (results.perf.height === 0) return [];
  return results.perf.groupBy([
    "run_id",
    "model_key",
    "model_id",
    "backend",
    "format",
    "quantization",
    "scenario",
    "round_id",
    "config_hash",
    "file",
  ]).agg(
    pl.col("warmup").count().alias("records"),
    pl.col("warmup").cast(pl.Int32).sum().alias("warmups"),
    pl.col("ok").and(pl.col("warmup").not()).cast(pl.Int32).sum().alias("measured_ok"),
  ).toRecords() as unknown as PerfGroup[];
}

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

  // Perf and rounds runs from the perf records.
  const groups = perfGroups(results);
  for (const g of groups) {
    const run = entry(g.run_id, g.round_id ? "rounds" : "perf");
    addModel(run.models, g);
    run.config_hash ??= g.config_hash;
    if (!run.files.includes(g.file)) run.files.push(g.file);
  }
  for (const run of runs.values()) {
    if (run.kind !== "perf" && run.kind !== "rounds") continue;
    const mine = groups.filter((g) => g.run_id === run.run_id);
    const measured = mine.reduce((a, g) => a + g.records - g.warmups, 0);
    const warmups = mine.reduce((a, g) => a + g.warmups, 0);
    const failed = mine.reduce((a, g) => a + g.records - g.warmups - g.measured_ok, 0);
    run.n = measured;
    run.n_note = `${measured} request(s)${warmups ? ` (+${warmups} warm-up)` : ""}${
      failed ? `, ${failed} failed` : ""
    }`;
    const plan = manifests.get(run.run_id)?.run.plan;
    const scenarios = [...new Set(mine.map((g) => g.scenario))];
    run.scope =
      (strings(get(plan, "scenarios")).length ? strings(get(plan, "scenarios")) : scenarios)
        .join(", ");
    if (run.kind === "rounds") {
      const ids = strings(get(plan, "rounds"));
      if (ids.length) run.scope = `rounds ${ids.join(", ")} · ${run.scope}`;
    }
    if (!plan) continue;
    const runsPlanned = numberOr(get(plan, "runs"));
    const units = Array.isArray(get(plan, "units")) ? get(plan, "units") as unknown[] : [];
    const missing: string[] = [];
    for (const u of units) {
      const model = String(get(u, "modelKey") ?? "");
      const scenario = String(get(u, "scenario") ?? "");
      const round = typeof get(u, "round") === "string" ? String(get(u, "round")) : "";
      const unit = mine.filter((g) =>
        g.model_key === model && g.scenario === scenario && (g.round_id ?? "") === round
      );
      const ok = unit.reduce((a, g) => a + g.measured_ok, 0);
      const tried = unit.reduce((a, g) => a + g.records - g.warmups, 0);
      const name = [round, model, scenario].filter(Boolean).join("/");
      if (runsPlanned !== null && ok < runsPlanned) {
        missing.push(
          `${name}: ${ok}/${runsPlanned} measured requests${
            tried > ok ? ` (${tried - ok} failed)` : ""
          }`,
        );
      }
    }
    if (run.kind === "rounds") {
      const summary = rounds.get(run.run_id)?.data;
      const entries = Array.isArray(get(summary, "rounds"))
        ? get(summary, "rounds") as unknown[]
        : [];
      for (const r of entries) {
        const status = get(r, "status");
        if (status === "failed" || status === "pending") {
          missing.push(
            `round ${get(r, "id")}: ${status}${get(r, "reason") ? ` (${get(r, "reason")})` : ""}`,
          );
        }
      }
      if (!summary) missing.push("no rounds summary (rounds_<model>_<stamp>.json)");
    }
    run.missing = missing;
  }

  // Capability runs.
  for (const [id, source] of evalSources) {
    const run = entry(id, "eval");
    run.kind = "eval";
    const records = latestPerSample(evalRecords.get(id) ?? []);
    const first = source.summary ?? records[0];
    if (first) {
      addModel(run.models, first);
      run.task = first.task;
      run.scope = first.task;
      run.config_hash ??= first.config_hash;
    }
    if (!run.files.includes(source.records_file)) run.files.push(source.records_file);
    if (source.summary_file && !run.files.includes(source.summary_file)) {
      run.files.push(source.summary_file);
    }
    const parentId = id.includes(":") ? id.slice(0, id.lastIndexOf(":")) : null;
    if (parentId && manifests.get(parentId)?.run.kind === "rounds") {
      run.parent = parentId;
      run.scope = `${run.task} (quality subset of round ${id.slice(id.lastIndexOf(":") + 1)})`;
      const parent = manifests.get(parentId)!;
      run.config_hash ??= parent.manifest.config_hash;
      run.started_at ??= parent.run.started_at;
      run.manifest_status ??= parent.run.status;
      run.manifest_file ??= parent.file;
    }
    const n = records.length;
    const errors = records.filter((r) => r.error !== null).length;
    run.n = source.summary?.metrics.n ?? n;
    run.n_note = `${n} sample(s)${errors ? `, ${errors} failed` : ""}`;
    run.started_at ??= records.map((r) => r.timestamp).sort()[0] ?? source.summary?.created_at ??
      null;
    const planned = source.summary?.planned ??
      numberOr(get(manifests.get(id)?.run.plan, "samples")) ??
      (run.parent
        ? numberOr(get(manifests.get(run.parent)?.manifest.config, "quality", "sample_size"))
        : null);
    const missing: string[] = [];
    if (planned !== null && n < planned) missing.push(`${n}/${planned} samples recorded`);
    if (errors) missing.push(`${errors} failed request(s) (retried by --resume)`);
    if (!source.summary && !run.parent) {
      missing.push("no summary file (interrupted? `deno task eval --resume " + id + "`)");
    }
    if (source.summary && !source.summary.complete && !missing.length) {
      missing.push("summary says incomplete");
    }
    run.missing = missing;
  }

  // Compliance runs.
  const byRun = new Map<string, typeof results.compliance>();
  for (const r of results.compliance) {
    if (!byRun.has(r.run_id)) byRun.set(r.run_id, []);
    byRun.get(r.run_id)!.push(r);
  }
  for (
    const id of new Set([
      ...byRun.keys(),
      ...[...runs.values()].filter((r) => r.kind === "compliance").map((r) => r.run_id),
    ])
  ) {
    const run = entry(id, "compliance");
    const records = byRun.get(id) ?? [];
    const latest = new Map(records.map((r) => [`${r.model_key}/${r.probe_id}`, r]));
    for (const r of latest.values()) {
      addModel(run.models, r);
      run.config_hash ??= r.config_hash;
      if (!run.files.includes(r.file)) run.files.push(r.file);
    }
    const errors = [...latest.values()].filter((r) => r.verdict === null).length;
    const failed = [...latest.values()].filter((r) => r.failed === true).length;
    run.n = latest.size;
    run.n_note = `${latest.size} probe(s), ${failed} failed${errors ? `, ${errors} errors` : ""}`;
    const plan = manifests.get(id)?.run.plan;
    run.scope = strings(get(plan, "probe_sets")).length
      ? `${strings(get(plan, "probe_sets")).length} probe sets`
      : [...new Set(records.map((r) => r.probe_set))].join(", ");
    run.started_at ??= records.map((r) => r.timestamp).sort()[0] ?? null;
    const planned = numberOr(get(plan, "records_planned"));
    const missing: string[] = [];
    if (planned !== null && latest.size < planned) {
      missing.push(`${latest.size}/${planned} probe results recorded`);
    }
    if (errors) missing.push(`${errors} probe request(s) failed`);
    run.missing = missing;
  }

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
