/** A perf (or rounds) run: per-unit summaries, every request with its timeline; one request's page. @module */
import { basename, relative } from "node:path";
import { summarizePerf } from "../perf/mod.ts";
import { type PerfRecord, PerfRecordSchema } from "../results/mod.ts";
import type { RecordFiles, ViewerPerfRecord } from "./_files.ts";
import {
  badge,
  card,
  clip,
  date,
  h,
  href,
  type Html,
  kvTable,
  mib,
  num,
  page,
  pct,
  runHref,
  withCi,
} from "./_html.ts";
import { type ResultsIndex, type RunInfo, warningsFor } from "./_index.ts";
import { runMeta } from "./_run_meta.ts";
import { roundsBlock } from "./_page_rounds.ts";
import { chunkGaps, chunkTimes, miniTimeline, timelineChart } from "./_timeline.ts";

/** One perf request and where it is recorded. */
export interface PerfRequest {
  record: ViewerPerfRecord;
  file: string;
  line: number;
}

/** A perf or rounds run's requests, in file order. */
export interface PerfRunData {
  run: RunInfo;
  requests: PerfRequest[];
  warnings: { file: string; line: number | null; message: string }[];
}

/** Read the perf records of a run (every perf file the run names or that holds its records). */
export async function loadPerfRun(
  index: ResultsIndex,
  files: RecordFiles,
  runId: string,
): Promise<PerfRunData | null> {
  const run = index.byId.get(runId);
  if (!run || (run.kind !== "perf" && run.kind !== "rounds")) return null;
  const requests: PerfRequest[] = [];
  for (const file of run.files.filter((f) => /^perf_.+\.jsonl$/.test(basename(f)))) {
    let content;
    try {
      content = await files.perf(file);
    } catch {
      continue; // named by the manifest but missing: the index lists it as a warning or missing unit
    }
    content.records.forEach((record, i) => {
      if (record.run_id === runId) requests.push({ record, file, line: content.lines[i] });
    });
  }
  return { run, requests, warnings: warningsFor(index, run.files) };
}

const unitKey = (r: ViewerPerfRecord) =>
  `${r.round_id ?? ""}\u0000${r.model_key}\u0000${r.scenario}`;
const KNOWN = new Set(Object.keys(PerfRecordSchema.shape));

function unitsTable(data: PerfRunData, index: ResultsIndex): Html {
  const units = new Map<string, ViewerPerfRecord[]>();
  for (const q of data.requests) {
    const k = unitKey(q.record);
    if (!units.has(k)) units.set(k, []);
    units.get(k)!.push(q.record);
  }
  const peaks =
    (index.manifests.get(data.run.run_id)?.run.plan as Record<string, unknown> | undefined)
      ?.scenario_peaks as Record<string, Record<string, number | null>> | undefined;
  const rounds = data.run.kind === "rounds";
  const many = new Set(data.requests.map((q) => q.record.model_key)).size > 1;
  return h`<table id="units" class="sortable"><thead><tr>${
    rounds ? h`<th data-sort>Round</th>` : ""
  }${
    many ? h`<th data-sort>Model</th>` : ""
  }<th data-sort>Scenario</th><th data-sort class="num">n</th><th data-sort class="num">Warm-up</th><th data-sort class="num">Success</th><th data-sort class="num">TTFT ms [95 % CI]</th><th data-sort class="num">Output tok/s [95 % CI]</th><th data-sort class="num">E2E ms [95 % CI]</th><th data-sort class="num">Prefill tok/s</th><th data-sort class="num">Peak RSS (max)</th><th data-sort class="num">Scenario peak</th><th data-sort>Valid output</th><th>Tokens from</th></tr></thead><tbody>
${
    [...units.values()].map((rs) => {
      const s = summarizePerf(rs as PerfRecord[]);
      const r0 = rs[0];
      const peak = peaks?.[`${r0.model_key}/${r0.scenario}`];
      return h`<tr>${rounds ? h`<td>${r0.round_id ?? "–"}</td>` : ""}${
        many
          ? h`<td>${r0.model_key} <span class="kv">${r0.format} ${r0.quantization}</span></td>`
          : ""
      }<td>${r0.scenario}</td><td class="num">${s.n}</td><td class="num">${s.warmups}</td><td class="num">${
        pct(s.success_rate)
      }</td><td class="num" data-sort="${s.ttft_ms.mean.value ?? ""}">${
        withCi(s.ttft_ms.mean)
      }</td><td class="num" data-sort="${s.output_tokens_per_s.mean.value ?? ""}">${
        withCi(s.output_tokens_per_s.mean)
      }</td><td class="num" data-sort="${s.e2e_ms.mean.value ?? ""}">${
        withCi(s.e2e_ms.mean)
      }</td><td class="num">${
        num(s.prefill_tokens_per_s.mean.value)
      }</td><td class="num" data-sort="${s.peak_rss_bytes ?? ""}">${
        mib(s.peak_rss_bytes)
      }</td><td class="num">${mib(peak?.peak_rss_bytes ?? null)}</td><td>${
        s.output_valid ? `${pct(s.output_valid.value)} of ${s.output_valid.n}` : "–"
      }</td><td>${s.token_count_sources.join(", ")}</td></tr>`;
    })
  }</tbody></table>
<p class="note">Measured requests only (warm-ups excluded), timings over requests without error; means with Student's t 95 % intervals (lib/perf's summary). Output tokens/s = 1 / TPOT. Scenario peak RSS is the manifest's peak over the whole scenario, warm-ups included.</p>`;
}

