/** The shapes of the viewer's index of a results folder. @module */
import type { LoadWarning, ResultSet } from "../report/mod.ts";
import type { EvalSummary, Manifest, RunEntry } from "../results/mod.ts";

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
