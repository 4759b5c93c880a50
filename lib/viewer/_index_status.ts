/** How each kind of run is found and judged complete: plan (manifest) against records. @module */
import { latestPerSample } from "../eval/mod.ts";
import type { ResultSet } from "../report/mod.ts";
import pl from "nodejs-polars";
import type { ViewerEvalRecord } from "./_files.ts";
import type { EvalSource, ManifestRun, RunInfo, RunKind, RunModel } from "./_index_types.ts";

/** What the status functions read and fill. */
export interface IndexContext {
  results: ResultSet;
  manifests: Map<string, ManifestRun>;
  evalSources: Map<string, EvalSource>;
  evalRecords: Map<string, ViewerEvalRecord[]>;
  rounds: Map<string, { file: string; data: Record<string, unknown> }>;
  runs: Map<string, RunInfo>;
  /** The run's entry, created with its manifest's facts on first use. */
  entry(id: string, kind: RunKind): RunInfo;
}

/** A nested field of unknown JSON. */
export const get = (obj: unknown, ...path: string[]): unknown => {
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
/** The date in a run id's stamp, or null. */
export function dateFromRunId(id: string): string | null {
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

/** Perf and rounds runs from lib/report's perf frame; units planned against measured. */
export function addPerfRuns(ctx: IndexContext): void {
  const { results, manifests, rounds, runs, entry } = ctx;

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
}

/** Capability runs from summaries and record files; samples planned against recorded. */
export function addEvalRuns(ctx: IndexContext): void {
  const { manifests, entry, evalSources, evalRecords } = ctx;

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
}

/** Compliance runs from their records; probe results planned against recorded. */
export function addComplianceRuns(ctx: IndexContext): void {
  const { results, manifests, runs, entry } = ctx;

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
}
