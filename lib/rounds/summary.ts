import { join } from "node:path";
import {
  EvalRecordSchema,
  fileSafe,
  fileStamp,
  PerfRecordSchema,
  readJsonl,
  type RunEntry,
} from "../results/mod.ts";
import {
  type DifferenceCi,
  meanCi,
  proportionDifferenceCi,
  welchDifferenceCi,
  wilsonCi,
} from "../stats/mod.ts";
import type { PreparedRounds } from "./session.ts";

/** A mean with its 95 % interval and n. */
export interface MeanEstimate {
  value: number | null;
  ci95: [number, number] | null;
  n: number;
}

/** One round × scenario: means and the change against baseline. */
export interface RoundScenarioRow {
  round: string;
  scenario: string;
  n: number;
  success_rate: number | null;
  ttft_ms: MeanEstimate;
  output_tokens_per_s: MeanEstimate;
  peak_rss_bytes: MeanEstimate;
  draft_acceptance_rate: number | null;
  /** Round − baseline (null for the baseline itself). */
  vs_baseline: {
    ttft_ms: DifferenceCi;
    output_tokens_per_s: DifferenceCi;
    peak_rss_bytes: DifferenceCi;
  } | null;
}

/** One round's quality on the fixed eval subset. */
export interface RoundQualityRow {
  round: string;
  task: string;
  accuracy: { value: number | null; ci95: [number, number] | null; n: number };
  vs_baseline: DifferenceCi | null;
}

/** `rounds_<model>_<stamp>.json`: every round, applied settings, effects against baseline. */
export interface RoundsSummary {
  schema_version: 1;
  kind: "rounds_summary";
  run_id: string;
  config_hash: string;
  model_key: string;
  model_id: string;
  backend: string;
  format: string;
  quantization: string;
  rounds: {
    id: string;
    description: string;
    status: "run" | "skipped" | "failed" | "pending";
    reason: string | null;
    requested_settings: Record<string, unknown>;
    applied_settings: Record<string, unknown> | null;
  }[];
  performance: RoundScenarioRow[];
  quality: RoundQualityRow[];
}

const mean = (xs: number[]): MeanEstimate => {
  const m = meanCi(xs);
  return { value: m.mean, ci95: m.ci95, n: xs.length };
};

/** Read the run's records and compare every round with the baseline. */
export async function buildRoundsSummary(
  prepared: PreparedRounds,
  run: RunEntry,
): Promise<RoundsSummary> {
  const { plan, modelKey } = prepared;
  const model = plan.models[modelKey];
  const applied = (run.plan.applied ?? {}) as Record<string, Record<string, unknown>>;
  const failed = (run.plan.failed ?? {}) as Record<string, string>;
  const perfByRound = new Map<
    string,
    Map<
      string,
      { ttft: number[]; tps: number[]; rss: number[]; n: number; ok: number; drafts: number[] }
    >
  >();
  for (const [key, file] of Object.entries(run.files)) {
    if (key.endsWith("/quality")) continue;
    const { records } = await readJsonl(join(plan.resultsDir, file), PerfRecordSchema).catch(
      () => ({ records: [] }),
    );
    for (const r of records) {
      if (r.run_id !== plan.runId || r.warmup || r.round_id === null) continue;
      const byScenario = perfByRound.get(r.round_id) ?? new Map();
      perfByRound.set(r.round_id, byScenario);
      const cell = byScenario.get(r.scenario) ??
        { ttft: [], tps: [], rss: [], n: 0, ok: 0, drafts: [] };
      byScenario.set(r.scenario, cell);
      cell.n++;
      if (r.error !== null) continue;
      cell.ok++;
      if (r.ttft_ms !== null) cell.ttft.push(r.ttft_ms);
      if (r.output_tokens_per_s !== null) cell.tps.push(r.output_tokens_per_s);
      if (r.peak_rss_bytes !== null) cell.rss.push(r.peak_rss_bytes);
      if (r.draft_acceptance_rate !== null) cell.drafts.push(r.draft_acceptance_rate);
    }
  }
  const performance: RoundScenarioRow[] = [];
  const base = perfByRound.get("baseline");
  for (const entry of prepared.entries) {
    for (const [scenario, c] of perfByRound.get(entry.id) ?? []) {
      const b = base?.get(scenario);
      performance.push({
        round: entry.id,
        scenario,
        n: c.n,
        success_rate: c.n ? c.ok / c.n : null,
        ttft_ms: mean(c.ttft),
        output_tokens_per_s: mean(c.tps),
        peak_rss_bytes: mean(c.rss),
        draft_acceptance_rate: c.drafts.length
          ? c.drafts.reduce((a, x) => a + x, 0) / c.drafts.length
          : null,
        vs_baseline: entry.id === "baseline" || !b ? null : {
          ttft_ms: welchDifferenceCi(b.ttft, c.ttft),
          output_tokens_per_s: welchDifferenceCi(b.tps, c.tps),
          peak_rss_bytes: welchDifferenceCi(b.rss, c.rss),
        },
      });
    }
  }
  const quality: RoundQualityRow[] = [];
  if (prepared.quality) {
    const counts = new Map<string, { successes: number; n: number }>();
    for (const entry of prepared.entries) {
      const file = run.files[`${entry.id}/quality`];
      if (!file) continue;
      const { records } = await readJsonl(join(plan.resultsDir, file), EvalRecordSchema).catch(
        () => ({ records: [] }),
      );
      const mine = records.filter((r) => r.run_id === `${plan.runId}:${entry.id}`);
      const latest = new Map(mine.map((r) => [r.sample_id, r]));
      const rows = [...latest.values()];
      counts.set(entry.id, {
        successes: rows.filter((r) => r.correct === true).length,
        n: rows.length,
      });
    }
    for (const [id, c] of counts) {
      const w = wilsonCi(c.successes, c.n);
      const b = counts.get("baseline");
      quality.push({
        round: id,
        task: prepared.quality.task,
        accuracy: { value: w.value, ci95: w.ci95, n: c.n },
        vs_baseline: id === "baseline" || !b ? null : proportionDifferenceCi(b, c),
      });
    }
  }
  return {
    schema_version: 1,
    kind: "rounds_summary",
    run_id: plan.runId,
    config_hash: plan.configHash,
    model_key: modelKey,
    model_id: model.model_id,
    backend: model.backend,
    format: model.format,
    quantization: model.quantization,
    rounds: prepared.entries.map((e) => ({
      id: e.id,
      description: e.round.description,
      status: e.status === "skipped"
        ? "skipped"
        : failed[e.id]
        ? "failed"
        : applied[e.id]
        ? "run"
        : "pending",
      reason: e.reason ?? failed[e.id] ?? null,
      requested_settings: e.round.settings,
      applied_settings: applied[e.id] ?? null,
    })),
    performance,
    quality,
  };
}

/** Write `rounds_<model>_<stamp>.json` (stamp of the run's start; rewritten on resume). */
export async function writeRoundsSummary(dir: string, summary: RoundsSummary): Promise<string> {
  const stamp = summary.run_id.match(/(\d{8}_\d{6})/)?.[1] ?? fileStamp(new Date());
  const path = join(dir, `rounds_${fileSafe(summary.model_key)}_${stamp}.json`);
  await Deno.writeTextFile(path, JSON.stringify(summary, null, 2) + "\n");
  return path;
}
