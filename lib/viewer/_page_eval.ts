/** An eval run: summary, confusion matrix, filtered samples; and one sample's whole exchange. @module */
import { relative } from "node:path";
import { confusionMatrix, wilsonCi } from "../stats/mod.ts";
import type { EvalSummary } from "../results/mod.ts";
import {
  applyFilter,
  type EvalRunData,
  filterQuery,
  INVALID,
  invalidCause,
  outcomeOf,
  type SampleFilter,
  showMatches,
} from "./_eval_data.ts";
import type { ViewerEvalRecord } from "./_files.ts";
import {
  badge,
  clip,
  date,
  h,
  href,
  type Html,
  num,
  page,
  pct,
  raw,
  runHref,
  withCi,
} from "./_html.ts";
import type { ResultsIndex, RunInfo } from "./_index.ts";
import { statusBadge } from "./_page_runs.ts";

/** Samples per page of the samples table. */
export const PAGE_SIZE = 100;

/** A card: label, value, interval and a note. */
function card(k: string, v: string, ci = "", note: Html | string = ""): Html {
  return h`<div class="card"><div class="k">${k}</div><div class="v">${v}</div>${
    ci ? h`<div class="ci">${ci}</div>` : ""
  }${note ? h`<div class="ci">${note}</div>` : ""}</div>`;
}

type Estimate = { value: number | null; ci95?: [number, number] | null; ci_method?: unknown };

function isEstimate(v: unknown): v is Estimate {
  return v !== null && typeof v === "object" && "value" in v &&
    (typeof (v as Estimate).value === "number" || (v as Estimate).value === null);
}

const ciOf = (e: Estimate, scale: number, digits: number) =>
  e.ci95
    ? `95 % CI [${(e.ci95[0] * scale).toFixed(digits)}, ${(e.ci95[1] * scale).toFixed(digits)}]`
    : "";

/** The interval method named beside an estimate (a newer summary field), else the documented one. */
function method(e: Estimate, fallback: string): string {
  return typeof e.ci_method === "string" ? e.ci_method : fallback;
}

