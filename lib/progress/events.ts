/**
 * Adapters from each long run's own events (perf, eval, compliance, rounds, sweeps, report
 * loading) to a {@linkcode ProgressTracker}: counts, totals and the running figure (TTFT median
 * so far, accuracy so far, failure rate so far). Renderers (the CLI's bar and log lines, JSON
 * lines, the notebook display) read the tracker's snapshots.
 * @module
 */
import type { ComplianceEvent } from "../compliance/mod.ts";
import type { EvalEvent } from "../eval/mod.ts";
import type { PerfEvent, PerfUnit } from "../perf/mod.ts";
import type { LoadEvent } from "../report/mod.ts";
import type { PreparedRounds, RoundsEvent, SweepEvent } from "../rounds/mod.ts";
import { roundsWork } from "../rounds/_work.ts";
import { type ProgressFigure, ProgressTracker } from "./tracker.ts";

/** What an event did to the progress: a step began, advanced, or ended. */
export type ProgressChange = "start" | "tick" | "end";

/** A tracker fed by one kind of event. */
export interface EventProgress<E> {
  readonly tracker: ProgressTracker;
  /** Feed one event; returns what it changed, or null for an event that is not progress. */
  update(event: E): ProgressChange | null;
}

/** Options of the progress adapters. */
export interface EventProgressOptions {
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

/** Perf requests of a plan: its units and requests per unit (warm-ups included). */
interface PerfShape {
  units: PerfUnit[];
  experiment: { runs: number; warmup: number };
}

const keyOf = (u: PerfUnit) => `${u.round ?? ""}|${u.modelKey}|${u.scenario}`;

/** Perf events into a tracker (shared by perf, rounds and sweeps). */
class PerfCounter {
  #ttfts: number[] = [];
  #started = new Set<string>();
  #shape: PerfShape | null;

  constructor(readonly tracker: ProgressTracker, shape: PerfShape | null) {
    this.#shape = shape;
  }

  #perUnit(): number {
    return this.#shape ? this.#shape.experiment.runs + this.#shape.experiment.warmup : 0;
  }

  #drop(items: number): void {
    const t = this.tracker.runTotal;
    if (t !== null && items > 0) this.tracker.setRunTotal(t - items);
  }

  update(e: PerfEvent): ProgressChange | null {
    const t = this.tracker;
    switch (e.type) {
      case "unit_start": {
        this.#started.add(keyOf(e.unit));
        this.#ttfts = [];
        const label = `${
          e.unit.round ? `${e.unit.round}/` : ""
        }${e.unit.modelKey}/${e.unit.scenario}`;
        t.begin(label, e.planned, e.alreadyDone);
        if (e.alreadyDone >= e.planned) {
          t.end();
          return "end";
        }
        return "start";
      }
      case "request_done": {
        const r = e.record;
        if (!r.warmup && r.error === null && r.ttft_ms !== null) this.#ttfts.push(r.ttft_ms);
        const m = median(this.#ttfts);
        t.setFigure({
          name: "ttft_median_ms",
          value: m,
          text: m === null ? "TTFT median –" : `TTFT median ${m.toFixed(1)} ms`,
        });
        t.advance(e.done);
        return e.done >= e.planned ? "end" : "tick";
      }
      case "unit_done":
        t.end();
        return "end";
      case "unit_aborted": {
        const s = t.snapshot();
        this.#drop(s.total - s.done);
        t.end();
        return "end";
      }
      case "unit_refused":
        this.#started.add(keyOf(e.unit));
        this.#drop(this.#perUnit());
        return null;
      case "model_failed": {
        // Every unit of this model (in this round) that has not started will not run.
        const left = (this.#shape?.units ?? []).filter((u) =>
          u.modelKey === e.modelKey && (u.round ?? undefined) === (e.round ?? undefined) &&
          !this.#started.has(keyOf(u))
        );
        for (const u of left) this.#started.add(keyOf(u));
        this.#drop(left.length * this.#perUnit());
        return null;
      }
      default:
        return null;
    }
  }
}

