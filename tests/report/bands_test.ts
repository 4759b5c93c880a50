/** Interpretation bands: the seed's thresholds from configs/bands.yaml, boundaries in the middle band. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../../lib/config/mod.ts";
import { bandOf, capabilityBand, loadBands, parseBands } from "../../lib/report/mod.ts";

const bands = await loadBands();

Deno.test("configs/bands.yaml holds the seed's Phase 7 thresholds, boundaries counted as the middle band", () => {
  const label = (v: number, b: Parameters<typeof bandOf>[1]) => bandOf(v, b)?.label;
  const p = bands.performance;
  assert.deepEqual([299, 300, 600, 601].map((v) => label(v, p.ttft_ms)), [
    "good",
    "medium",
    "medium",
    "bad",
  ]);
  assert.deepEqual([41, 40, 20, 19].map((v) => label(v, p.output_tokens_per_s)), [
    "good",
    "medium",
    "medium",
    "bad",
  ]);
  assert.deepEqual([7.9, 8, 12, 12.1].map((v) => label(v, p.peak_ram_gib)), [
    "good",
    "medium",
    "medium",
    "bad",
  ]);
  const b77 = capabilityBand(bands, "banking77", "accuracy")!;
  assert.deepEqual([71, 70, 50, 49].map((v) => label(v, b77)), [
    "good",
    "acceptable",
    "acceptable",
    "insufficient",
  ]);
  const f1 = capabilityBand(bands, "banking77", "macro_f1")!;
  assert.deepEqual([61, 40, 39].map((v) => label(v, f1)), ["good", "acceptable", "insufficient"]);
  const fpb = capabilityBand(bands, "financial_phrasebank", "accuracy")!;
  assert.deepEqual([76, 75, 60, 59].map((v) => label(v, fpb)), [
    "good",
    "acceptable",
    "acceptable",
    "insufficient",
  ]);
  assert.equal(capabilityBand(bands, "mmlu_mini", "accuracy"), null);
  assert.equal(bandOf(null, p.ttft_ms), null);
});

Deno.test("a bands file with good and bad the wrong way round is a ConfigError naming file, field and value", () => {
  const data = structuredClone(bands) as unknown as { performance: { ttft_ms: { good: number } } };
  data.performance.ttft_ms.good = 900;
  assert.throws(() => parseBands(data, "bands.yaml"), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(
      e.message,
      /^Cannot load config bands\.yaml: 'performance\.ttft_ms\.good' .*must be beyond bad.*: current value is 900$/,
    );
    return true;
  });
});

Deno.test("a missing bands file is a ConfigError", async () => {
  await assert.rejects(() => loadBands(join("/nonexistent", "bands.yaml")), ConfigError);
});