/** Invalid answers by cause from the summary (any `metrics` key naming causes), or from records. */
function invalidCauses(
  summary: EvalSummary | null,
  records: readonly ViewerEvalRecord[],
): { cause: string; count: number | null; rate: number | null }[] {
  const metrics = (summary?.metrics ?? {}) as Record<string, unknown>;
  const key = Object.keys(metrics).find((k) => /cause/i.test(k) && typeof metrics[k] === "object");
  if (key && metrics[key]) {
    return Object.entries(metrics[key] as Record<string, unknown>).map(([cause, v]) => {
      if (typeof v === "number") {
        return Number.isInteger(v) && v > 1
          ? { cause, count: v, rate: null }
          : { cause, count: null, rate: v };
      }
      const o = (v ?? {}) as Record<string, unknown>;
      const count = [o.count, o.n].find((x) => typeof x === "number") as number | undefined;
      const rate = [o.rate, o.value, o.share].find((x) => typeof x === "number") as
        | number
        | undefined;
      return { cause, count: count ?? null, rate: rate ?? null };
    });
  }
  const counts = new Map<string, number>();
  for (const r of records) {
    const c = invalidCause(r);
    if (c && outcomeOf(r) !== "correct") counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return [...counts].map(([cause, count]) => ({
    cause,
    count,
    rate: records.length ? count / records.length : null,
  }));
}

const KNOWN_METRICS = new Set([
  "n",
  "invalid_rate",
  "error_rate",
  "invalid",
  "errors",
  "accuracy",
  "macro_f1",
]);

function summaryCards(data: EvalRunData): Html {
  const s = data.source.summary;
  const recs = data.records;
  if (!s) {
    const correct = recs.filter((r) => r.correct === true).length;
    const acc = wilsonCi(correct, recs.length);
    const invalid = recs.filter((r) => outcomeOf(r) === "invalid").length;
    const errors = recs.filter((r) => r.error !== null).length;
    return h`<p class="note">No summary file for this run${
      data.run.parent
        ? h` (a quality subset of rounds run <a href="${
          runHref(data.run.parent)
        }">${data.run.parent}</a>, summarised there)`
        : ""
    }: the figures below are counted from its records.</p>
<div class="cards">${card("Samples", String(recs.length))}${
      card(
        "Accuracy %",
        num(acc.value === null ? null : acc.value * 100),
        ciOf(acc, 100, 1),
        "Wilson, from records",
      )
    }${
      card(
        "Invalid",
        pct(recs.length ? invalid / recs.length : null),
        `${invalid} of ${recs.length}`,
      )
    }${
      card("Errors", pct(recs.length ? errors / recs.length : null), `${errors} of ${recs.length}`)
    }</div>`;
  }
  const m = s.metrics as Record<string, unknown> & EvalSummary["metrics"];
  const causes = invalidCauses(s, recs);
  const extra = Object.entries(m).filter(([k]) => !KNOWN_METRICS.has(k) && !/cause/i.test(k));
  const lat = s.latency_ms;
  return h`<div class="cards">
${
    card(
      "Samples",
      `${m.n}${s.planned !== m.n ? ` / ${s.planned}` : ""}`,
      s.complete ? "complete" : "incomplete",
    )
  }
${
    m.accuracy
      ? card(
        "Accuracy %",
        num(m.accuracy.value * 100),
        ciOf(m.accuracy, 100, 1),
        method(m.accuracy as Estimate, "Wilson"),
      )
      : ""
  }
${
    m.macro_f1
      ? card(
        "Macro-F1 %",
        num(m.macro_f1.value * 100),
        ciOf(m.macro_f1, 100, 1),
        method(m.macro_f1 as Estimate, "bootstrap"),
      )
      : ""
  }
${
    card(
      "Invalid answers",
      pct(m.invalid_rate),
      `${m.invalid} of ${m.n}`,
      causes.length
        ? h`${
          causes.map((c) =>
            h`<div>${c.cause}: ${c.count ?? ""}${c.count !== null && c.rate !== null ? " · " : ""}${
              c.rate !== null ? pct(c.rate) : ""
            }</div>`
          )
        }`
        : "",
    )
  }
${card("Failed requests", pct(m.error_rate), `${m.errors} of ${m.n}`)}
${
    card(
      "Latency ms (mean)",
      num(lat.mean.value, 0),
      lat.mean.ci95 ? `95 % CI [${num(lat.mean.ci95[0], 0)}, ${num(lat.mean.ci95[1], 0)}]` : "",
      `median ${num(lat.median.value, 0)} · p90 ${num(lat.p90.value, 0)}`,
    )
  }
${
    extra.map(([k, v]) =>
      isEstimate(v)
        ? card(
          k,
          num(v.value, 3),
          v.ci95 ? `95 % CI [${num(v.ci95[0], 3)}, ${num(v.ci95[1], 3)}]` : "",
          typeof v.ci_method === "string" ? v.ci_method : "",
        )
        : typeof v === "number"
        ? card(k, num(v, 3))
        : ""
    )
  }
</div>
<p class="note">Summary check against the records: ${
    data.source.check === "ok"
      ? badge("ok", "good")
      : badge(data.source.check ?? "not checked", "bad")
  }</p>`;
}

function confusionTable(data: EvalRunData): Html {
  const s = data.source.summary;
  let conf = s?.confusion;
  let from = "summary";
  if (!conf && data.records.length && data.records.every((r) => r.correct !== null)) {
    const refs = data.records.map((r) => r.reference);
    const preds = data.records.map((r) => (r.error === null ? r.prediction : null));
    conf = confusionMatrix(refs, preds);
    from = "records";
  }
  if (!conf || conf.labels.length === 0) return h``;
  const rows = conf.labels.map((_, i) => i).filter((i) =>
    conf!.matrix[i].some((x) => x > 0) || conf!.invalid[i] > 0
  );
  const cols = conf.labels.map((_, j) => j).filter((j) => conf!.matrix.some((row) => row[j] > 0));
  const runId = data.run.run_id;
  const cell = (count: number, total: number, ref: string, pred: string, diag: boolean) => {
    const shade = total ? count / total : 0;
    const bg = count === 0
      ? ""
      : diag
      ? `background:rgba(26,127,55,${(0.15 + 0.6 * shade).toFixed(2)})`
      : `background:rgba(180,35,24,${(0.1 + 0.55 * shade).toFixed(2)})`;
    return h`<td class="${diag ? "diag" : ""}" style="${bg}">${
      count
        ? h`<a href="${
          href(["run", runId], { ref, pred })
        }" title="reference ${ref} → ${pred}: ${count}">${count}</a>`
        : h`<span class="sub">·</span>`
    }</td>`;
  };
  const hidden = conf.labels.length - rows.length;
  return h`<h2>Confusion matrix <span class="sub">(from the ${from}: rows = reference, columns = extracted label; a cell opens its samples)</span></h2>
<table class="confusion"><thead><tr><th>reference ↓ / predicted →</th>${
    cols.map((j) => h`<th class="rot">${conf!.labels[j]}</th>`)
  }<th class="rot">${INVALID}</th><th class="rot">n</th></tr></thead><tbody>
${
    rows.map((i) => {
      const total = conf!.matrix[i].reduce((a, b) => a + b, 0) + conf!.invalid[i];
      return h`<tr><th>${conf!.labels[i]}</th>${
        cols.map((j) => cell(conf!.matrix[i][j], total, conf!.labels[i], conf!.labels[j], i === j))
      }${cell(conf!.invalid[i], total, conf!.labels[i], INVALID, false)}<td>${total}</td></tr>`;
    })
  }
</tbody></table>
${
    hidden
      ? h`<p class="note">${hidden} label(s) with no sample in this run are left out; predicted columns show only labels the model gave.</p>`
      : ""
  }`;
}

function perClass(summary: EvalSummary | null): Html {
  if (!summary?.per_class?.length) return h``;
  const rows = summary.per_class.filter((c) => c.support > 0 || c.predicted > 0);
  return h`<details class="block"><summary>Per-class precision, recall and F1 (${rows.length} labels with samples or predictions)</summary>
<table class="sortable"><thead><tr><th data-sort>Label</th><th data-sort class="num">Support</th><th data-sort class="num">Predicted</th><th data-sort class="num">Precision</th><th data-sort class="num">Recall</th><th data-sort class="num">F1 [95 % CI]</th></tr></thead><tbody>
${
    rows.map((c) =>
      h`<tr><td><a href="${
        href(["run", summary.run_id], { label: c.label })
      }">${c.label}</a></td><td class="num">${c.support}</td><td class="num">${c.predicted}</td><td class="num">${
        num(c.precision, 3)
      }</td><td class="num">${num(c.recall, 3)}</td><td class="num" data-sort="${c.f1}">${
        withCi({ value: c.f1, ci95: c.f1_ci95 }, 3)
      }</td></tr>`
    )
  }</tbody></table></details>`;
}

function groupsTable(summary: EvalSummary | null): Html {
  if (!summary?.groups || !Object.keys(summary.groups).length) return h``;
  return h`<h2>Groups</h2><table class="sortable"><thead><tr><th data-sort>Group</th><th data-sort class="num">n</th><th data-sort class="num">Accuracy % [95 % CI]</th></tr></thead><tbody>${
    Object.entries(summary.groups).map(([g, v]) =>
      h`<tr><td>${g}</td><td class="num">${v.n}</td><td class="num" data-sort="${
        v.accuracy?.value ?? ""
      }">${withCi(v.accuracy, 1, 100)}</td></tr>`
    )
  }</tbody></table>`;
}

/** A sample's outcome badge (with its invalid cause where recorded). */
export function outcomeBadge(r: ViewerEvalRecord): Html {
  const o = outcomeOf(r);
  const cause = invalidCause(r);
  if (o === "correct") return badge("correct", "good");
  if (o === "wrong") return badge("wrong", "bad");
  if (o === "invalid") return badge(cause ? `invalid: ${cause}` : "invalid", "warn");
  if (o === "error") return badge("error", "bad");
  return badge(`score ${num(r.score, 3)}`, "info");
}

/** Header facts of a run (model, format, dates, status, files). */
export function runMeta(index: ResultsIndex, run: RunInfo): Html {
  const rel = (p: string) => relative(index.dir, p) || p;
  const m = run.models;
  return h`<dl class="meta">
<dt>Model</dt><dd>${
    m.map((x) => `${x.model_key} (${x.model_id}, ${x.backend})`).join("; ") || "–"
  }</dd>
<dt>Format · quant.</dt><dd>${m.map((x) => `${x.format} ${x.quantization}`).join("; ") || "–"}</dd>
<dt>Scope</dt><dd>${run.scope || "–"}</dd>
<dt>Config hash</dt><dd><code>${run.config_hash ?? "–"}</code></dd>
<dt>Started</dt><dd>${date(run.started_at)}</dd>
<dt>Status</dt><dd>${statusBadge(run)} ${run.n_note}${
    run.missing.length
      ? h`<ul class="missing">${run.missing.map((x) => h`<li>${x}</li>`)}</ul>`
      : ""
  }${run.notes.length ? h`<div class="kv">notes: ${run.notes.join("; ")}</div>` : ""}</dd>
<dt>Files</dt><dd>${run.files.map((f) => h`<code>${rel(f)}</code> `)}${
    run.manifest_file ? h`· manifest <code>${rel(run.manifest_file)}</code>` : ""
  }</dd>
</dl>`;
}

function otherRuns(index: ResultsIndex, run: RunInfo): Html {
  const others = index.runs.filter((r) =>
    r.kind === "eval" && r.task === run.task && r.run_id !== run.run_id
  );
  if (!others.length) return h``;
  return h`<p><strong>Compare side by side with</strong> another ${run.task} run: ${
    others.map((o, i) =>
      h`${i ? " · " : ""}<a href="${href(["compare"], { a: run.run_id, b: o.run_id })}">${
        o.models.map((m) => `${m.model_key} ${m.format} ${m.quantization}`).join(", ")
      } <span class="sub">(${o.run_id})</span></a>`
    )
  }</p>`;
}

function filterBar(data: EvalRunData, f: SampleFilter): Html {
  const id = data.run.run_id;
  const count = (show: string) => data.records.filter((r) => showMatches(show, r)).length;
  const pills = [["all", "All"], ["wrong", "Wrong"], ["invalid", "Invalid"], ["error", "Errors"], [
    "correct",
    "Correct",
  ]] as const;
  const labels = [...new Set(data.records.flatMap((r) => [r.reference, r.prediction ?? ""]))]
    .filter(Boolean).sort();
  return h`<form class="toolbar" method="get" action="${href(["run", id])}" id="sample-filters">
${
    pills.map(([k, label]) =>
      h`<a class="pill ${f.show === k ? "on" : ""}" href="${
        href(["run", id], { ...filterQuery({ ...f, show: k }) })
      }" data-show="${k}">${label} <span class="sub">${count(k)}</span></a>`
    )
  }
<input type="hidden" name="show" value="${f.show}">
<label>Label <select name="label"><option value="">any</option>${
    labels.map((l) => h`<option ${l === f.label ? raw("selected") : ""}>${l}</option>`)
  }</select></label>
<label>Text <input type="search" name="q" value="${f.q}" placeholder="in prompt, answer, id…"></label>
${f.ref ? h`<input type="hidden" name="ref" value="${f.ref}">` : ""}${
    f.pred ? h`<input type="hidden" name="pred" value="${f.pred}">` : ""
  }
<button type="submit">Apply</button>
${
    f.ref || f.pred
      ? h`<span class="kv">cell: reference <b>${f.ref || "any"}</b> → <b>${
        f.pred || "any"
      }</b> <a href="${
        href(["run", id], filterQuery({ ...f, ref: "", pred: "" }))
      }">clear</a></span>`
      : ""
  }
</form>`;
}

/** `/run/<eval id>?show=&label=&q=&page=`: summary, confusion matrix and samples. */
export function evalRunPage(
  index: ResultsIndex,
  data: EvalRunData,
  f: SampleFilter,
  pageNo: number,
): string {
  const run = data.run;
  const shown = applyFilter(data.records, f);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const p = Math.min(Math.max(1, pageNo), pages);
  const slice = shown.slice((p - 1) * PAGE_SIZE, p * PAGE_SIZE);
  const q = filterQuery(f);
  const scored = data.records.some((r) => r.correct === null && r.score !== null);
  const pager = pages > 1
    ? h`<div class="pager">Page ${p} of ${pages}: ${
      Array.from({ length: pages }, (_, i) => i + 1).filter((i) =>
        i === 1 || i === pages || Math.abs(i - p) <= 3
      )
        .map((i) =>
          i === p
            ? h`<span><b>${i}</b></span>`
            : h`<a href="${href(["run", run.run_id], { ...q, page: i })}">${i}</a>`
        )
    }</div>`
    : "";
  const body = h`${runMeta(index, run)}
${summaryCards(data)}
${otherRuns(index, run)}
${confusionTable(data)}
${perClass(data.source.summary)}
${groupsTable(data.source.summary)}
<h2 id="samples">Samples <span class="sub"><span id="samples-shown">${shown.length}</span> of ${data.records.length} shown</span></h2>
${filterBar(data, f)}
${pager}
<table id="samples-table" class="sortable full"><thead><tr><th data-sort>Sample</th><th data-sort>Reference</th><th data-sort>Extracted label</th><th data-sort>Outcome</th>${
    scored ? h`<th data-sort class="num">Score</th>` : ""
  }<th data-sort class="num">Latency ms</th><th>Raw output</th><th>Prompt (end)</th></tr></thead><tbody>
${
    slice.map((r) =>
      h`<tr data-outcome="${outcomeOf(r)}"><td><a href="${
        href(["run", run.run_id, "sample", r.sample_id], q)
      }"><code>${r.sample_id}</code></a>${
        r.group ? h`<div class="kv">${r.group}</div>` : ""
      }</td><td>${r.reference.length > 60 ? clip(r.reference, 60) : r.reference}</td><td>${
        r.prediction ?? h`<span class="sub">none</span>`
      }</td><td data-sort="${outcomeOf(r)}">${outcomeBadge(r)}</td>${
        scored ? h`<td class="num">${num(r.score, 3)}</td>` : ""
      }<td class="num" data-sort="${r.latency_ms ?? ""}">${
        num(r.latency_ms, 0)
      }</td><td class="out">${clip(r.raw_output, 140)}</td><td class="out">${
        clip(r.prompt, 120, "end")
      }</td></tr>`
    )
  }
</tbody></table>
${pager}
${shown.length === 0 ? h`<p>No sample matches this filter.</p>` : ""}`;
  return page({
    title: `${run.task} · ${run.models.map((m) => m.model_key).join(", ")}`,
    crumbs: [{ label: `eval run ${run.run_id}` }],
    warnings: data.warnings,
    resultsDir: index.dir,
  }, body);
}

function kvTable(obj: Record<string, unknown>): Html {
  const entries = Object.entries(obj);
  if (!entries.length) return h`<span class="sub">none</span>`;
  return h`<table>${
    entries.map(([k, v]) =>
      h`<tr><th>${k}</th><td class="out">${typeof v === "string" ? v : JSON.stringify(v)}</td></tr>`
    )
  }</table>`;
}

/** Other runs of the same task that hold this sample, with their answer. */
export interface SampleElsewhere {
  run: RunInfo;
  record: ViewerEvalRecord;
}

/** `/run/<eval id>/sample/<sample id>`: the whole exchange of one sample. */
export function samplePage(
  index: ResultsIndex,
  data: EvalRunData,
  record: ViewerEvalRecord,
  f: SampleFilter,
  elsewhere: SampleElsewhere[],
): string {
  const run = data.run;
  const shown = applyFilter(data.records, f);
  const at = shown.indexOf(record);
  const q = filterQuery(f);
  const prev = at > 0 ? shown[at - 1] : null;
  const next = at >= 0 && at < shown.length - 1 ? shown[at + 1] : null;
  const earlier = data.attempts.filter((r) => r.sample_id === record.sample_id && r !== record);
  const line = data.lineOf.get(record);
  const rel = relative(index.dir, data.source.records_file);
  const body = h`<p class="pager">${
    prev
      ? h`<a rel="prev" href="${
        href(["run", run.run_id, "sample", prev.sample_id], q)
      }">← previous</a>`
      : h`<span class="sub">← previous</span>`
  }
${
    at >= 0
      ? h`<span>${at + 1} of ${shown.length} in <a href="${
        href(["run", run.run_id], q)
      }#samples">this filter</a></span>`
      : h`<span>not in the current filter</span>`
  }
${
    next
      ? h`<a rel="next" href="${href(["run", run.run_id, "sample", next.sample_id], q)}">next →</a>`
      : h`<span class="sub">next →</span>`
  }</p>
<div class="cards">
${card("Outcome", "", "", outcomeBadge(record))}
${
    card(
      "Reference",
      record.reference.length > 40 ? record.reference.slice(0, 40) + "…" : record.reference,
    )
  }
${card("Extracted label", record.prediction ?? "none")}
${
    card(
      "Latency ms",
      num(record.latency_ms, 1),
      record.ttft_ms !== null ? `TTFT ${num(record.ttft_ms, 1)} ms` : "",
    )
  }
${
    card(
      "Tokens",
      `${record.prompt_tokens ?? "–"} → ${record.output_tokens ?? "–"}`,
      `prompt → output (${record.token_count_source ?? "unknown source"})`,
      record.finish_reason ? `finish: ${record.finish_reason}` : "",
    )
  }
</div>
<dl class="meta"><dt>Run</dt><dd><a href="${
    runHref(run.run_id)
  }">${run.run_id}</a> · ${record.task} · ${record.model_key} (${record.model_id}, ${record.format} ${record.quantization})</dd>
<dt>Record</dt><dd><code>${rel}${line ? `:${line}` : ""}</code> · ${
    date(record.timestamp)
  } · seed ${record.seed} · temperature ${record.temperature} · max_tokens ${record.max_tokens}${
    record.group ? ` · group ${record.group}` : ""
  }</dd>
${
    earlier.length
      ? h`<dt>Earlier attempts</dt><dd>${earlier.length}: ${
        earlier.map((r) => r.error ?? "answered").join("; ")
      }</dd>`
      : ""
  }
</dl>
${
    record.error
      ? h`<h2 class="error">Request failed</h2><pre class="text">${record.error}</pre>`
      : ""
  }
<h2>System prompt</h2>${
    record.system_prompt
      ? h`<pre class="text">${record.system_prompt}</pre>`
      : h`<p class="sub">none</p>`
  }
<h2>Prompt <span class="sub">(the user message as sent)</span></h2><pre class="text" id="prompt">${record.prompt}</pre>
${record.reasoning ? h`<h2>Reasoning</h2><pre class="text">${record.reasoning}</pre>` : ""}
<h2>Raw output</h2><pre class="text answer" id="raw-output">${record.raw_output}</pre>
<h2>Scoring</h2>
<div class="split"><div><h3>Extraction and scorer evidence</h3>${kvTable(record.details)}</div>
<div><h3>Scores</h3>${
    kvTable({ correct: record.correct, valid: record.valid, score: record.score, ...record.scores })
  }</div></div>
${
    record.server_timings
      ? h`<h3>Server timings</h3>${
        kvTable(record.server_timings as unknown as Record<string, unknown>)
      }`
      : ""
  }
${
    elsewhere.length
      ? h`<h2>This sample in other ${record.task} runs</h2><table><thead><tr><th>Run</th><th>Model</th><th>Extracted label</th><th>Outcome</th><th>Raw output</th><th></th></tr></thead><tbody>${
        elsewhere.map((e) =>
          h`<tr><td><a href="${
            href(["run", e.run.run_id, "sample", record.sample_id])
          }"><code>${e.run.run_id}</code></a></td><td>${e.record.model_key} ${e.record.format} ${e.record.quantization}</td><td>${
            e.record.prediction ?? "none"
          }</td><td>${outcomeBadge(e.record)}</td><td class="out">${
            clip(e.record.raw_output, 100)
          }</td><td><a href="${
            href(["compare"], { a: run.run_id, b: e.run.run_id })
          }">side by side</a></td></tr>`
        )
      }</tbody></table>`
      : ""
  }`;
  return page({
    title: `Sample ${record.sample_id}`,
    crumbs: [{ label: `eval run ${run.run_id}`, href: href(["run", run.run_id], q) }, {
      label: record.sample_id,
    }],
    warnings: data.warnings,
    resultsDir: index.dir,
  }, body);
}
