import { join } from "node:path";
import {
  EvalRecordSchema,
  fileSafe,
  fileStamp,
  PerfRecordSchema,
  readJsonl,
  type RunEntry,
} from "../results/mod.ts";
import { type AggregateThroughput, aggregateThroughput, type WindowRequest } from "../perf/mod.ts";
import {
  type CiMethod,
  type DifferenceCi,
  meanBootstrapCi,
  pairedCounts,
  type PairedProportionDifferenceCi,
  pairedProportionDifferenceCi,
  welchDifferenceCi,
  wilsonCi,
} from "../stats/mod.ts";
import type { PreparedRounds } from "./session.ts";

/** A mean with its 95 % interval (BCa bootstrap, inside [0, ∞)), its method and n. */
export interface MeanEstimate {
  value: number | null;
  ci95: [number, number] | null;
  ci_method: CiMethod;
  n: number;
}

/** One round × scenario: means and the change against baseline. */
export interface RoundScenarioRow {
  round: string;
  scenario: string;
  n: number;
  success_rate: number | null;
  ttft_ms: MeanEstimate;
  /** Per-request (per-stream) output tokens/s. */
  output_tokens_per_s: MeanEstimate;
  peak_rss_bytes: MeanEstimate;
  /** Requests in flight at once (`parallel` rounds: continuous batching); 1: sequential. */
  concurrency: number;
  /**
   * All output tokens ÷ wall time of each concurrent window: the throughput a batching round
   * delivers, where per-request tokens/s falls (null for records without window timing).
   */
  aggregate_output_tokens_per_s: AggregateThroughput | null;
  draft_acceptance_rate: number | null;
  /**
   * Round − baseline (null for the baseline itself). Repetitions of a round are independent of
   * the baseline's, so the means differ by Welch's interval.
   */
  vs_baseline: {
    ttft_ms: DifferenceCi;
    output_tokens_per_s: DifferenceCi;
    peak_rss_bytes: DifferenceCi;
    /** (round − baseline) / baseline of the aggregate throughput; null when either is missing. */
    aggregate_output_tokens_per_s_relative: number | null;
  } | null;
}

/** One round's quality on the fixed eval subset. */
export interface RoundQualityRow {
  round: string;
  task: string;
  accuracy: { value: number | null; ci95: [number, number] | null; ci_method: CiMethod; n: number };
  /**
   * Round − baseline accuracy on the samples both answered (the same subset: paired), with
   * Tango's interval and McNemar's test; null for the baseline itself.
   */
  vs_baseline: PairedProportionDifferenceCi | null;
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
  const m = meanBootstrapCi(xs, { range: [0, Infinity] });
  return { value: m.mean, ci95: m.ci95, ci_method: m.method, n: xs.length };
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
      {
        ttft: number[];
        tps: number[];
        rss: number[];
        n: number;
        ok: number;
        drafts: number[];
        concurrency: number;
        windows: WindowRequest[];
      }
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
        { ttft: [], tps: [], rss: [], n: 0, ok: 0, drafts: [], concurrency: 1, windows: [] };
      byScenario.set(r.scenario, cell);
      cell.n++;
      cell.concurrency = Math.max(cell.concurrency, r.concurrency);
      if (r.batch_window) {
        cell.windows.push({
          window: r.batch_window.id,
          size: r.batch_window.size,
          sent_ms: r.batch_window.sent_ms,
          end_ms: r.batch_window.end_ms,
          output_tokens: r.error === null ? r.output_tokens : 0,
        });
      }
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
      const aggregate = c.windows.length ? aggregateThroughput(c.windows) : null;
      const baseAggregate = b?.windows.length ? aggregateThroughput(b.windows).value : null;
      performance.push({
        round: entry.id,
        scenario,
        n: c.n,
        success_rate: c.n ? c.ok / c.n : null,
        ttft_ms: mean(c.ttft),
        output_tokens_per_s: mean(c.tps),
        peak_rss_bytes: mean(c.rss),
        concurrency: c.concurrency,
        aggregate_output_tokens_per_s: aggregate,
        draft_acceptance_rate: c.drafts.length
          ? c.drafts.reduce((a, x) => a + x, 0) / c.drafts.length
          : null,
        vs_baseline: entry.id === "baseline" || !b ? null : {
          ttft_ms: welchDifferenceCi(b.ttft, c.ttft),
          output_tokens_per_s: welchDifferenceCi(b.tps, c.tps),
          peak_rss_bytes: welchDifferenceCi(b.rss, c.rss),
          aggregate_output_tokens_per_s_relative:
            aggregate?.value != null && baseAggregate !== null && baseAggregate > 0
              ? (aggregate.value - baseAggregate) / baseAggregate
              : null,
        },
      });
    }
  }
  const quality: RoundQualityRow[] = [];
  if (prepared.quality) {
    const outcomes = new Map<string, Map<string, boolean>>();
    for (const entry of prepared.entries) {
      const file = run.files[`${entry.id}/quality`];
      if (!file) continue;
      const { records } = await readJsonl(join(plan.resultsDir, file), EvalRecordSchema).catch(
        () => ({ records: [] }),
      );
      const mine = records.filter((r) => r.run_id === `${plan.runId}:${entry.id}`);
      const latest = new Map(mine.map((r) => [r.sample_id, r.correct === true]));
      outcomes.set(entry.id, latest);
    }
    const baseline = outcomes.get("baseline");
    for (const [id, byId] of outcomes) {
      const w = wilsonCi([...byId.values()].filter(Boolean).length, byId.size);
      let vs: PairedProportionDifferenceCi | null = null;
      if (id !== "baseline" && baseline) {
        // The same eval subset in every round: compare on the samples both answered.
        const shared = [...byId.keys()].filter((s) => baseline.has(s));
        vs = pairedProportionDifferenceCi(
          pairedCounts(shared.map((s) => baseline.get(s)!), shared.map((s) => byId.get(s)!)),
        );
      }
      quality.push({
        round: id,
        task: prepared.quality.task,
        accuracy: { value: w.value, ci95: w.ci95, ci_method: w.method, n: byId.size },
        vs_baseline: vs,
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
