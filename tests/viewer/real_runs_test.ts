// deno-lint-ignore-file no-console
/**
 * The viewer over real runs of the embedded engine (stories260K and llama-2-tiny-random): the perf,
 * eval and compliance CLIs write one results folder; `deno task view` serves it on 127.0.0.1 and
 * headless Chromium walks the pages, checking the numbers shown against the records. A screenshot
 * of each view is saved (EDGE_BENCH_VIEWER_SHOTS, else a printed temporary folder).
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { RiskAnalysisSchema } from "../../lib/compliance/mod.ts";
import {
  ComplianceRecordSchema,
  type EvalRecord,
  EvalRecordSchema,
  type EvalSummary,
  EvalSummarySchema,
  PerfRecordSchema,
  readJsonl,
} from "../../lib/results/mod.ts";
import { buildReport, loadBands, loadResults, reportHtml } from "../../lib/report/mod.ts";
import { serveViewer } from "../../lib/viewer/mod.ts";
import { runCli } from "../helpers/mod.ts";
import { visit } from "../report/_chromium.ts";
import { go, screenshot, shotsDir, startViewer } from "./_helpers.ts";

async function must(script: string, args: string[]): Promise<void> {
  const out = await runCli(script, args);
  assert.equal(out.code, 0, `${script} ${args.join(" ")}\n${out.stdout}\n${out.stderr}`);
}

const root = await Deno.makeTempDir({ prefix: "viewer-real-" });
const results = join(root, "results");
const complianceOut = join(root, "compliance_out");
const ready = (async () => {
  await must("lib/cli/perf.ts", [
    "--models",
    "stories260k",
    "--runs",
    "2",
    "--warmup",
    "1",
    "--scenarios",
    "interactive_assistant,json_extraction",
    "--results-dir",
    results,
  ]);
  // Two models on the same seeded sample: side by side compares them sample by sample.
  for (const model of ["llama2_tiny_random", "stories260k"]) {
    await must("lib/cli/eval.ts", [
      "--task",
      "financial_phrasebank",
      "--model",
      model,
      "--sample-size",
      "12",
      "--constrained",
      "--results-dir",
      results,
    ]);
  }
  await must("lib/cli/compliance.ts", [
    "--models",
    "stories260k",
    "--limit",
    "1",
    "--max-tokens",
    "16",
    "--results-dir",
    results,
    "--output-dir",
    complianceOut,
  ]);
})();

type EvalRun = { summary: EvalSummary; file: string; records: EvalRecord[] };

async function evalRuns(dir: string): Promise<EvalRun[]> {
  const out: EvalRun[] = [];
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!/^eval_.+\.json$/.test(e.name)) continue;
    const summary = EvalSummarySchema.parse(JSON.parse(await Deno.readTextFile(join(dir, e.name))));
    const file = join(dir, summary.records_file);
    out.push({ summary, file, records: (await readJsonl(file, EvalRecordSchema)).records });
  }
  return out;
}

const files = (dir: string, re: RegExp) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => re.test(n)).sort().map((n) =>
    join(dir, n)
  );

const text = (page: { evaluate<T>(e: string): Promise<T> }, selector: string) =>
  page.evaluate<string>(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ""`);

const cardValue = (page: { evaluate<T>(e: string): Promise<T> }, label: string) =>
  page.evaluate<string>(
    `[...document.querySelectorAll(".card")].find((c) => c.querySelector(".k")?.textContent === ${
      JSON.stringify(label)
    })?.querySelector(".v")?.textContent ?? ""`,
  );

Deno.test("the viewer serves real runs in Chromium: runs list, an eval run filtered to wrong answers, a sample, side by side, perf and compliance pages show the records' numbers", async () => {
  await ready;
  const [a, b] = (await evalRuns(results)).sort((x, y) =>
    x.summary.model_key.localeCompare(y.summary.model_key)
  ); // llama2_tiny_random, stories260k
  assert.equal(a.summary.model_key, "llama2_tiny_random");
  const perfFiles = files(results, /^perf_.+\.jsonl$/);
  const perf = (await Promise.all(perfFiles.map((f) => readJsonl(f, PerfRecordSchema))))
    .flatMap((c) => c.records);
  const compliance = (await readJsonl(
    files(results, /^compliance_.+\.jsonl$/)[0],
    ComplianceRecordSchema,
  )).records;
  const analysis = RiskAnalysisSchema.parse(
    JSON.parse(await Deno.readTextFile(files(complianceOut, /^risk_analysis_/)[0])),
  );
  const shots = await shotsDir();
  const viewer = await startViewer(results);
  const saved: string[] = [];
  try {
    await visit(`${viewer.url}/`, async (page) => {
      // Runs list: one row per run, each complete; the filter hides rows in place.
      saved.push(await screenshot(page, shots, "01_runs"));
      const rows = await page.evaluate<{ id: string; status: string }[]>(
        `[...document.querySelectorAll("#runs tbody tr")].map((r) => ({ id: r.querySelector("td:nth-child(3)").textContent.trim(), status: r.dataset.status }))`,
      );
      const ids = [perf[0].run_id, a.summary.run_id, b.summary.run_id, compliance[0].run_id];
      assert.deepEqual(rows.map((r) => r.id).sort(), [...ids].sort());
      assert.ok(rows.every((r) => r.status === "complete"), JSON.stringify(rows));
      const visible = await page.evaluate<number>(`(() => {
        const input = document.getElementById("runs-filter");
        input.value = "llama2_tiny";
        input.dispatchEvent(new Event("input"));
        return [...document.querySelectorAll("#runs tbody tr")].filter((r) => !r.hidden).length;
      })()`);
      assert.equal(visible, 1);

      // An eval run: the summary's accuracy and n, then only the wrong answers.
      await go(page, { click: `a[href="/run/${encodeURIComponent(a.summary.run_id)}"]` });
      assert.equal(
        await cardValue(page, "Accuracy %"),
        (a.summary.metrics.accuracy!.value * 100).toFixed(1),
      );
      assert.equal(
        await cardValue(page, "Macro-F1 %"),
        (a.summary.metrics.macro_f1!.value * 100).toFixed(1),
      );
      assert.equal(await cardValue(page, "Samples"), String(a.summary.metrics.n));
      saved.push(await screenshot(page, shots, "02_eval_run"));
      await go(page, { click: `a.pill[data-show="wrong"]` });
      const wrong = a.records.filter((r) => r.correct !== true);
      const shown = await page.evaluate<{ id: string; outcome: string; label: string }[]>(
        `[...document.querySelectorAll("#samples-table tbody tr")].map((r) => ({ id: r.querySelector("code").textContent, outcome: r.dataset.outcome, label: r.children[2].textContent }))`,
      );
      assert.ok(
        wrong.length > 0 && wrong.length < a.records.length,
        "the run has right and wrong answers",
      );
      assert.deepEqual(shown.map((s) => s.id).sort(), wrong.map((r) => r.sample_id).sort());
      assert.ok(shown.every((s) => s.outcome !== "correct"));
      for (const s of shown) {
        const r = wrong.find((x) => x.sample_id === s.id)!;
        assert.equal(s.label, r.prediction ?? "none");
      }
      saved.push(await screenshot(page, shots, "03_eval_wrong_answers"));

      // A sample's page: the whole exchange, exactly as recorded.
      await go(page, { click: "#samples-table tbody tr a" });
      const first = wrong.find((r) => r.sample_id === shown[0].id)!;
      assert.equal(await text(page, "#raw-output"), first.raw_output);
      assert.equal(await text(page, "#prompt"), first.prompt);
      assert.equal(await cardValue(page, "Reference"), first.reference);
      saved.push(await screenshot(page, shots, "04_sample"));

      // Side by side of the two models on the same samples: disagreements first.
      await go(page, { url: `${viewer.url}/run/${encodeURIComponent(a.summary.run_id)}` });
      await go(page, { click: `a[href^="/compare?"]` });
      const byId = new Map(b.records.map((r) => [r.sample_id, r]));
      const pairs = a.records.filter((r) => byId.has(r.sample_id)).map((
        r,
      ) => [r, byId.get(r.sample_id)!]);
      const pred = (r: EvalRecord) => (r.error === null ? r.prediction : null);
      const disagree = pairs.filter(([x, y]) => pred(x) !== pred(y) || x.correct !== y.correct);
      assert.equal(Number(await text(page, "#disagreements")), disagree.length);
      assert.equal(
        Number(await text(page, "#only-a-right")),
        pairs.filter(([x, y]) => x.correct === true && y.correct !== true).length,
      );
      assert.equal(
        Number(await text(page, "#both-wrong")),
        pairs.filter(([x, y]) => x.correct !== true && y.correct !== true).length,
      );
      const order = await page.evaluate<string[]>(
        `[...document.querySelectorAll("#compare-table tbody tr")].map((r) => r.dataset.disagree)`,
      );
      assert.equal(order.length, pairs.length);
      assert.deepEqual(order, [...order].sort().reverse(), "disagreements come first");
      saved.push(await screenshot(page, shots, "05_side_by_side"));

      // A perf run: every request with its TTFT as recorded, and one request's page.
      await go(page, { url: `${viewer.url}/run/${encodeURIComponent(perf[0].run_id)}` });
      const ttfts = await page.evaluate<string[]>(
        `[...document.querySelectorAll("#requests tbody tr")].map((r) => r.children[3].textContent)`,
      );
      assert.deepEqual(ttfts.sort(), perf.map((r) => r.ttft_ms!.toFixed(1)).sort());
      saved.push(await screenshot(page, shots, "06_perf_run"));
      await go(page, { click: "#requests tbody tr a" });
      const req = perf.find((r) => r.scenario === "interactive_assistant" && r.warmup)!;
      assert.equal(await cardValue(page, "TTFT ms"), req.ttft_ms!.toFixed(1));
      assert.equal(await cardValue(page, "Output tok/s"), req.output_tokens_per_s!.toFixed(1));
      saved.push(await screenshot(page, shots, "07_perf_request"));

      // A compliance run: every probe with its verdict, and the risk analysis of its records.
      await go(page, { url: `${viewer.url}/run/${encodeURIComponent(compliance[0].run_id)}` });
      const probes = await page.evaluate<{ id: string; verdict: string }[]>(
        `[...document.querySelectorAll("table.probes tbody tr")].map((r) => ({ id: r.querySelector("code").textContent, verdict: r.dataset.verdict }))`,
      );
      assert.deepEqual(
        probes.map((p) => `${p.id}:${p.verdict}`).sort(),
        compliance.map((r) => `${r.probe_id}:${r.verdict ?? "error"}`).sort(),
      );
      const model = analysis.models.find((m) => m.model_key === "stories260k")!;
      const residuals = await page.evaluate<string[]>(
        `[...document.querySelectorAll("#risks-stories260k tbody tr")].map((r) => r.children[8].querySelector(".badge").textContent)`,
      );
      assert.deepEqual(
        residuals,
        model.risks.map((r) => `${r.residual.score} ${r.residual.rating}`),
      );
      const nist = await page.evaluate<number>(
        `document.querySelectorAll("#nist-stories260k tbody tr").length`,
      );
      assert.equal(nist, model.nist.length);
      saved.push(await screenshot(page, shots, "08_compliance_run"));

      assert.deepEqual(page.consoleErrors, []);
      assert.deepEqual(
        page.requests.filter((u) => !u.startsWith(viewer.url) && u !== "about:blank"),
        [],
      );
    });
  } finally {
    assert.equal(await viewer.stop(), 0);
  }
  console.log(`viewer screenshots:\n${saved.map((s) => `  ${s}`).join("\n")}`);
});

Deno.test("the HTML report links each row's run ids to the viewer, and those links open the run's page", async () => {
  await ready;
  const viewer = await serveViewer({ resultsDir: results, port: 0 });
  try {
    const report = buildReport(await loadResults(results), await loadBands(), { figures: false });
    const html = reportHtml(report, { viewerUrl: viewer.url });
    const links = [...html.matchAll(/href="(http:\/\/127\.0\.0\.1:\d+\/run\/[^"]+)"/g)].map((m) =>
      m[1]
    );
    const [a] = await evalRuns(results);
    assert.ok(
      links.includes(`${viewer.url}/run/${encodeURIComponent(a.summary.run_id)}`),
      links.join("\n"),
    );
    for (const link of new Set(links)) {
      const res = await fetch(link);
      const body = await res.text();
      assert.equal(res.status, 200, link);
      assert.ok(body.includes(decodeURIComponent(basename(new URL(link).pathname))), link);
    }
    assert.doesNotMatch(reportHtml(report), /127\.0\.0\.1/, "no link without viewerUrl");
  } finally {
    await viewer.shutdown();
  }
});

Deno.test("a results folder with corrupt lines is still served: the bad file:line is named, the other records are shown, a newer chunk-offsets field draws the timeline", async () => {
  await ready;
  const dir = join(root, "corrupt");
  await Deno.mkdir(dir);
  for (const e of Deno.readDirSync(results)) {
    await Deno.copyFile(join(results, e.name), join(dir, e.name));
  }
  const [a] = await evalRuns(dir);
  const lines = (await Deno.readTextFile(a.file)).split("\n");
  const lost = JSON.parse(lines[2]).sample_id as string;
  lines[2] = lines[2].slice(0, 40); // a torn write in the middle of the file
  await Deno.writeTextFile(a.file, lines.join("\n"));
  const perfFile = files(dir, /^perf_.+interactive_assistant.+\.jsonl$/)[0];
  const perfLines = (await Deno.readTextFile(perfFile)).split("\n");
  const withChunks = JSON.parse(perfLines[1]);
  withChunks.chunk_offsets_ms = [
    withChunks.ttft_ms,
    withChunks.ttft_ms + 3,
    withChunks.ttft_ms + 7.5,
    withChunks.e2e_ms,
  ];
  perfLines[1] = JSON.stringify(withChunks);
  perfLines[2] = "{not json";
  await Deno.writeTextFile(perfFile, perfLines.join("\n"));

  const viewer = await serveViewer({ resultsDir: dir, port: 0 });
  try {
    const get = async (path: string) => {
      const res = await fetch(`${viewer.url}${path}`);
      return { status: res.status, body: await res.text() };
    };
    const run = await get(`/run/${encodeURIComponent(a.summary.run_id)}`);
    assert.equal(run.status, 200);
    assert.ok(
      run.body.includes(`${a.file}:3</code> not valid JSON, skipped`),
      "the bad line is named",
    );
    const samples = [
      ...run.body.matchAll(/<tr data-outcome="[a-z]+"><td><a href="[^"]+"><code>([^<]+)<\/code>/g),
    ]
      .map((m) => m[1]);
    assert.equal(samples.length, a.records.length - 1);
    assert.ok(!samples.includes(lost));
    assert.match(run.body, /records disagree: summary n=12, records n=11/);
    const runs = JSON.parse((await get("/api/runs")).body).runs as {
      run_id: string;
      status: string;
      missing: string[];
    }[];
    const perfRun = runs.find((r) => r.run_id === withChunks.run_id)!;
    assert.equal(perfRun.status, "incomplete");
    assert.deepEqual(perfRun.missing, ["stories260k/interactive_assistant: 1/2 measured requests"]);
    const evalRun = runs.find((r) => r.run_id === a.summary.run_id)!;
    assert.equal(evalRun.status, "incomplete");
    assert.deepEqual(evalRun.missing, ["11/12 samples recorded"]);
    const index = await get("/");
    assert.equal(index.status, 200);
    assert.match(index.body, /warning\(s\)<\/a> while reading the files/);
    const filesPage = await get("/files");
    assert.ok(
      filesPage.body.includes(`${basename(perfFile)}:3</code></td><td>not valid JSON, skipped`),
    );
    const perfPage = await get(
      `/run/${encodeURIComponent(withChunks.run_id)}/request/${basename(perfFile)}/2`,
    );
    assert.equal(perfPage.status, 200);
    assert.match(perfPage.body, /4 content chunk\(s\) from field <code>chunk_offsets_ms<\/code>/);
    await visit(`${viewer.url}/run/${encodeURIComponent(a.summary.run_id)}`, async (page) => {
      const warned = await page.evaluate<string>(
        `document.querySelector("details.warnings").textContent`,
      );
      assert.ok(warned.includes(`${basename(a.file)}:3`), warned);
      const path = await screenshot(page, await shotsDir(), "09_corrupt_line_served");
      console.log(`viewer screenshot: ${path}`);
      await go(page, {
        url: `${viewer.url}/run/${encodeURIComponent(withChunks.run_id)}/request/${
          basename(perfFile)
        }/2`,
      });
      console.log(
        `viewer screenshot: ${await screenshot(
          page,
          await shotsDir(),
          "10_request_chunk_timeline",
        )}`,
      );
      assert.deepEqual(page.consoleErrors, []);
    });
  } finally {
    await viewer.shutdown();
  }
});

Deno.test("fields newer writers add (an invalid cause per record, invalid rates by cause in the summary) are shown, and a compliance answer's markup is shown as text", async () => {
  await ready;
  const dir = join(root, "newer_fields");
  await Deno.mkdir(dir);
  for (const e of Deno.readDirSync(results)) {
    await Deno.copyFile(join(results, e.name), join(dir, e.name));
  }
  const b = (await evalRuns(dir)).find((r) => r.summary.model_key === "stories260k")!;
  // Constrained decoding makes every answer a label, so the run may have no invalid answer: the
  // test marks three wrong answers invalid (cut by the token limit) as a newer writer would record
  // them; the accuracy is unchanged, so records and summary still agree.
  const wrong = b.records.filter((r) => r.error === null && r.correct === false);
  assert.ok(wrong.length >= 3, `${wrong.length} wrong answers`);
  const cut = new Set(wrong.slice(0, 3).map((r) => r.sample_id));
  const invalid = wrong.filter((r) => cut.has(r.sample_id));
  await Deno.writeTextFile(
    b.file,
    b.records.map((r) =>
      JSON.stringify(
        cut.has(r.sample_id) && r.error === null
          ? {
            ...r,
            valid: false,
            prediction: null,
            correct: false,
            score: 0,
            invalid_cause: "truncated",
          }
          : r,
      )
    ).join("\n") + "\n",
  );
  const summaryFile = files(dir, /^eval_.+\.json$/).find((f) =>
    f.includes(basename(b.file).replace(".jsonl", ""))
  )!;
  const summary = JSON.parse(await Deno.readTextFile(summaryFile));
  summary.metrics.invalid = invalid.length;
  summary.metrics.invalid_rate = invalid.length / summary.metrics.n;
  const reasons = summary.metrics.invalid_reasons as Record<
    string,
    { count: number; rate: number }
  >;
  for (const cause of Object.keys(reasons)) {
    if (cause !== "error") reasons[cause] = { count: 0, rate: 0 };
  }
  reasons.truncated = { count: invalid.length, rate: invalid.length / summary.metrics.n };
  await Deno.writeTextFile(summaryFile, JSON.stringify(summary));
  const complianceFile = files(dir, /^compliance_.+\.jsonl$/)[0];
  const probes = (await Deno.readTextFile(complianceFile)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  probes[0].raw_output = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
  await Deno.writeTextFile(complianceFile, probes.map((p) => JSON.stringify(p)).join("\n") + "\n");

  const viewer = await serveViewer({ resultsDir: dir, port: 0 });
  try {
    const run = await (await fetch(`${viewer.url}/run/${encodeURIComponent(b.summary.run_id)}`))
      .text();
    assert.ok(!run.includes('class="warnings"'), "the edited files still agree with each other");
    assert.equal(run.match(/invalid: truncated/g)?.length, invalid.length);
    assert.match(
      run,
      new RegExp(`<div>truncated: ${invalid.length} · [0-9.]+ ?%</div>`),
      "the summary's causes",
    );
    const page = await (await fetch(`${viewer.url}/run/${encodeURIComponent(probes[0].run_id)}`))
      .text();
    assert.ok(!page.includes("<script>alert"), "no markup from a model reaches the page");
    assert.ok(
      page.includes(
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;",
      ),
    );
  } finally {
    await viewer.shutdown();
  }
});
