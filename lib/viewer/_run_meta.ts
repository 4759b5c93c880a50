/** The facts every run page starts with, and the status badge. @module */
import { relative } from "node:path";
import { badge, date, h, type Html } from "./_html.ts";
import type { ResultsIndex, RunInfo } from "./_index.ts";

/** The badge of a run's status. */
export function statusBadge(run: Pick<RunInfo, "status">): Html {
  return run.status === "complete"
    ? badge("complete", "good")
    : run.status === "incomplete"
    ? badge("incomplete", "bad")
    : badge("unknown", "muted");
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