/** `/run/<perf or rounds id>`: per-unit summaries and every request with its timeline. */
export function perfRunPage(index: ResultsIndex, data: PerfRunData): string {
  const run = data.run;
  const maxByScenario = new Map<string, number>();
  for (const { record: r } of data.requests) {
    maxByScenario.set(
      r.scenario,
      Math.max(
        maxByScenario.get(r.scenario) ?? 0,
        r.e2e_ms ?? 0,
        ...(chunkTimes(r)?.offsets ?? []),
      ),
    );
  }
  const scenarios = [...maxByScenario.keys()];
  const roundsOf = [...new Set(data.requests.map((q) => q.record.round_id ?? ""))].filter(Boolean);
  const withChunks = data.requests.filter((q) => chunkTimes(q.record)).length;
  const manyModels = new Set(data.requests.map((q) => q.record.model_key)).size > 1;
  const body = h`${runMeta(index, run)}
${run.kind === "rounds" ? roundsBlock(index, run) : ""}
<h2>Per model and scenario</h2>
${unitsTable(data, index)}
<h2>Requests <span class="sub"><span data-count-for="requests">${data.requests.length}</span> of ${data.requests.length} shown</span></h2>
<div class="toolbar">
<label>Scenario <select data-filter-for="requests" data-attr="scenario"><option value="">all</option>${
    scenarios.map((s) => h`<option>${s}</option>`)
  }</select></label>
${
    roundsOf.length
      ? h`<label>Round <select data-filter-for="requests" data-attr="round"><option value="">all</option>${
        roundsOf.map((s) => h`<option>${s}</option>`)
      }</select></label>`
      : ""
  }
<label>Kind <select data-filter-for="requests" data-attr="phase"><option value="">all</option><option value="measured">measured</option><option value="warm-up">warm-up</option><option value="failed">failed</option></select></label>
<label>Text <input type="search" data-filter-for="requests" placeholder="in output, error…"></label>
<span class="legend">timeline (per scenario, same scale):<i style="background:#9db7d5"></i>prefill (→ first token)<i style="background:#5fb878"></i>decode (→ last token)${
    withChunks ? h`<i style="background:#0b3d1f;width:2px"></i>chunk arrivals` : ""
  }</span>
</div>
${
    withChunks === 0
      ? h`<p class="note">These records hold no chunk arrival times (a newer perf record field): timelines show the two phases only.</p>`
      : ""
  }
<table id="requests" class="sortable full"><thead><tr>${
    roundsOf.length ? h`<th data-sort>Round</th>` : ""
  }${
    manyModels ? h`<th data-sort>Model</th>` : ""
  }<th data-sort>Scenario</th><th data-sort class="num">Rep.</th><th data-sort>Kind</th><th data-sort class="num">TTFT ms</th><th data-sort class="num">E2E ms</th><th data-sort class="num">TPOT ms</th><th data-sort class="num">Output tok/s</th><th data-sort class="num">Tokens in → out</th><th data-sort class="num">Peak RSS</th><th>Timeline</th><th>Output</th></tr></thead><tbody>
${
    data.requests.map(({ record: r, file, line }) => {
      const phase = r.error !== null ? "failed" : r.warmup ? "warm-up" : "measured";
      return h`<tr data-scenario="${r.scenario}" data-round="${
        r.round_id ?? ""
      }" data-phase="${phase}">${roundsOf.length ? h`<td>${r.round_id ?? "–"}</td>` : ""}${
        manyModels ? h`<td>${r.model_key}</td>` : ""
      }<td>${r.scenario}</td><td class="num"><a href="${
        href(["run", run.run_id, "request", basename(file), String(line)])
      }">${r.repetition}</a></td><td>${
        r.error !== null
          ? badge("failed", "bad")
          : r.warmup
          ? badge("warm-up", "muted")
          : badge("measured", "info")
      }${r.output_valid === false ? badge("invalid JSON", "warn") : ""}</td><td class="num">${
        num(r.ttft_ms)
      }</td><td class="num">${num(r.e2e_ms)}</td><td class="num">${
        num(r.tpot_ms, 2)
      }</td><td class="num">${num(r.output_tokens_per_s)}</td><td class="num" data-sort="${
        r.output_tokens ?? ""
      }">${r.prompt_tokens ?? "–"} → ${r.output_tokens ?? "–"}</td><td class="num" data-sort="${
        r.peak_rss_bytes ?? ""
      }" title="system used ${mib(r.peak_system_used_bytes)}">${mib(r.peak_rss_bytes)}</td><td>${
        miniTimeline(
          { ttft_ms: r.ttft_ms, e2e_ms: r.e2e_ms, chunks: chunkTimes(r) },
          maxByScenario.get(r.scenario) ?? 0,
          170,
        )
      }</td><td class="out">${
        r.error !== null
          ? h`<span class="error">${clip(r.error, 100)}</span>`
          : clip(r.output_text, 70)
      }</td></tr>`;
    })
  }
</tbody></table>`;
  return page({
    title: `${run.kind === "rounds" ? "Rounds" : "Perf"} · ${
      run.models.map((m) => m.model_key).join(", ")
    }`,
    crumbs: [{ label: `${run.kind} run ${run.run_id}` }],
    warnings: data.warnings,
    resultsDir: index.dir,
  }, body);
}

