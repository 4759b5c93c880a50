/** One eval sample's whole exchange: prompts, answer, extraction, scores, other runs' answers. @module */
import { relative } from "node:path";
import { applyFilter, type EvalRunData, filterQuery, type SampleFilter } from "./_eval_data.ts";
import { outcomeBadge } from "./_eval_summary.ts";
import type { ViewerEvalRecord } from "./_files.ts";
import { card, clip, date, h, href, kvTable, num, page, runHref } from "./_html.ts";
import type { ResultsIndex, RunInfo } from "./_index.ts";

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
