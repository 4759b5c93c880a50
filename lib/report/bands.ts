/** Interpretation bands (configs/bands.yaml): good / middle / bad beside a value. @module */
import { join } from "node:path";
import { z } from "zod";
import { loadYamlFile, parseWithSchema, PROJECT_ROOT } from "../config/mod.ts";

/** Where the bands live by default: `configs/bands.yaml`. */
export const DEFAULT_BANDS_PATH: string = join(PROJECT_ROOT, "configs", "bands.yaml");

const BAND_FIELDS = {
  label: z.string().min(1),
  unit: z.string(),
  higher_is_better: z.boolean(),
  good: z.number(),
  bad: z.number(),
  /** Names of the three bands, best first. */
  labels: z.tuple([z.string().min(1), z.string().min(1), z.string().min(1)]),
};

const ordered = {
  check: (b: { higher_is_better: boolean; good: number; bad: number }) =>
    b.higher_is_better ? b.good >= b.bad : b.good <= b.bad,
  message: {
    message: "must be beyond bad in the better direction (higher_is_better says which way)",
    path: ["good"],
  },
};

/** One metric's thresholds: strictly beyond `good` is good, strictly beyond `bad` is bad. */
export const BandSchema = z.object(BAND_FIELDS).strict().refine(ordered.check, ordered.message);

/** A capability band: which task and metric it judges (`task: "*"` matches every task). */
export const CapabilityBandSchema = z.object({
  task: z.string().min(1),
  metric: z.enum(["accuracy", "macro_f1"]),
  ...BAND_FIELDS,
}).strict().refine(ordered.check, ordered.message);

/** configs/bands.yaml */
export const BandsFileSchema = z.object({
  version: z.literal(1),
  performance: z.object({
    ttft_ms: BandSchema,
    output_tokens_per_s: BandSchema,
    peak_ram_gib: BandSchema,
  }).strict(),
  /**
   * Performance bands of one scenario that replace the defaults above (e.g. summarization's TTFT
   * is a long prefill, not an interactive reply). @default none: every scenario uses the defaults
   */
  scenarios: z.record(
    z.string().min(1),
    z.object({
      ttft_ms: BandSchema.optional(),
      output_tokens_per_s: BandSchema.optional(),
      peak_ram_gib: BandSchema.optional(),
    }).strict(),
  ).default({}),
  capability: z.array(CapabilityBandSchema),
  efficiency: z.object({
    quality_task: z.string().min(1),
    quality_metric: z.enum(["accuracy", "macro_f1"]),
    speed_scenario: z.string().min(1).nullable(),
  }).strict(),
}).strict();

/** One metric's band thresholds. */
export type Band = z.output<typeof BandSchema>;
/** A capability band. */
export type CapabilityBand = z.output<typeof CapabilityBandSchema>;
/** The parsed bands file. */
export type Bands = z.output<typeof BandsFileSchema>;
/** Where a value falls: 0 best, 1 middle, 2 worst. */
export type BandLevel = 0 | 1 | 2;
/** A value's band: its level and the band's name from the config. */
export interface BandVerdict {
  level: BandLevel;
  label: string;
}

/** Read and check configs/bands.yaml (or another bands file); errors are ConfigErrors. */
export async function loadBands(path: string = DEFAULT_BANDS_PATH): Promise<Bands> {
  return await loadYamlFile(path, BandsFileSchema);
}

/** Parse decoded YAML data as a bands file. */
export function parseBands(data: unknown, file: string): Bands {
  return parseWithSchema(data, BandsFileSchema, file);
}

/**
 * The band of `value` (in the band's unit): strictly better than `good` is level 0, strictly
 * worse than `bad` is level 2, anything else (boundaries included) level 1; null for null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bandOf } from "./bands.ts";
 * const ttft = { label: "TTFT", unit: "ms", higher_is_better: false, good: 300, bad: 600,
 *   labels: ["good", "medium", "bad"] as [string, string, string] };
 * assert.deepEqual([250, 300, 600, 601].map((v) => bandOf(v, ttft)?.label),
 *   ["good", "medium", "medium", "bad"]);
 * ```
 */
export function bandOf(value: number | null | undefined, band: Band): BandVerdict | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const better = (a: number, b: number) => band.higher_is_better ? a > b : a < b;
  const level: BandLevel = better(value, band.good) ? 0 : better(band.bad, value) ? 2 : 1;
  return { level, label: band.labels[level] };
}

/** The band a scenario's performance metric is judged by: its own entry, else the default. */
export function performanceBand(
  bands: Bands,
  scenario: string,
  metric: keyof Bands["performance"],
): Band {
  return bands.scenarios[scenario]?.[metric] ?? bands.performance[metric];
}

/** The capability band for a task's metric: an exact task entry first, then `task: "*"`. */
export function capabilityBand(
  bands: Bands,
  task: string,
  metric: "accuracy" | "macro_f1",
): CapabilityBand | null {
  return bands.capability.find((b) => b.task === task && b.metric === metric) ??
    bands.capability.find((b) => b.task === "*" && b.metric === metric) ?? null;
}

/** The bands as table rows (for the report's legend of bands). */
export function bandRows(
  bands: Bands,
): { metric: string; scope: string; unit: string; good: string; middle: string; bad: string }[] {
  const row = (b: Band, scope: string) => {
    const [g, m, w] = b.labels;
    const hi = b.higher_is_better;
    return {
      metric: b.label,
      scope,
      unit: b.unit,
      good: `${g}: ${hi ? ">" : "<"} ${b.good}`,
      middle: `${m}: ${Math.min(b.good, b.bad)}–${Math.max(b.good, b.bad)}`,
      bad: `${w}: ${hi ? "<" : ">"} ${b.bad}`,
    };
  };
  const scenarios = Object.keys(bands.scenarios);
  return [
    ...Object.values(bands.performance).map((b) =>
      row(b, scenarios.length ? "every other scenario" : "every scenario")
    ),
    ...Object.entries(bands.scenarios).flatMap(([scenario, over]) =>
      Object.values(over).filter((b): b is Band => b !== undefined).map((b) => row(b, scenario))
    ),
    ...bands.capability.map((b) => row(b, b.task === "*" ? "every task" : b.task)),
  ];
}