/** `/run/<id>/request/<file>/<line>`: one request's measurements, timeline and output. */
export function requestPage(index: ResultsIndex, data: PerfRunData, q: PerfRequest): string {
  const r = q.record;
  const chunks = chunkTimes(r);
  const gaps = chunks ? chunkGaps(chunks.offsets) : [];
  const sorted = [...gaps].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length
      ? sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))]
      : null;
  const extra = Object.fromEntries(Object.entries(r).filter(([k]) => !KNOWN.has(k)));
  const i = data.requests.indexOf(q);
  const prev = i > 0 ? data.requests[i - 1] : null;
  const next = i < data.requests.length - 1 ? data.requests[i + 1] : null;
  const link = (x: PerfRequest) =>
    href(["run", data.run.run_id, "request", basename(x.file), String(x.line)]);
  const body = h`<p class="pager">${
    prev ? h`<a rel="prev" href="${link(prev)}">← previous</a>` : ""
  } <span>${i + 1} of ${data.requests.length}</span> ${
    next ? h`<a rel="next" href="${link(next)}">next →</a>` : ""
  }</p>
<dl class="meta"><dt>Run</dt><dd><a href="${runHref(data.run.run_id)}">${data.run.run_id}</a></dd>
<dt>Model</dt><dd>${r.model_key} (${r.model_id}, ${r.backend}${
    r.runner !== "edge-slm-bench" ? `, runner ${r.runner}` : ""
  }) · ${r.format} ${r.quantization}</dd>
<dt>Request</dt><dd>${r.scenario}${r.round_id ? ` · round ${r.round_id}` : ""} · ${
    r.warmup ? "warm-up" : "measured"
  } repetition ${r.repetition} · seed ${r.seed} · temperature ${r.temperature} · max_tokens ${r.max_tokens} · finish ${
    r.finish_reason ?? "–"
  }</dd>
<dt>Record</dt><dd><code>${relative(index.dir, q.file)}:${q.line}</code> · ${
    date(r.timestamp)
  } · host ${r.host} · commit <code>${r.git_commit ?? "–"}</code></dd></dl>
${
    r.error !== null
      ? h`<h2 class="error">Request failed</h2><pre class="text">${r.error}</pre>`
      : ""
  }
<div class="cards">
${card("TTFT ms", num(r.ttft_ms), "request sent → first content")}
${card("E2E ms", num(r.e2e_ms), "→ last content chunk")}
${card("TPOT ms", num(r.tpot_ms, 2), `decode ${num(r.decode_ms)} ms`)}
${
    card(
      "Output tok/s",
      num(r.output_tokens_per_s),
      `E2E ${num(r.e2e_tokens_per_s)} · prefill ${num(r.prefill_tokens_per_s)}`,
    )
  }
${
    card(
      "Tokens",
      `${r.prompt_tokens ?? "–"} → ${r.output_tokens ?? "–"}`,
      `prompt → output (${r.token_count_source ?? "–"})`,
    )
  }
${
    card(
      "Peak RSS",
      mib(r.peak_rss_bytes),
      `footprint ${mib(r.peak_footprint_bytes)} · ${r.memory_samples} samples`,
    )
  }
${card("System used", mib(r.peak_system_used_bytes))}
${r.draft_acceptance_rate !== null ? card("Draft acceptance", pct(r.draft_acceptance_rate)) : ""}
${r.output_valid !== null ? card("Output check", r.output_valid ? "valid" : "invalid") : ""}
</div>
<h2>Token timeline</h2>
${timelineChart({ ttft_ms: r.ttft_ms, e2e_ms: r.e2e_ms, chunks })}
${
    chunks
      ? h`<p class="note">${chunks.offsets.length} content chunk(s) from field <code>${chunks.field}</code>${
        chunks.fromGaps ? " (gaps summed into arrival times)" : ""
      }. Inter-chunk gaps (first chunk excluded): min ${num(sorted[0] ?? null, 2)} ms, median ${
        num(at(0.5), 2)
      } ms, p90 ${num(at(0.9), 2)} ms, max ${num(sorted.at(-1) ?? null, 2)} ms.</p>`
      : h`<p class="note">This record holds no chunk arrival times: prefill and decode phases only.</p>`
  }
<h2>Output</h2><pre class="text answer">${r.output_text}</pre>
<div class="split"><div><h3>Server timings</h3>${
    kvTable(r.server_timings as unknown as Record<string, unknown> | null)
  }</div><div><h3>Engine settings</h3>${kvTable(r.settings)}</div></div>
${Object.keys(extra).length ? h`<h3>Other recorded fields</h3>${kvTable(extra)}` : ""}`;
  return page({
    title: `Request ${r.scenario} #${r.repetition}${r.warmup ? " (warm-up)" : ""}`,
    crumbs: [{ label: `${data.run.kind} run ${data.run.run_id}`, href: runHref(data.run.run_id) }, {
      label: `${basename(q.file)}:${q.line}`,
    }],
    warnings: data.warnings,
    resultsDir: index.dir,
  }, body);
}
