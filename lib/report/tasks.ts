/**
 * The per-task tables of the report: summarization (ROUGE, semantic score), realistic banking
 * checks, MMLU per subject, invalid answers by cause; each row from the latest run of a
 * model × format × quantization × task, as the capability table chooses. Fields a newer summary
 * adds (`ci_method`, cause counts) are read when present.
 * @module
 */
import { latestEvalRuns } from "./capability.ts";
import type { EvalRun, ResultSet } from "./load.ts";

type Estimate = { value: number; ci95: [number, number]; ci_method?: unknown };

/** Where a task row came from. */
interface RunOf {
  model_key: string;
  format: string;
  quantization: string;
  n: number;
  run_id: string;
  config_hash: string;
}

const runOf = (r: EvalRun): RunOf => ({
  model_key: r.summary.model_key,
  format: r.summary.format,
  quantization: r.summary.quantization,
  n: r.summary.metrics.n,
  run_id: r.summary.run_id,
  config_hash: r.summary.config_hash,
});

function estimate(v: unknown): Estimate | null {
  const e = v as Estimate | null | undefined;
  return e && typeof e.value === "number" && Array.isArray(e.ci95) ? e : null;
}

const methodOf = (e: Estimate | null, fallback: string) =>
  e && typeof e.ci_method === "string" ? e.ci_method : fallback;

function latestOf(results: Pick<ResultSet, "eval">, task: string): EvalRun[] {
  return latestEvalRuns(results.eval.filter((r) => r.summary.task === task)).map((x) => x.run);
}

/** One summarization run: ROUGE-1/2/L F1 and the embedding cosine (the semantic score), each mean with its interval. */
export interface SummarizationRow extends RunOf {
  rouge1: number | null;
  rouge1_lo: number | null;
  rouge1_hi: number | null;
  rouge2: number | null;
  rouge2_lo: number | null;
  rouge2_hi: number | null;
  rougeL: number | null;
  rougeL_lo: number | null;
  rougeL_hi: number | null;
  /** Cosine of embedding vectors (not BERTScore); null when the run had no --embedding-model. */
  semantic: number | null;
  semantic_lo: number | null;
  semantic_hi: number | null;
  semantic_model: string | null;
  ci_method: string;
}

/** The summarization table. */
export function summarizationRows(results: Pick<ResultSet, "eval">): SummarizationRow[] {
  return latestOf(results, "summarization").map((r) => {
    const m = r.summary.metrics as Record<string, unknown>;
    const part = (name: string, key: string) => {
      const e = estimate(m[key]);
      return {
        [name]: e?.value ?? null,
        [`${name}_lo`]: e?.ci95[0] ?? null,
        [`${name}_hi`]: e?.ci95[1] ?? null,
      };
    };
    const embedding = r.summary.settings.embedding_model;
    return {
      ...runOf(r),
      ...part("rouge1", "rouge1"),
      ...part("rouge2", "rouge2"),
      ...part("rougeL", "rougeL"),
      ...part("semantic", "embedding_cosine"),
      semantic_model: typeof embedding === "string" ? embedding : null,
      ci_method: methodOf(estimate(m.rouge1), "t"),
    } as SummarizationRow;
  });
}

/** One check of one realistic run: pass rate with its interval (`check: "mean score"` for the run's mean). */
export interface RealisticRow extends RunOf {
  check: string;
  /** Samples the check applied to. */
  check_n: number;
  value: number | null;
  lo: number | null;
  hi: number | null;
  ci_method: string;
}

/** The realistic banking cases table: each check's pass rate, then the mean score. */
export function realisticRows(results: Pick<ResultSet, "eval">): RealisticRow[] {
  return latestOf(results, "realistic").flatMap((r) => {
    const m = r.summary.metrics as Record<string, unknown>;
    const checks = (m.checks ?? {}) as Record<string, { n?: number; pass_rate?: unknown }>;
    const rows: RealisticRow[] = Object.entries(checks).sort(([a], [b]) => a < b ? -1 : 1).map((
      [check, c],
    ) => {
      const e = estimate(c?.pass_rate);
      return {
        ...runOf(r),
        check,
        check_n: typeof c?.n === "number" ? c.n : 0,
        value: e?.value ?? null,
        lo: e?.ci95[0] ?? null,
        hi: e?.ci95[1] ?? null,
        ci_method: methodOf(e, "wilson"),
      };
    });
    const mean = estimate(m.mean_score);
    if (mean) {
      rows.push({
        ...runOf(r),
        check: "mean score",
        check_n: r.summary.metrics.n,
        value: mean.value,
        lo: mean.ci95[0],
        hi: mean.ci95[1],
        ci_method: methodOf(mean, "t"),
      });
    }
    return rows;
  });
}

