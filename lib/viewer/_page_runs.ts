/** The runs list and the files page. @module */
import { relative } from "node:path";
import { badge, date, h, type Html, page, runHref } from "./_html.ts";

/** `YYYY-MM-DD HH:MM` (UTC) of an ISO date, or an en dash. */
function shortDate(iso: string | null): string {
  return iso ? iso.slice(0, 16).replace("T", " ") : "–";
}
import type { ResultsIndex, RunInfo } from "./_index.ts";
import { statusBadge } from "./_run_meta.ts";

const KIND_TONE = { perf: "info", eval: "good", compliance: "warn", rounds: "muted" } as const;

function row(run: RunInfo): Html {
  const models = run.models.length ? run.models : [{
    model_key: "–",
    model_id: "",
    format: "–",
    quantization: "–",
    backend: "",
  }];
  const join = (f: (m: (typeof models)[number]) => string) =>
    [...new Set(models.map(f))].join(", ");
  return h`<tr data-kind="${run.kind}" data-status="${run.status}">
<td>${
    run.kind === "eval"
      ? h`<input type="checkbox" class="pick" value="${run.run_id}" aria-label="select ${run.run_id}">`
      : ""
  }</td>
<td>${badge(run.kind, KIND_TONE[run.kind])}</td>
<td><a href="${runHref(run.run_id)}"><code>${run.run_id}</code></a></td>
<td title="${join((m) => m.model_id)}">${join((m) => m.model_key)}</td>
<td class="nowrap">${join((m) => `${m.format} ${m.quantization}`)}</td>
<td class="wide">${run.scope || "–"}</td>
<td data-sort="${run.config_hash ?? ""}"><code title="${run.config_hash ?? ""}">${
    (run.config_hash ?? "–").slice(0, 10)
  }</code></td>
<td data-sort="${run.started_at ?? ""}" title="${date(run.started_at)}" class="nowrap">${
    shortDate(run.started_at)
  }</td>
<td data-sort="${run.status}">${statusBadge(run)} <span class="kv">${run.n_note}</span>${
    run.missing.length
      ? h`<ul class="missing">${run.missing.map((m) => h`<li>${m}</li>`)}</ul>`
      : ""
  }</td>
<td class="num" data-sort="${run.n}">${run.n}</td>
</tr>`;
}

/** `/`: every run with model, format, quantization, config hash, date, status and n. */
export function runsPage(index: ResultsIndex): string {
  const kinds = ["perf", "eval", "compliance", "rounds"] as const;
  const counts = kinds.map((k) => `${index.runs.filter((r) => r.kind === k).length} ${k}`).join(
    " · ",
  );
  const body = h`
<p class="sub">${index.runs.length} run(s): ${counts}. ${
    index.warnings.length
      ? h`<a href="/files">${index.warnings.length} warning(s)</a> while reading the files (bad lines are skipped, never fatal).`
      : "No warning while reading the files."
  }</p>
<div class="toolbar">
  <label>Filter <input type="search" id="runs-filter" placeholder="model, run id, task, hash…" data-filter-for="runs"></label>
  <label>Kind <select data-filter-for="runs" data-attr="kind"><option value="">all</option>${
    kinds.map((k) => h`<option>${k}</option>`)
  }</select></label>
  <label>Status <select data-filter-for="runs" data-attr="status"><option value="">all</option><option>complete</option><option>incomplete</option><option>unknown</option></select></label>
  <span class="kv"><span data-count-for="runs">${index.runs.length}</span> shown</span>
  <button id="compare-selected" type="button" disabled>Select two eval runs to compare</button>
</div>
<table id="runs" class="sortable full">
<thead><tr><th></th><th data-sort>Kind</th><th data-sort>Run</th><th data-sort>Model</th><th data-sort>Format · quant.</th><th data-sort>Task / scenarios</th><th data-sort>Config hash</th><th data-sort>Date</th><th data-sort>Status</th><th data-sort class="num">n</th></tr></thead>
<tbody>
${index.runs.map(row)}
</tbody></table>
${
    index.runs.length
      ? ""
      : h`<p>No run in this folder yet: run <code>deno task perf</code>, <code>deno task eval</code> or <code>deno task compliance</code> with <code>--results-dir</code> pointing here.</p>`
  }
<p class="note">Status compares each run's manifest plan with its records: a perf unit with fewer measured requests than planned, a capability run with missing or failed samples, a compliance run with missing probe results, a rounds run with a failed or pending round, or a manifest still marked running make a run incomplete; each missing item is listed. Click a column heading to sort.</p>`;
  return page({ title: "Runs", resultsDir: index.dir }, body);
}

/** `/files`: every file read, what it held, and every warning (file:line). */
export function filesPage(index: ResultsIndex): string {
  const rel = (p: string) => relative(index.dir, p) || p;
  const body = h`
<h2>Files</h2>
<table class="sortable"><thead><tr><th data-sort>File</th><th data-sort>Kind</th><th data-sort class="num">Records</th><th data-sort class="num">Skipped</th></tr></thead><tbody>
${
    index.results.files.map((f) =>
      h`<tr><td><code>${
        rel(f.file)
      }</code></td><td>${f.kind}</td><td class="num">${f.records}</td><td class="num">${
        f.skipped ? badge(String(f.skipped), "bad") : "0"
      }</td></tr>`
    )
  }
</tbody></table>
<h2>Warnings</h2>
${
    index.warnings.length
      ? h`<table><thead><tr><th>File:line</th><th>Problem</th></tr></thead><tbody>${
        index.warnings.map((w) =>
          h`<tr><td><code>${rel(w.file)}${
            w.line === null ? "" : `:${w.line}`
          }</code></td><td>${w.message}</td></tr>`
        )
      }</tbody></table>`
      : h`<p>None.</p>`
  }`;
  return page({ title: "Files", crumbs: [{ label: "Files" }], resultsDir: index.dir }, body);
}