/** Progress of a perf run; with the plan, the run's total is known from the start. */
export function perfProgress(
  plan?: PerfShape | null,
  options: EventProgressOptions = {},
): EventProgress<PerfEvent> {
  const tracker = new ProgressTracker("perf", "request", {
    runTotal: plan ? plan.units.length * (plan.experiment.runs + plan.experiment.warmup) : null,
    now: options.now,
  });
  const counter = new PerfCounter(tracker, plan ?? null);
  return { tracker, update: (e) => counter.update(e) };
}

/** Eval events into a tracker (shared by eval and the rounds' quality subset). */
class EvalCounter {
  #scores: number[] = [];

  constructor(readonly tracker: ProgressTracker, readonly label: string) {}

  update(e: EvalEvent): ProgressChange | null {
    const t = this.tracker;
    if (e.type === "start") {
      this.#scores = [];
      t.begin(this.label, e.planned, e.alreadyDone);
      if (e.alreadyDone >= e.planned) {
        t.end();
        return "end";
      }
      return "start";
    }
    if (e.type === "sample_done") {
      let figure: ProgressFigure | null = null;
      if (e.runningAccuracy !== null) {
        figure = {
          name: "accuracy",
          value: e.runningAccuracy,
          text: `accuracy ${pct(e.runningAccuracy)}`,
        };
      } else {
        if (e.record.score !== null) this.#scores.push(e.record.score);
        const mean = this.#scores.length
          ? this.#scores.reduce((a, b) => a + b, 0) / this.#scores.length
          : null;
        figure = {
          name: "mean_score",
          value: mean,
          text: mean === null ? "mean score –" : `mean score ${mean.toFixed(3)}`,
        };
      }
      t.setFigure(figure);
      t.advance(e.done);
      return e.done >= e.planned ? "end" : "tick";
    }
    t.end();
    return "end";
  }
}

/** What {@linkcode evalProgress} reads from a prepared eval (`prepareEval()`'s result). */
export interface EvalProgressSource {
  plan: { task: string; modelKey: string };
  task?: { samples: readonly unknown[] };
}

/** Progress of an eval run: `<task>/<model>`, accuracy so far (mean score for scored tasks). */
export function evalProgress(
  prepared?: EvalProgressSource | null,
  options: EventProgressOptions = {},
): EventProgress<EvalEvent> {
  const tracker = new ProgressTracker("eval", "sample", {
    runTotal: prepared?.task?.samples.length ?? null,
    now: options.now,
  });
  const label = prepared ? `${prepared.plan.task}/${prepared.plan.modelKey}` : "eval";
  const counter = new EvalCounter(tracker, label);
  return { tracker, update: (e) => counter.update(e) };
}

/** Progress of a compliance run: per model, the probes and the failure rate so far. */
export function complianceProgress(
  plan?: { modelKeys: readonly string[]; probes: readonly unknown[] } | null,
  options: EventProgressOptions = {},
): EventProgress<ComplianceEvent> {
  const perModel = plan?.probes.length ?? 0;
  const tracker = new ProgressTracker("compliance", "probe", {
    runTotal: plan ? plan.modelKeys.length * perModel : null,
    now: options.now,
  });
  let failed = 0;
  let answered = 0;
  const update = (e: ComplianceEvent): ProgressChange | null => {
    switch (e.type) {
      case "model_probes":
        failed = 0;
        answered = 0;
        tracker.begin(e.modelKey, e.planned, e.alreadyDone);
        return e.alreadyDone >= e.planned ? "end" : "start";
      case "probe_done": {
        if (e.record.error === null) {
          answered++;
          if (e.record.failed) failed++;
        }
        tracker.setFigure({
          name: "failure_rate",
          value: answered ? failed / answered : null,
          text: answered
            ? `failure rate ${pct(failed / answered)} (${failed}/${answered})`
            : "failure rate –",
        });
        tracker.advance(e.done);
        return e.done >= e.planned ? "end" : "tick";
      }
      case "model_done":
        tracker.end();
        return "end";
      case "model_aborted": {
        // Stopped by failures, the model's other probes are not made now (after Ctrl-C, the
        // run's total stands: the rest is for --resume).
        const s = tracker.snapshot();
        if (s.runTotal !== null && e.reason !== "interrupted") {
          tracker.setRunTotal(s.runTotal - (s.total - s.done));
        }
        tracker.end();
        return "end";
      }
      case "model_failed":
        if (tracker.runTotal !== null) tracker.setRunTotal(tracker.runTotal - perModel);
        return null;
      default:
        return null;
    }
  };
  return { tracker, update };
}

