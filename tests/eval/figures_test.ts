import assert from "node:assert/strict";
import {
  confusionHeatmap,
  evalFrame,
  evalRows,
  exampleErrors,
  perClassF1Figure,
} from "../../lib/eval/mod.ts";
import { headlessDocument, svgString } from "../../lib/figures/mod.ts";
import type { EvalRecord, EvalSummary } from "../../lib/results/mod.ts";

const SUMMARY = {
  task: "banking77",
  model_key: "m",
  format: "GGUF",
  quantization: "Q4_K_M",
  complete: true,
  metrics: {
    n: 4,
    invalid_rate: 0.25,
    error_rate: 0,
    invalid: 1,
    errors: 0,
    accuracy: { value: 0.5, ci95: [0.15, 0.85] },
    macro_f1: { value: 0.4, ci95: [0.1, 0.7] },
  },
  latency_ms: {
    mean: { value: 100, ci95: [90, 110] },
    median: { value: 100, ci95: null },
    p90: { value: 120, ci95: null },
  },
} as unknown as EvalSummary;

Deno.test("evalRows() flattens scores and their interval bounds, and evalFrame() makes a Polars frame", () => {
  const rows = evalRows([SUMMARY]);
  assert.deepEqual(rows[0], {
    task: "banking77",
    model_key: "m",
    format: "GGUF",
    quantization: "Q4_K_M",
    n: 4,
    accuracy: 0.5,
    accuracy_lo: 0.15,
    accuracy_hi: 0.85,
    macro_f1: 0.4,
    macro_f1_lo: 0.1,
    macro_f1_hi: 0.7,
    mean_score: null,
    invalid_rate: 0.25,
    error_rate: 0,
    latency_mean_ms: 100,
    complete: true,
  });
  const frame = evalFrame(rows);
  assert.equal(frame.height, 1);
  assert.equal(frame.getColumn("accuracy_hi").get(0), 0.85);
});

Deno.test("exampleErrors() lists wrong samples in id order with shortened answers", () => {
  const base = { correct: false, error: null, prediction: null, reference: "a" };
  const records = [
    { ...base, sample_id: "s/10", raw_output: "x".repeat(300) },
    { ...base, sample_id: "s/2", raw_output: "no", correct: true },
    { ...base, sample_id: "s/3", raw_output: "", error: "HTTP 500" },
  ] as unknown as EvalRecord[];
  const rows = exampleErrors(records, { limit: 5, maxChars: 10 });
  assert.deepEqual(rows.map((r) => [r.sample_id, r.answer, r.error]), [
    ["s/3", "", "HTTP 500"],
    ["s/10", "xxxxxxxxxx…", null],
  ]);
});

Deno.test("perClassF1Figure() draws the observed labels into the given document", () => {
  const document = headlessDocument();
  const svg = svgString(perClassF1Figure([
    {
      label: "card_arrival",
      precision: 1,
      recall: 1,
      f1: 1,
      f1_ci95: [1, 1],
      support: 2,
      predicted: 2,
    },
    {
      label: "pin_blocked",
      precision: 0,
      recall: 0,
      f1: 0,
      f1_ci95: [0, 0],
      support: 1,
      predicted: 0,
    },
    {
      label: "never_seen",
      precision: 0,
      recall: 0,
      f1: 0,
      f1_ci95: [0, 0],
      support: 0,
      predicted: 0,
    },
  ], { document }));
  assert.match(svg, /^<svg/);
  assert.match(svg, /card_arrival/);
  assert.match(svg, /pin_blocked/);
  assert.doesNotMatch(svg, /never_seen/);
});

Deno.test("confusionHeatmap() has an (invalid) column and the counts as text", () => {
  const svg = svgString(confusionHeatmap({
    labels: ["a", "b", "c"],
    matrix: [[3, 1, 0], [0, 2, 0], [0, 0, 0]],
    invalid: [0, 4, 0],
  }, { observedOnly: false }));
  assert.match(svg, /\(invalid\)/);
  assert.match(svg, />4</);
  assert.match(svg, />3</);
});
