/**
 * The size of a rounds run, apart from the rounds machinery (the progress display needs it without
 * loading the evals and their figures).
 * @module
 */
import type { PreparedRounds } from "./session.ts";

/**
 * Items of work a rounds run plans: perf requests (warm-ups included) of every round's scenarios,
 * plus the quality subset's samples per round (the progress total).
 */
export function roundsWork(prepared: PreparedRounds): number {
  const { plan } = prepared;
  const perRound = plan.experiment.warmup + plan.experiment.runs;
  const rounds = new Set(plan.units.map((u) => u.round)).size;
  return plan.units.length * perRound +
    (prepared.quality ? rounds * prepared.quality.sample_size : 0);
}
