/** Tables from a scripted results folder with known values: cells checked exactly. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildReport,
  capabilityTable,
  compareResultSets,
  displayTables,
  efficiencyTable,
  formatComparisonTable,
  loadBands,
  loadResults,
  methodologyRows,
  performanceTable,
  reportMarkdown,
  samplesBySummary,
} from "../../lib/report/mod.ts";
import { meanBootstrapCi } from "../../lib/stats/mod.ts";
import { jsonl, perfRecord, writeScriptedSet } from "./_fixtures.ts";

const dir = await Deno.makeTempDir({ prefix: "report-scripted-" });
await writeScriptedSet(dir);
const bands = await loadBands();
const results = await loadResults(dir);
const performance = performanceTable(results, { bands });
const capability = capabilityTable(results, { bands });
const near = (actual: number | null, expected: number, digits = 4) =>
  assert.equal(actual?.toFixed(digits), expected.toFixed(digits));

Deno.test("a clean scripted set loads with no warning and one frame row per record", () => {
  assert.deepEqual(results.warnings, []);
  assert.equal(results.perf.height, 8); // 5 GGUF lines (1 warm-up) + 3 MLX lines
  assert.equal(results.eval.length, 1);
  assert.equal(results.manifests.length, 3);
});

const bca = (xs: number[]) => meanBootstrapCi(xs, { range: [0, Infinity] }).ci95!;

Deno.test("the performance table gives mean, positive BCa interval, success rate and n per unit, warm-ups excluded", () => {
  assert.equal(performance.length, 2);
  const g = performance[0];
  assert.deepEqual(
    [
      g.model_key,
      g.format,
      g.quantization,
      g.scenario,
      g.n,
      g.warmups,
      g.succeeded,
      g.success_rate,
    ],
    ["demo_gguf", "GGUF", "Q4_K_M", "interactive_assistant", 4, 1, 3, 0.75],
  );
  // TTFT 100/200/300: mean 200, sd 100. The t interval, 200 ± 248.4, went below 0 ms; the seeded
  // BCa bootstrap stays inside [100, 300] and contains 200.
  near(g.ttft_ms, 200);
  near(g.ttft_ms_sd, 100);
  assert.deepEqual([g.ttft_ms_lo, g.ttft_ms_hi], bca([100, 200, 300]));
  assert.ok(g.ttft_ms_lo! >= 100 && g.ttft_ms_lo! <= 200 && g.ttft_ms_hi! <= 300);
  assert.equal(g.ci_method, "bca_bootstrap");
  assert.equal(g.ttft_ms_n, 3);
  // tokens/s 40/50/60; E2E 1000/1100/1200
  assert.deepEqual([g.output_tps_lo, g.output_tps_hi], bca([40, 50, 60]));
  near(g.e2e_ms, 1100);
  // peak RAM over the 4 measured requests (the failed one included, the 9 GiB warm-up not):
  // 1, 2, 3, 4 GiB → mean 2.5
  near(g.peak_ram_gib, 2.5);
  assert.deepEqual(g.peak_ram_gib_lo, bca([1, 2, 3, 4])[0]);
  // Sequential runs: concurrency 1, and no batch windows in these records.
  assert.deepEqual([g.concurrency, g.aggregate_tps, g.aggregate_windows], [1, null, 0]);
  assert.equal(g.peak_ram_gib_max, 4);
  assert.deepEqual([g.ttft_band, g.output_tps_band, g.peak_ram_band], ["good", "good", "good"]);
  assert.equal(g.run_ids, "perf_run_gguf");
  assert.equal(g.config_hashes, "a".repeat(64));
  assert.match(
    g.files,
    /perf_acme_demo-3b_GGUF_Q4_K_M_interactive_assistant_20251123_100000\.jsonl$/,
  );
  const m = performance[1];
  assert.deepEqual([m.model_key, m.ttft_ms, m.output_tps, m.peak_ram_gib_sd], [
    "demo_mlx",
    160,
    90,
    0,
  ]);
});

Deno.test("the capability table reports the summary's scores with bands and checks them against the records", () => {
  assert.equal(capability.length, 1);
  const c = capability[0];
  assert.deepEqual(
    [c.task, c.n, c.accuracy, c.accuracy_lo, c.accuracy_hi, c.macro_f1, c.invalid_rate, c.check],
    ["banking77", 10, 0.8, 0.49, 0.94, 0.5, 0.1, "ok"],
  );
  // 80 % > 70 → good; macro-F1 50 % within 40–60 → acceptable
  assert.deepEqual([c.accuracy_band, c.macro_f1_band], ["good", "acceptable"]);
});

Deno.test("GGUF vs MLX pairs the same model id and flags a Welch interval that excludes zero", () => {
  const rows = formatComparisonTable(performance, capability);
  const tps = rows.find((r) => r.metric === "output_tps")!;
  // 90 − 50 = 40; se = √(100/3 + 100/3) = 8.16497, df = 4, t = 2.776445 → ± 22.66958
  near(tps.diff, 40);
  near(tps.diff_lo, 40 - 22.66958);
  near(tps.diff_hi, 40 + 22.66958);
  assert.deepEqual([tps.excludes_zero, tps.better, tps.method], [true, "MLX", "welch"]);
  const ttft = rows.find((r) => r.metric === "ttft_ms")!;
  assert.deepEqual([ttft.diff, ttft.excludes_zero, ttft.better], [-40, false, null]);
  assert.equal(rows.filter((r) => r.kind === "capability").length, 0, "no MLX capability run");
});

Deno.test("the efficiency score is quality × tokens/s ÷ peak RAM, ranked, and null without quality", () => {
  const rows = efficiencyTable(performance, capability, bands.efficiency);
  // demo_gguf: 0.8 × 50 ÷ 4 GiB = 10
  assert.deepEqual(rows.map((r) => [r.model_key, r.efficiency, r.rank]), [
    ["demo_gguf", 10, 1],
    ["demo_mlx", null, null],
  ]);
});

Deno.test("the Markdown report shows values, intervals and bands side by side and the efficiency definition", () => {
  const report = buildReport(results, bands, {
    figures: false,
    now: () => new Date("2025-11-24T00:00:00Z"),
  });
  const perf = displayTables(report).find((t) => t.id === "performance")!;
  const [lo, hi] = bca([100, 200, 300]);
  assert.equal(perf.rows[0]["TTFT ms [95% CI]"], `200.0 [${lo.toFixed(1)}, ${hi.toFixed(1)}]`);
  assert.match(perf.note!, /95 % intervals by BCa bootstrap \(seeded; inside \[0, ∞\)/);
  assert.equal(perf.rows[0]["TTFT band"], "good");
  assert.equal(perf.rows[0]["Success %"], "75.0");
  const md = reportMarkdown(report);
  assert.match(
    md,
    /\| demo_gguf \| GGUF \| Q4_K_M \| banking77 \| 10 \| accuracy \| 80\.0 \[49\.0, 94\.0\] \| good \| 50\.0 \[30\.0, 70\.0\] \| acceptable \|/,
  );
  assert.match(md, /Efficiency = quality × output tokens\/s ÷ peak RAM/);
  assert.match(md, /\| Chip \/ CPU \| Apple M3 \|/);
  assert.match(md, /\| LM Studio \| 0\.3\.31 \|/);
});

Deno.test("the methodology rows come from the manifests of the runs the tables use", () => {
  const rows = methodologyRows(results);
  assert.deepEqual(
    rows.map((r) => [r.run_id, r.chip, r.ram_gib, r.runs, r.warmup, r.seed]).sort(),
    [
      ["eval_banking77_GGUF", "Apple M3", 16, 10, null, 42],
      ["perf_run_gguf", "Apple M3", 16, 3, 1, 42],
      ["perf_run_mlx", "Apple M3", 16, 3, 1, 42],
    ],
  );
});

Deno.test("comparing two result sets gives after − before with a Welch interval and a significance flag", async () => {
  const after = await Deno.makeTempDir({ prefix: "report-after-" });
  await writeScriptedSet(after);
  // After: GGUF tokens/s 70/80/90 instead of 40/50/60 (+30); TTFT unchanged.
  const name = "perf_acme_demo-3b_GGUF_Q4_K_M_interactive_assistant_20251123_100000.jsonl";
  const lines = (await Deno.readTextFile(join(after, name))).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  for (const r of lines) {
    if (!r.warmup && r.output_tokens_per_s !== null) r.output_tokens_per_s += 30;
  }
  await Deno.writeTextFile(join(after, name), jsonl(lines));
  const afterSet = await loadResults(after);
  const rows = compareResultSets(
    { performance, capability },
    { performance: performanceTable(afterSet, { bands }), capability: capabilityTable(afterSet) },
  );
  const tps = rows.find((r) => r.model_key === "demo_gguf" && r.metric === "output_tps")!;
  // +30 with sd 10 on both sides, n 3: ± 22.66958 → [7.33, 52.67]
  near(tps.diff, 30);
  near(tps.diff_lo, 30 - 22.66958);
  assert.deepEqual([tps.significant, tps.change], [true, "better"]);
  const ttft = rows.find((r) => r.model_key === "demo_gguf" && r.metric === "ttft_ms")!;
  assert.deepEqual([ttft.diff, ttft.significant, ttft.change], [0, false, "no significant change"]);
  // The same 10 samples answered alike in both sets: a paired comparison with no discordant one.
  const acc = rows.find((r) => r.metric === "accuracy")!;
  assert.deepEqual([acc.diff, acc.significant, acc.method], [0, false, "newcombe"]);
  const paired = compareResultSets(
    { performance, capability, samples: samplesBySummary(results.eval) },
    {
      performance: performanceTable(afterSet, { bands }),
      capability: capabilityTable(afterSet),
      samples: samplesBySummary(afterSet.eval),
    },
  ).find((r) => r.metric === "accuracy")!;
  assert.deepEqual([paired.diff, paired.significant, paired.method, paired.p_value], [
    0,
    false,
    "tango_score",
    1,
  ]);
});

Deno.test("a before/after comparison over the same samples is paired (Tango, McNemar), without them Newcombe", async () => {
  // Before: 8 of 10 right (the fixture). After: the same 10 samples, the two misses fixed and
  // nothing broken, 30 times over (300 samples): 240 → 300 right.
  const write = async (fixed: boolean) => {
    const d = await Deno.makeTempDir({ prefix: "report-paired-" });
    await writeScriptedSet(d);
    const stem = "eval_banking77_acme_demo-3b_GGUF_Q4_K_M_20251123_100000";
    const base = (await Deno.readTextFile(join(d, `${stem}.jsonl`))).trim().split("\n")
      .map((l) => JSON.parse(l));
    const records = Array.from({ length: 30 }, (_, k) =>
      base.map((r, i) => {
        const right = fixed || i < 8;
        return {
          ...r,
          sample_id: `banking77/test/${String(10 * k + i).padStart(5, "0")}`,
          reference: "card_arrival",
          prediction: right ? "card_arrival" : "lost_card",
          correct: right,
        };
      })).flat();
    await Deno.writeTextFile(join(d, `${stem}.jsonl`), jsonl(records));
    const summary = JSON.parse(await Deno.readTextFile(join(d, `${stem}.json`)));
    const correct = fixed ? 300 : 240;
    summary.planned = 300;
    summary.metrics = {
      ...summary.metrics,
      n: 300,
      accuracy: { value: correct / 300, ci95: [0, 1] },
    };
    await Deno.writeTextFile(join(d, `${stem}.json`), JSON.stringify(summary));
    return await loadResults(d);
  };
  const [before, after] = [await write(false), await write(true)];
  const tables = (set: typeof before) => ({
    performance: performanceTable(set, { bands }),
    capability: capabilityTable(set),
    samples: samplesBySummary(set.eval),
  });
  const acc = compareResultSets(tables(before), tables(after)).find((r) =>
    r.metric === "accuracy"
  )!;
  near(acc.diff, 0.2);
  assert.deepEqual([acc.method, acc.significant], ["tango_score", true]);
  assert.ok(acc.p_value! < 1e-10, `p ${acc.p_value}`);
  assert.ok(acc.diff_lo! > 0 && acc.diff_hi! <= 1);
  const unpaired = compareResultSets(
    { performance: [], capability: capabilityTable(before) },
    { performance: [], capability: capabilityTable(after) },
  ).find((r) => r.metric === "accuracy")!;
  assert.equal(unpaired.method, "newcombe");
});

Deno.test("a perf record from an older schema is read with its missing measurements as null, and said so", async () => {
  const older = await Deno.makeTempDir({ prefix: "report-older-" });
  const record: Record<string, unknown> = { ...perfRecord({}) };
  delete record.peak_footprint_bytes;
  await Deno.writeTextFile(
    join(older, "perf_acme_old_GGUF_Q4_K_M_interactive_assistant_20240101_000000.jsonl"),
    jsonl([record]),
  );
  const set = await loadResults(older);
  assert.equal(set.perf.height, 1);
  assert.equal(set.warnings.length, 1);
  assert.match(
    set.warnings[0].message,
    /older records without peak_footprint_bytes \(1\): read as null/,
  );
});

Deno.test("a continuous batching run shows aggregate throughput beside per-request tokens/s", async () => {
  const d = await Deno.makeTempDir({ prefix: "report-batching-" });
  // 8 requests in 2 windows of 4: each stream 30 tokens/s, 4 × 48 tokens per 1.6 s window.
  const records = Array.from({ length: 8 }, (_, i) =>
    perfRecord({
      repetition: i,
      round_id: "continuous_batching",
      output_tokens: 48,
      output_tokens_per_s: 30,
      concurrency: 4,
      batch_window: {
        id: 1 + Math.floor(i / 4),
        size: 4,
        sent_ms: 10_000 * Math.floor(i / 4),
        end_ms: 10_000 * Math.floor(i / 4) + 1600,
      },
    }));
  await Deno.writeTextFile(
    join(d, "perf_acme_demo-3b_GGUF_Q4_K_M_interactive_assistant_20251123_110000.jsonl"),
    jsonl(records),
  );
  const set = await loadResults(d);
  assert.deepEqual(set.warnings, []);
  const [row] = performanceTable(set, { bands });
  assert.deepEqual(
    [row.concurrency, row.output_tps, row.aggregate_tps, row.aggregate_windows],
    [4, 30, 192 / 1.6, 2],
  );
  assert.ok(
    row.aggregate_tps_lo! <= row.aggregate_tps! && row.aggregate_tps! <= row.aggregate_tps_hi!,
  );
  const report = buildReport(set, bands, { figures: false });
  const cells = displayTables(report).find((t) => t.id === "performance")!.rows[0];
  assert.equal(cells["Conc."], "4");
  assert.match(cells["Aggregate t/s [95% CI]"], /^120\.0 \[/);
  assert.match(cells["Tokens/s [95% CI]"], /^30\.0/);
});

Deno.test("the capability table names its interval methods and macro-F1's labels", async () => {
  const d = await Deno.makeTempDir({ prefix: "report-methods-" });
  await writeScriptedSet(d);
  const stem = "eval_banking77_acme_demo-3b_GGUF_Q4_K_M_20251123_100000";
  const summary = JSON.parse(await Deno.readTextFile(join(d, `${stem}.json`)));
  summary.metrics.accuracy.ci_method = "wilson";
  summary.metrics.macro_f1 = {
    ...summary.metrics.macro_f1,
    ci_method: "bca_bootstrap",
    average: "labels present in the references",
    labels_averaged: 2,
    label_set_size: 77,
  };
  await Deno.writeTextFile(join(d, `${stem}.json`), JSON.stringify(summary));
  const set = await loadResults(d);
  const [c] = capabilityTable(set);
  assert.deepEqual(
    [c.accuracy_ci_method, c.macro_f1_ci_method, c.macro_f1_labels, c.macro_f1_label_set],
    ["wilson", "bca_bootstrap", 2, 77],
  );
  const table = displayTables(buildReport(set, bands, { figures: false }))
    .find((t) => t.id === "capability")!;
  assert.equal(table.rows[0]["Macro-F1 labels"], "2 of 77");
  assert.match(table.note!, /accuracy with a Wilson score 95 % interval/);
  assert.match(table.note!, /labels present in the run's references.*with BCa bootstrap intervals/);
  // The fixture's older summary says nothing about its labels.
  const old = displayTables(buildReport(results, bands, { figures: false }))
    .find((t) => t.id === "capability")!;
  assert.equal(old.rows[0]["Macro-F1 labels"], "all (older run)");
});