/** One subject of one MMLU run: accuracy with its Wilson interval. */
export interface SubjectRow extends RunOf {
  task: string;
  subject: string;
  subject_n: number;
  accuracy: number | null;
  accuracy_lo: number | null;
  accuracy_hi: number | null;
  ci_method: string;
}

/** MMLU accuracy per subject (the summary's groups), then overall. */
export function mmluSubjectRows(results: Pick<ResultSet, "eval">): SubjectRow[] {
  return latestOf(results, "mmlu_mini").flatMap((r) => {
    const groups = Object.entries(r.summary.groups ?? {}).sort(([a], [b]) => a < b ? -1 : 1);
    const row = (subject: string, n: number, e: Estimate | null): SubjectRow => ({
      ...runOf(r),
      task: r.summary.task,
      subject,
      subject_n: n,
      accuracy: e?.value ?? null,
      accuracy_lo: e?.ci95[0] ?? null,
      accuracy_hi: e?.ci95[1] ?? null,
      ci_method: methodOf(e, "wilson"),
    });
    return [
      ...groups.map(([g, v]) => row(g, v.n, estimate(v.accuracy))),
      row("overall", r.summary.metrics.n, estimate(r.summary.metrics.accuracy)),
    ];
  });
}

/** Invalid answers of one run by cause (failed requests are their own row). */
export interface InvalidCauseRow extends RunOf {
  task: string;
  cause: string;
  count: number | null;
  /** count ÷ n. */
  rate: number | null;
  /** Where the cause came from: the summary, the records, or neither (`invalid_rate` only). */
  source: "summary" | "records" | "none";
}

/** Causes from a summary's metrics (any object-valued key naming causes), or null. */
function summaryCauses(
  metrics: Record<string, unknown>,
): [string, number | null, number | null][] | null {
  // `invalid_reasons` (lib/eval's summaries); any other key naming causes (older or other writers).
  const key = "invalid_reasons" in metrics
    ? "invalid_reasons"
    : Object.keys(metrics).find((k) =>
      /cause/i.test(k) && metrics[k] !== null && typeof metrics[k] === "object"
    );
  if (!key) return null;
  return Object.entries(metrics[key] as Record<string, unknown>).filter(([cause, v]) =>
    // Failed requests are their own row ("request failed"); empty causes are left out.
    cause !== "error" && !((v as { count?: number })?.count === 0 || v === 0)
  ).map(([cause, v]) => {
    if (typeof v === "number") return Number.isInteger(v) ? [cause, v, null] : [cause, null, v];
    const o = (v ?? {}) as Record<string, unknown>;
    const count = [o.count, o.n].find((x) => typeof x === "number") as number | undefined;
    const rate = [o.rate, o.value, o.share].find((x) => typeof x === "number") as
      | number
      | undefined;
    return [cause, count ?? null, rate ?? null];
  });
}

/** Invalid answers by cause for the latest run of every model and task with any invalid or failed answer. */
export function invalidCauseRows(results: Pick<ResultSet, "eval">): InvalidCauseRow[] {
  return latestEvalRuns(results.eval).flatMap(({ run }) => {
    const m = run.summary.metrics;
    const n = m.n;
    const base = { ...runOf(run), task: run.summary.task };
    const rows: InvalidCauseRow[] = [];
    const fromSummary = summaryCauses(m as Record<string, unknown>);
    if (fromSummary) {
      for (const [cause, count, rate] of fromSummary) {
        rows.push({
          ...base,
          cause,
          count: count ?? (rate !== null ? Math.round(rate * n) : null),
          rate: rate ?? (count !== null && n ? count / n : null),
          source: "summary",
        });
      }
    } else if (run.invalid_causes) {
      for (const [cause, count] of Object.entries(run.invalid_causes).sort()) {
        rows.push({ ...base, cause, count, rate: n ? count / n : null, source: "records" });
      }
    } else if (m.invalid > 0) {
      rows.push({
        ...base,
        cause: "invalid (cause not recorded)",
        count: m.invalid,
        rate: m.invalid_rate,
        source: "none",
      });
    }
    if (m.errors > 0) {
      rows.push({
        ...base,
        cause: "request failed",
        count: m.errors,
        rate: m.error_rate,
        source: "summary",
      });
    }
    return rows;
  });
}
