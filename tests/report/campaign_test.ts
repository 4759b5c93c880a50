/**
 * The report over a whole campaign: a scripted results folder (tests/report/_campaign.ts: known
 * values, summaries computed from their records) with two plain runs of different configs, a
 * rounds run with its quality subset, a sweep and every eval task, plus a real compliance run of
 * stories260K on the embedded engine. `deno task report --format all` over it: every section,
 * rows grouped by model × format × quantization × scenario × round × runner, numbers checked
 * against the records, filters, LaTeX and PDF; then headless Chromium measures every figure's
 * text (inside its SVG, no two labels overlapping) and the page's width at 1400 px.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pl from "nodejs-polars";
import { runCli } from "../helpers/mod.ts";
import { visit } from "./_chromium.ts";
import { PLAIN, ROUNDS_RUN, writeCampaign } from "./_campaign.ts";

const root = await Deno.makeTempDir({ prefix: "report-campaign-" });
const results = join(root, "results");
const output = join(root, "report");
const figures = join(root, "figures");
let log = "";
const ready = (async () => {
  await writeCampaign(results);
  const comp = await runCli("lib/cli/compliance.ts", [
    "--models",
    "stories260k",
    "--limit",
    "1",
    "--max-tokens",
    "16",
    "--results-dir",
    results,
    "--output-dir",
    join(root, "compliance_run"),
  ]);
  assert.equal(comp.code, 0, comp.stderr);
  const out = await runCli("lib/cli/report.ts", [
    "--input",
    results,
    "--output",
    output,
    "--figures-dir",
    figures,
    "--format",
    "all",
  ]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  log = out.stdout + out.stderr;
})();

// Parquet keeps the column types (a CSV reader would guess a config hash of digits as a number).
const csv = (name: string, dir = output) =>
  pl.readParquet(join(dir, `${name}.parquet`)).toRecords() as Record<string, unknown>[];
const close = (a: unknown, b: number, what: string) =>
  assert.ok(Math.abs(Number(a) - b) < 1e-9, `${what}: ${a} vs ${b}`);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const SECTIONS = [
  "performance",
  "capability",
  "invalid_causes",
  "mmlu_subjects",
  "summarization",
  "realistic",
  "compliance",
  "licences",
  "dataset_licences",
  "rounds",
  "sweep",
  "gguf_vs_mlx",
  "efficiency",
  "environment",
  "runs",
  "latency_percentiles",
  "length_sweep",
  "throughput_latency",
  "bands",
  "figures",
  "warnings",
];

Deno.test("the campaign report has every section, numbered tables and figures, LaTeX tables and a PDF", async () => {
  await ready;
  const names = [...Deno.readDirSync(output)].map((e) => e.name);
  const html = await Deno.readTextFile(join(output, names.find((n) => n.endsWith(".html"))!));
  const ids = [...html.matchAll(/<section id="section-([a-z0-9_]+)">/g)].map((m) => m[1]);
  assert.deepEqual(ids, SECTIONS);
  const captions = [...html.matchAll(/<h2>Table (\d+)\. /g)].map((m) => Number(m[1]));
  assert.deepEqual(captions, SECTIONS.slice(0, -2).map((_, i) => i + 1));
  const drawn = [...html.matchAll(/<strong>Figure (\d+)\. /g)].map((m) => Number(m[1]));
  assert.deepEqual(drawn, Array.from({ length: 12 }, (_, i) => i + 1));
  assert.equal([...Deno.readDirSync(figures)].filter((e) => e.name.endsWith(".png")).length, 12);
  const tex = await Deno.readTextFile(join(output, names.find((n) => n.endsWith(".tex"))!));
  assert.equal((tex.match(/\\begin\{table\}/g) ?? []).length, SECTIONS.length - 2);
  assert.match(tex, /\\toprule[\s\S]*\\midrule[\s\S]*\\bottomrule/);
  assert.match(tex, /\\label\{tab:performance\}/);
  assert.ok(Deno.statSync(join(output, "tables", "rounds.tex")).isFile);
  const pdf = await Deno.readFile(join(output, names.find((n) => n.endsWith(".pdf"))!));
  assert.equal(new TextDecoder().decode(pdf.subarray(0, 5)), "%PDF-");
  assert.ok(pdf.length > 20_000, `PDF of ${pdf.length} bytes`);
  assert.doesNotMatch(log, /capability records without a summary/);
  assert.match(log, /\[No figure\] GGUF vs MLX|Done in/);
});

Deno.test("performance rows are grouped by model × format × quantization × scenario × round × runner; a pooled row names its runs and their n", async () => {
  await ready;
  const rows = csv("performance_results");
  const key = (r: Record<string, unknown>) =>
    [r.model_key, r.format, r.quantization, r.scenario, r.round ?? "", r.runner].join("|");
  assert.deepEqual(rows.map(key), [
    "demo_gguf|GGUF|Q4_K_M|interactive_assistant||edge-slm-bench",
    "demo_gguf|GGUF|Q4_K_M|interactive_assistant|baseline|edge-slm-bench",
    "demo_gguf|GGUF|Q4_K_M|interactive_assistant|flash_attn|edge-slm-bench",
    "demo_gguf|GGUF|Q4_K_M|summarization||edge-slm-bench",
    "demo_mlx|MLX|4bit|interactive_assistant||edge-slm-bench",
  ]);
  const pooled = rows[0];
  assert.equal(pooled.runs_n, 2);
  assert.equal(pooled.runs_detail, "perf_run1 (n=3); perf_run2 (n=3)");
  assert.equal(pooled.mixed_configs, true);
  close(pooled.ttft_ms, mean([...PLAIN.run1.ttft, ...PLAIN.run2.ttft]), "pooled TTFT");
  assert.equal(pooled.cache_hits, 2);
  assert.equal(pooled.cache_flag, true, "a cold scenario with cache hits is flagged");
  const summ = rows[3];
  close(summ.ttft_ms, mean(PLAIN.summarization.ttft), "summarization TTFT");
  assert.equal(summ.ttft_band, "medium", "judged by summarization's own band (2000/5000 ms)");
  const md = await Deno.readTextFile(
    join(output, [...Deno.readDirSync(output)].find((e) => e.name.endsWith(".md"))!.name),
  );
  assert.match(md, /perf_run1 \(n=3\); perf_run2 \(n=3\) ⚠ configs differ/);
  assert.match(md, /⚠ cold with hits \(2\/3 hits\)/);
  assert.match(md, /\| Round \|/);
});

Deno.test("task tables carry the records' numbers: pass@1, MMLU subjects, ROUGE and semantic, checks, invalid causes, rounds, sweep", async () => {
  await ready;
  const cap = csv("capability_results");
  const coding = cap.find((r) => r.task === "coding")!;
  assert.equal(coding.score_name, "pass@1");
  close(coding.accuracy, 0.3, "coding pass@1 (3 of 10 records pass)");
  const subjects = csv("mmlu_subjects");
  close(subjects.find((r) => r.subject === "econometrics")!.accuracy, 0.8, "econometrics 4/5");
  close(subjects.find((r) => r.subject === "professional_accounting")!.accuracy, 0.4, "2/5");
  close(subjects.find((r) => r.subject === "overall")!.accuracy, 0.6, "overall 6/10");
  const summ = csv("summarization")[0];
  close(summ.rouge1, 0.4, "rouge1");
  close(summ.rouge2, mean(Array.from({ length: 10 }, (_, i) => 0.1 + i / 100)), "rouge2");
  close(summ.semantic, 0.8, "embedding cosine");
  const checks = csv("realistic_checks");
  close(checks.find((r) => r.check === "valid_json")!.value, 0.9, "valid_json 9/10");
  close(checks.find((r) => r.check === "fields")!.value, 0.8, "fields 8/10");
  close(checks.find((r) => r.check === "mean score")!.value, 0.9, "mean score (8×1 + 2×0.5)/10");
  const causes = csv("invalid_causes").filter((r) => r.task === "banking77");
  assert.deepEqual(causes.map((r) => [r.cause, r.count]), [["no_label", 1], [
    "several_labels",
    1,
  ]]);
  const rounds = csv("rounds_vs_baseline");
  const tps = rounds.find((r) => r.round === "flash_attn" && r.metric === "output_tps")!;
  close(tps.diff, 10, "flash_attn Δ tokens/s");
  assert.equal(tps.significant, true);
  assert.equal(tps.run_id, ROUNDS_RUN);
  assert.ok(rounds.some((r) => r.round === "kv_q4" && String(r.status).startsWith("skipped")));
  assert.deepEqual(csv("sweep").map((r) => r.quantization), ["Q4_K_M", "Q8_0"]);
  assert.ok(csv("licence_audit").some((r) => r.model_key === "stories260k"));
});

Deno.test("report filters keep whole runs: --runs, --since, --models, --latest; a bad hash is exit 2 with nothing written", async () => {
  await ready;
  const run = async (name: string, flags: string[]) => {
    const dir = join(root, name);
    const out = await runCli("lib/cli/report.ts", [
      "--input",
      results,
      "--output",
      dir,
      "--figures-dir",
      join(dir, "figures"),
      "--format",
      "parquet,md",
      ...flags,
    ]);
    return { ...out, dir };
  };
  const one = await run("only_run1", ["--runs", "perf_run1"]);
  assert.equal(one.code, 0, one.stderr);
  const rows = csv("performance_results", one.dir);
  assert.deepEqual(rows.map((r) => [r.scenario, r.n, r.runs_n]), [
    ["interactive_assistant", 3, 1],
    ["summarization", 3, 1],
  ]);
  const md = [...Deno.readDirSync(one.dir)].find((e) => e.name.endsWith(".md"))!.name;
  assert.match(await Deno.readTextFile(join(one.dir, md)), /Runs chosen by runs perf_run1: 1 kept/);
  const since = await run("since", ["--since", "2025-11-22", "--models", "demo_gguf"]);
  assert.equal(since.code, 0, since.stderr);
  const plain = csv("performance_results", since.dir).filter((r) => !r.round);
  assert.deepEqual(plain.map((r) => r.run_ids), ["perf_run2"]);
  const latest = await run("latest", ["--latest"]);
  assert.equal(latest.code, 0, latest.stderr);
  const first = csv("performance_results", latest.dir)[0];
  assert.deepEqual([first.run_ids, first.n], ["perf_run2", 3]);
  assert.match(
    await Deno.readTextFile(
      join(latest.dir, [...Deno.readDirSync(latest.dir)].find((e) => e.name.endsWith(".md"))!.name),
    ),
    /only the latest run \(by its first request\) is shown/,
  );
  const bad = await run("bad", ["--config-hash", "xyz"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Flag --config-hash .*current value is "xyz"/);
  assert.throws(() => Deno.statSync(bad.dir), Deno.errors.NotFound);
  const none = await run("none", ["--runs", "nope"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /No run of .* matches the filter/);
});

interface Box {
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

Deno.test("in headless Chromium every figure's text stays inside its SVG, no two labels overlap, and the page does not overflow 1400 px", async () => {
  await ready;
  const html = [...Deno.readDirSync(output)].find((e) => e.name.endsWith(".html"))!.name;
  await visit(pathToFileURL(join(output, html)).href, async (page) => {
    const shot = await page.screenshot(1400, 1000);
    const shots = Deno.env.get("REPORT_SHOTS_DIR");
    if (shots) {
      await Deno.mkdir(shots, { recursive: true });
      await Deno.writeFile(join(shots, "report_1400.png"), shot);
    }
    const width = await page.evaluate<{ scroll: number; client: number }>(
      `({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })`,
    );
    assert.ok(width.scroll <= width.client, `page width ${width.scroll} > ${width.client}`);
    const figs = await page.evaluate<{ id: string; svg: Box; texts: Box[] }[]>(`
      [...document.querySelectorAll("figure")].map((f) => {
        const svg = f.querySelector("svg");
        const b = svg.getBoundingClientRect();
        const texts = [...svg.querySelectorAll("text")].filter((t) => t.textContent.trim())
          .map((t) => { const r = t.getBoundingClientRect();
            return { text: t.textContent, x: r.x, y: r.y, w: r.width, h: r.height }; });
        return { id: f.id, svg: { text: "", x: b.x, y: b.y, w: b.width, h: b.height }, texts };
      })`);
    assert.equal(figs.length, 12);
    const problems: string[] = [];
    for (const f of figs) {
      const s = f.svg;
      for (const t of f.texts) {
        if (
          t.x < s.x - 0.5 || t.y < s.y - 0.5 || t.x + t.w > s.x + s.w + 0.5 ||
          t.y + t.h > s.y + s.h + 0.5
        ) {
          problems.push(`${f.id}: "${t.text}" leaves the figure`);
        }
      }
      for (let i = 0; i < f.texts.length; i++) {
        for (let j = i + 1; j < f.texts.length; j++) {
          const a = f.texts[i], b = f.texts[j];
          const ox = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
          const oy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
          if (ox > 1 && oy > 1) problems.push(`${f.id}: "${a.text}" overlaps "${b.text}"`);
        }
      }
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(page.consoleErrors, []);
  });
});
