/** Progress events as JSON lines (`--progress json`): the event itself plus a snapshot. @module */
import type { ProgressSnapshot } from "./tracker.ts";

/** The `progress` part of a JSON line (times in seconds, rates per second). */
export interface ProgressJson {
  label: string;
  done: number;
  total: number;
  run_done: number;
  run_total: number | null;
  unit: string;
  elapsed_s: number;
  rate_per_s: number | null;
  eta_s: number | null;
  figure: { name: string; value: number | null; text: string } | null;
}

/** A snapshot in the JSON line's shape. */
export function progressJson(s: ProgressSnapshot): ProgressJson {
  const r3 = (x: number | null) => x === null ? null : Math.round(x * 1000) / 1000;
  return {
    label: s.label,
    done: s.done,
    total: s.total,
    run_done: s.runDone,
    run_total: s.runTotal,
    unit: s.unit,
    elapsed_s: r3(s.elapsedMs / 1000)!,
    rate_per_s: r3(s.ratePerS),
    eta_s: s.etaMs === null ? null : r3(s.etaMs / 1000),
    figure: s.figure,
  };
}

/**
 * An event made safe for JSON: errors become `{name, message}`, regular expressions their source,
 * and `records` arrays (already in the run's JSONL files) their count, as `record_count`.
 */
export function jsonSafeEvent(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof RegExp) return value.source;
  if (Array.isArray(value)) return value.map(jsonSafeEvent);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "records" && Array.isArray(v)) out.record_count = v.length;
    else out[k] = jsonSafeEvent(v);
  }
  return out;
}

/**
 * One JSON line (no newline): `{"command", "time", "event", "progress"}`, `progress` being where
 * the run is after the event (null where a command counts nothing, e.g. a setup step).
 */
export function progressJsonLine(
  command: string,
  event: unknown,
  snapshot: ProgressSnapshot | null,
  time: Date = new Date(),
): string {
  return JSON.stringify({
    command,
    time: time.toISOString(),
    event: jsonSafeEvent(event),
    progress: snapshot ? progressJson(snapshot) : null,
  });
}