/** Rounds events into a tracker: the rounds' perf requests and quality samples. */
class RoundsCounter {
  readonly perf: PerfCounter;
  #quality = new Map<string, EvalCounter>();
  #sampleSize: number;
  #perRound: Map<string, number>;

  constructor(readonly tracker: ProgressTracker, prepared: PreparedRounds | null) {
    this.perf = new PerfCounter(tracker, prepared?.plan ?? null);
    this.#sampleSize = prepared?.quality?.sample_size ?? 0;
    const perUnit = prepared ? prepared.plan.experiment.runs + prepared.plan.experiment.warmup : 0;
    this.#perRound = new Map();
    for (const u of prepared?.plan.units ?? []) {
      this.#perRound.set(u.round!, (this.#perRound.get(u.round!) ?? 0) + perUnit);
    }
  }

  update(e: RoundsEvent): ProgressChange | null {
    if (e.type === "perf") return this.perf.update(e.event);
    if (e.type === "quality") {
      let c = this.#quality.get(e.id);
      if (!c) this.#quality.set(e.id, c = new EvalCounter(this.tracker, `${e.id}/quality`));
      if (e.event.type === "start" && this.tracker.runTotal !== null) {
        // The subset may hold fewer samples than asked for.
        this.tracker.setRunTotal(this.tracker.runTotal + e.event.planned - this.#sampleSize);
      }
      return c.update(e.event);
    }
    if (e.type === "round_failed" && this.tracker.runTotal !== null) {
      const work = (this.#perRound.get(e.id) ?? 0) + this.#sampleSize;
      this.tracker.setRunTotal(this.tracker.runTotal - work);
    }
    return null;
  }
}

/** Progress of a rounds run (`prepareRounds()`'s result gives the total from the start). */
export function roundsProgress(
  prepared?: PreparedRounds | null,
  options: EventProgressOptions = {},
): EventProgress<RoundsEvent> {
  const work = prepared ? roundsWork(prepared) : null;
  const tracker = new ProgressTracker("rounds", "request", { runTotal: work, now: options.now });
  const counter = new RoundsCounter(tracker, prepared ?? null);
  return { tracker, update: (e) => counter.update(e) };
}

/** Progress of a precision-vs-size sweep over `models` variants. */
export function sweepProgress(
  models: number,
  options: EventProgressOptions = {},
): EventProgress<SweepEvent> {
  const tracker = new ProgressTracker("sweep", "request", { now: options.now });
  let counter = new RoundsCounter(tracker, null);
  const update = (e: SweepEvent): ProgressChange | null => {
    if (e.type === "sweep_model") {
      // Variants not started yet are assumed to be as large as this one.
      tracker.setRunTotal(tracker.snapshot().runDone + e.planned * (models - e.index));
      counter = new RoundsCounter(tracker, null);
      return null;
    }
    return counter.update(e);
  };
  return { tracker, update };
}

/** Progress of loading a results folder (`loadResults()`), by bytes read. */
export function loadProgress(options: EventProgressOptions = {}): EventProgress<LoadEvent> {
  const tracker = new ProgressTracker("report", "byte", { now: options.now });
  let records = 0;
  const update = (e: LoadEvent): ProgressChange | null => {
    if (e.type === "load_start") {
      tracker.setRunTotal(e.bytes);
      tracker.begin(`loading ${e.files} file(s)`, e.bytes);
      return "start";
    }
    records += e.records;
    tracker.setFigure({
      name: "records",
      value: records,
      text: `files ${e.done}/${e.files}, ${records} record(s)`,
    });
    tracker.advance(e.bytesDone);
    if (e.done >= e.files) {
      tracker.end();
      return "end";
    }
    return "tick";
  };
  return { tracker, update };
}
