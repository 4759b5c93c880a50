/**
 * Choosing the runs a report is made of (`deno task report --runs`, `--since`, `--models`,
 * `--config-hash`): a result set narrowed to whole runs, never half a run, with what was left out.
 * @module
 */
import pl from "nodejs-polars";
import type { ResultSet } from "./load.ts";

/** Which runs to keep; every given criterion must hold. */
export interface RunFilter {
  /** Run ids (exact). A rounds quality subset (`<run>:<round>`) follows its rounds run. */
  runs?: readonly string[];
  /** Runs started at or after this time (earliest record, or summary time). */
  since?: Date;
  /** Model keys. */
  models?: readonly string[];
  /** Config hashes or prefixes of them (at least 6 hex digits). */
  configHashes?: readonly string[];
}

/** What a selection kept and left out (for the report's methodology note). */
export interface Selection {
  filter: RunFilter;
  /** Run ids kept, sorted. */
  kept: string[];
  /** Run ids left out, sorted. */
  excluded: string[];
}

/** One run as the filter sees it. */
interface RunFacts {
  run_id: string;
  model_keys: Set<string>;
  config_hashes: Set<string>;
  started_at: number;
}

function collect(results: ResultSet): Map<string, RunFacts> {
  const out = new Map<string, RunFacts>();
  const add = (run: string, model: string, hash: string, at: number) => {
    const f = out.get(run) ??
      { run_id: run, model_keys: new Set(), config_hashes: new Set(), started_at: Infinity };
    out.set(run, f);
    f.model_keys.add(model);
    f.config_hashes.add(hash);
    if (Number.isFinite(at)) f.started_at = Math.min(f.started_at, at);
  };
  if (results.perf.height > 0) {
    const runs = results.perf.groupBy(["run_id", "model_key", "config_hash"]).agg(
      pl.col("timestamp_ms").min().alias("t"),
    ).toRecords() as { run_id: string; model_key: string; config_hash: string; t: number | null }[];
    for (const r of runs) add(r.run_id, r.model_key, r.config_hash, r.t ?? NaN);
  }
  for (const e of results.eval) {
    add(e.summary.run_id, e.summary.model_key, e.summary.config_hash, Date.parse(e.started_at));
  }
  for (const c of results.compliance) {
    add(c.run_id, c.model_key, c.config_hash, Date.parse(c.timestamp));
  }
  for (const r of results.rounds) {
    add(r.summary.run_id, r.summary.model_key, r.summary.config_hash, NaN);
  }
  for (const s of results.sweeps) {
    for (const row of s.sweep.rows) {
      add(row.run_id, row.model_key, row.config_hash, Date.parse(s.sweep.created_at));
    }
  }
  return out;
}

function keeps(f: RunFacts, filter: RunFilter): boolean {
  if (filter.runs && !filter.runs.includes(f.run_id)) return false;
  if (filter.models && ![...f.model_keys].some((m) => filter.models!.includes(m))) return false;
  if (
    filter.configHashes &&
    ![...f.config_hashes].some((h) => filter.configHashes!.some((p) => h.startsWith(p)))
  ) return false;
  if (filter.since && !(f.started_at >= filter.since.getTime())) return false;
  return true;
}

/** Whether a filter asks for anything. */
export function isEmptyFilter(filter: RunFilter): boolean {
  return !filter.runs && !filter.since && !filter.models && !filter.configHashes;
}

/**
 * The runs of `results` that pass `filter`, whole: perf records, eval runs, compliance records,
 * rounds summaries and sweep rows of kept runs. A rounds run's timing comes from its perf records.
 */
export function selectRuns(
  results: ResultSet,
  filter: RunFilter,
): { results: ResultSet; selection: Selection } {
  const facts = collect(results);
  const kept = new Set([...facts.values()].filter((f) => keeps(f, filter)).map((f) => f.run_id));
  const excluded = [...facts.keys()].filter((r) => !kept.has(r)).sort();
  const selection = { filter, kept: [...kept].sort(), excluded };
  if (isEmptyFilter(filter)) return { results, selection };
  const ids = [...kept];
  const perf = results.perf.height === 0
    ? results.perf
    : results.perf.filter(pl.col("run_id").isIn(ids));
  return {
    results: {
      ...results,
      perf,
      eval: results.eval.filter((e) => kept.has(e.summary.run_id)),
      compliance: results.compliance.filter((c) => kept.has(c.run_id)),
      rounds: results.rounds.filter((r) => kept.has(r.summary.run_id)),
      sweeps: results.sweeps.map((s) => ({
        ...s,
        sweep: { ...s.sweep, rows: s.sweep.rows.filter((r) => kept.has(r.run_id)) },
      })).filter((s) => s.sweep.rows.length > 0),
    },
    selection,
  };
}
