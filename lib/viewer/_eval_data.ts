/** A capability run's records as the eval pages use them, and the filters over them. @module */
import { latestPerSample } from "../eval/mod.ts";
import type { EvalRecord } from "../results/mod.ts";
import type { RecordFiles, ViewerEvalRecord } from "./_files.ts";
import { type EvalSource, type ResultsIndex, type RunInfo, warningsFor } from "./_index.ts";

/** A capability run with its latest record per sample. */
export interface EvalRunData {
  run: RunInfo;
  source: EvalSource;
  /** The latest record of each sample, ordered by sample id. */
  records: ViewerEvalRecord[];
  /** Every record of the run in file order (earlier attempts included). */
  attempts: ViewerEvalRecord[];
  /** Line of each record in the records file. */
  lineOf: Map<ViewerEvalRecord, number>;
  warnings: { file: string; line: number | null; message: string }[];
}

/** Read a capability run's records (null when the id is not a capability run). */
export async function loadEvalRun(
  index: ResultsIndex,
  files: RecordFiles,
  runId: string,
): Promise<EvalRunData | null> {
  const run = index.byId.get(runId);
  const source = index.eval.get(runId);
  if (!run || !source) return null;
  let content;
  try {
    content = await files.eval(source.records_file);
  } catch (error) {
    const message = `records file cannot be read (${
      error instanceof Error ? error.message : error
    })`;
    content = {
      records: [],
      lines: [],
      warnings: [{ file: source.records_file, line: 0, message }],
    };
  }
  const lineOf = new Map<ViewerEvalRecord, number>();
  const attempts: ViewerEvalRecord[] = [];
  content.records.forEach((r, i) => {
    if (r.run_id !== runId) return;
    attempts.push(r);
    lineOf.set(r, content.lines[i]);
  });
  const records = latestPerSample(attempts as EvalRecord[]) as ViewerEvalRecord[];
  const unreadable = content.warnings.filter((w) => w.line === 0).map((w) => ({
    ...w,
    line: null,
  }));
  return {
    run,
    source,
    records,
    attempts,
    lineOf,
    warnings: [...unreadable, ...warningsFor(index, run.files)],
  };
}

const CAUSE_KEYS = ["invalid_cause", "invalid_reason"];

/**
 * Why an answer is invalid, where the record says so (a newer field: `invalid_cause` on the record
 * or in `details`); null when it does not.
 */
export function invalidCause(record: ViewerEvalRecord): string | null {
  const rec = record as Record<string, unknown>;
  for (const k of CAUSE_KEYS) {
    if (typeof rec[k] === "string" && rec[k]) return rec[k] as string;
    if (typeof record.details[k] === "string" && record.details[k]) {
      return record.details[k] as string;
    }
  }
  return null;
}

/** What a sample's outcome is: correct, wrong (a valid but wrong answer), invalid, error, scored. */
export function outcomeOf(
  r: ViewerEvalRecord,
): "correct" | "wrong" | "invalid" | "error" | "scored" {
  if (r.error !== null) return "error";
  if (!r.valid) return "invalid";
  if (r.correct === true) return "correct";
  if (r.correct === false) return "wrong";
  return "scored";
}

/** The sample filters of the eval page (URL query parameters). */
export interface SampleFilter {
  /** all | wrong (not correct: wrong, invalid or failed) | invalid | error | correct */
  show: string;
  /** Reference or extracted label equals this. */
  label: string;
  /** Reference equals this. */
  ref: string;
  /** Extracted label equals this (`(invalid)` for invalid answers). */
  pred: string;
  /** Text in the sample id, prompt, answer, label or reference (case-insensitive). */
  q: string;
}

/** The invalid column's name in filters and the confusion matrix. */
export const INVALID = "(invalid)";

/** Read the filter from a URL's query. */
export function sampleFilter(params: URLSearchParams): SampleFilter {
  return {
    show: params.get("show") ?? "all",
    label: params.get("label") ?? "",
    ref: params.get("ref") ?? "",
    pred: params.get("pred") ?? "",
    q: params.get("q") ?? "",
  };
}

/** The filter as query parameters (empty ones left out). */
export function filterQuery(f: SampleFilter): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.show !== "all") out.show = f.show;
  for (const k of ["label", "ref", "pred", "q"] as const) if (f[k]) out[k] = f[k];
  return out;
}

/** Whether a record passes the outcome part of a filter. */
export function showMatches(show: string, r: ViewerEvalRecord): boolean {
  const o = outcomeOf(r);
  switch (show) {
    case "wrong":
      return r.correct !== true && o !== "scored";
    case "invalid":
      return o === "invalid";
    case "error":
      return o === "error";
    case "correct":
      return o === "correct";
    default:
      return true;
  }
}

/** The records passing a filter. */
export function applyFilter(
  records: readonly ViewerEvalRecord[],
  f: SampleFilter,
): ViewerEvalRecord[] {
  const q = f.q.trim().toLowerCase();
  return records.filter((r) => {
    if (!showMatches(f.show, r)) return false;
    if (f.label && r.reference !== f.label && r.prediction !== f.label) return false;
    if (f.ref && r.reference !== f.ref) return false;
    if (f.pred) {
      const predicted = r.error === null ? r.prediction : null;
      if (f.pred === INVALID ? predicted !== null : predicted !== f.pred) return false;
    }
    if (q) {
      const hay = `${r.sample_id}\n${r.prompt}\n${r.raw_output}\n${
        r.prediction ?? ""
      }\n${r.reference}`
        .toLowerCase();
      if (!hay.includes(q)) return false;
    }
    return true;
  });
}
