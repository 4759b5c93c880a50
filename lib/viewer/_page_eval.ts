/** An eval run: summary, confusion matrix, filtered samples. @module */
import {
  applyFilter,
  type EvalRunData,
  filterQuery,
  outcomeOf,
  type SampleFilter,
  showMatches,
} from "./_eval_data.ts";
import {
  confusionTable,
  groupsTable,
  outcomeBadge,
  perClass,
  summaryCards,
} from "./_eval_summary.ts";
import { clip, h, href, type Html, num, page, raw } from "./_html.ts";
import type { ResultsIndex, RunInfo } from "./_index.ts";
import { runMeta } from "./_run_meta.ts";

/** Samples per page of the samples table. */
export const PAGE_SIZE = 100;

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
