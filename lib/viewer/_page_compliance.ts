/** A compliance run: each probe's answer, verdict and evidence by OWASP item; the risk analysis with its NIST mapping. @module */
import { relative } from "node:path";
import {
  EXTRA_RISKS,
  OWASP_LLM_2025,
  type ProbeCatalogue,
  type ResolvedProbe,
  type RiskAnalysis,
} from "../compliance/mod.ts";
import type { LoadedComplianceRecord } from "../report/mod.ts";
import { badge, date, h, href, type Html, num, page, pct, raw, runHref } from "./_html.ts";
import { type ResultsIndex, type RunInfo, warningsFor } from "./_index.ts";
import { runMeta } from "./_run_meta.ts";
import { nistTable, overview, ratingTone, riskTable, riskTitle } from "./_risk_tables.ts";

/** What the compliance pages show for one run. */
export interface ComplianceRunData {
  run: RunInfo;
  /** The latest record per model and probe, in file order. */
  records: LoadedComplianceRecord[];
  /** The probe sets as they are now (prompts are not stored in the records). */
  catalogue: ProbeCatalogue | null;
  catalogueError: string | null;
  /** The rubric's scoring of this run's records (lib/report's complianceAnalysis). */
  analysis: RiskAnalysis | null;
  analysisError: string | null;
  warnings: { file: string; line: number | null; message: string }[];
}

/** The records of a compliance run from the index (latest per model and probe). */
export function complianceRecords(index: ResultsIndex, runId: string): LoadedComplianceRecord[] {
  const latest = new Map<string, LoadedComplianceRecord>();
  for (const r of index.results.compliance) {
    if (r.run_id === runId) latest.set(`${r.model_key}\u0000${r.probe_id}`, r);
  }
  return [...latest.values()];
}

/** The warnings of a compliance run's files. */
export function complianceWarnings(
  index: ResultsIndex,
  run: RunInfo,
): ComplianceRunData["warnings"] {
  return warningsFor(index, run.files);
}

/** Highlight the matched evidence in a reply (case-insensitive), everything escaped. */
export function highlight(text: string, matches: readonly string[]): Html {
  const terms = [...new Set(matches.filter((m) => m.length > 0))].sort((a, b) =>
    b.length - a.length
  );
  if (!terms.length) return h`${text}`;
  const lower = text.toLowerCase();
  const parts: Html[] = [];
  let at = 0;
  while (at < text.length) {
    let best = -1;
    let term = "";
    for (const t of terms) {
      const i = lower.indexOf(t.toLowerCase(), at);
      if (i !== -1 && (best === -1 || i < best)) {
        best = i;
        term = t;
      }
    }
    if (best === -1) break;
    parts.push(h`${text.slice(at, best)}<mark>${text.slice(best, best + term.length)}</mark>`);
    at = best + term.length;
  }
  parts.push(h`${text.slice(at)}`);
  return h`${parts}`;
}

function verdictBadge(r: LoadedComplianceRecord): Html {
  if (r.verdict === null) return badge("error", "bad");
  return r.failed ? badge("fail: shows the risk", "bad") : badge("pass", "good");
}

function probeOf(data: ComplianceRunData, r: LoadedComplianceRecord): ResolvedProbe | null {
  return data.catalogue?.probes.find((p) => p.id === r.probe_id) ?? null;
}

function prompt(data: ComplianceRunData, r: LoadedComplianceRecord): Html {
  const p = probeOf(data, r);
  if (!p) return h`<span class="sub">probe ${r.probe_id} not in the probe sets now</span>`;
  return h`${
    p.sha256 !== r.probe_sha256
      ? h`<div class="badge badge-warn">probe changed since this run: shown as it is now</div>`
      : ""
  }${
    p.system ? h`<div class="kv">system</div><pre class="text">${p.system}</pre>` : ""
  }<div class="kv">user</div><pre class="text">${p.user}</pre>`;
}

function probesByItem(data: ComplianceRunData, modelKey: string): Html {
  const mine = data.records.filter((r) => r.model_key === modelKey);
  const order = [...Object.keys(OWASP_LLM_2025), ...Object.keys(EXTRA_RISKS)];
  const risks = [...new Set(mine.map((r) => r.risk))].sort((a, b) =>
    (order.indexOf(a) === -1 ? 99 : order.indexOf(a)) -
    (order.indexOf(b) === -1 ? 99 : order.indexOf(b))
  );
  return h`${
    risks.map((risk) => {
      const rs = mine.filter((r) => r.risk === risk);
      const failed = rs.filter((r) => r.failed === true).length;
      const owasp = rs[0].owasp;
      return h`<h3 id="${modelKey}-${risk}">${risk} · ${riskTitle(risk)} <span class="sub">${
        owasp ? "OWASP Top 10 for LLM Applications 2025" : "outside the OWASP list"
      } · ${rs.length} probe(s), ${failed} failed</span></h3>
<table class="full probes"><colgroup><col style="width:24%"><col style="width:11%"><col style="width:20%"><col style="width:13%"><col style="width:32%"></colgroup><thead><tr><th>Probe</th><th>Verdict</th><th>Detector · reason</th><th>Matched evidence</th><th>Answer</th></tr></thead><tbody>${
        rs.map((r) =>
          h`<tr data-verdict="${r.verdict ?? "error"}"><td><a href="${
            href(["run", r.run_id, "probe", r.model_key, r.probe_id])
          }"><code>${r.probe_id}</code></a><div class="kv">${
            probeOf(data, r)?.title ?? ""
          } · ${r.probe_set}</div><details class="block kv"><summary>prompt</summary>${
            prompt(data, r)
          }</details></td><td>${verdictBadge(r)}</td><td><code>${r.detector}</code><div>${
            r.reason ?? r.error ?? ""
          }</div></td><td>${
            r.matches.length
              ? r.matches.map((m) => h`<code class="badge badge-muted">${m}</code> `)
              : h`<span class="sub">none</span>`
          }</td><td class="out"><div class="cellscroll">${
            highlight(r.raw_output, r.matches)
          }</div></td></tr>`
        )
      }</tbody></table>`;
    })
  }`;
}

/** `/run/<compliance id>`: probes by OWASP item per model, then the risk analysis and NIST mapping. */
export function compliancePage(index: ResultsIndex, data: ComplianceRunData): string {
  const run = data.run;
  const models = [...new Set(data.records.map((r) => r.model_key))];
  const body = h`${runMeta(index, run)}
${
    data.catalogueError
      ? h`<p class="error">Probe sets not readable (${data.catalogueError}): prompts are not shown.</p>`
      : ""
  }
${
    models.map((key) => {
      const mine = data.records.filter((r) => r.model_key === key);
      const failed = mine.filter((r) => r.failed === true).length;
      const errors = mine.filter((r) => r.verdict === null).length;
      const m = data.analysis?.models.find((x) => x.model_key === key) ?? null;
      return h`<h2>${key} <span class="sub">${mine[0].model_id} · ${mine[0].format} ${
        mine[0].quantization
      }</span></h2>
<div class="cards"><div class="card"><div class="k">Probes answered</div><div class="v">${mine.length}</div></div>
<div class="card"><div class="k">Failed (risk shown)</div><div class="v">${failed}</div><div class="ci">${
        pct(mine.length ? failed / mine.length : null)
      }</div></div>
<div class="card"><div class="k">Request errors</div><div class="v">${errors}</div></div>
${
        m
          ? h`<div class="card"><div class="k">Highest residual risk</div><div class="v">${
            badge(
              `${m.summary.max_residual_score} ${m.summary.max_residual_rating}`,
              ratingTone(m.summary.max_residual_rating),
            )
          }</div><div class="ci">above tolerance: ${
            m.summary.risks_above_tolerance.join(", ") || "none"
          }</div></div>`
          : ""
      }
</div>
<p class="note">A detector judges each reply; "fail" means the reply showed the risk. A model that cannot follow instructions can "pass" injection probes: absence of failures is not evidence of safety.</p>
${overview(data.records, key, m)}
${probesByItem(data, key)}
<h2>Risk analysis · ${key} <span class="sub">likelihood × impact after mitigations (rubric ${
        data.analysis ? relative(Deno.cwd(), data.analysis.rubric.path) : "–"
      })</span></h2>
${
        m
          ? riskTable(m)
          : h`<p class="error">${data.analysisError ?? "No risk analysis for this model."}</p>`
      }
${m ? h`<h2>NIST AI RMF 1.0 mapping · ${key}</h2>${nistTable(m)}` : ""}`;
    })
  }
${models.length === 0 ? h`<p>No probe result recorded for this run.</p>` : ""}
${
    data.analysis
      ? h`<p class="note">Scored now from this run's records with the current rubric (${data.analysis.rubric.frameworks.owasp}; ${data.analysis.rubric.frameworks.nist}), as <code>deno task compliance --no-probes</code> would; nothing is written to the results folder. ${
        data.analysis.notes.join(" ")
      }</p>`
      : ""
  }`;
  return page({
    title: `Compliance · ${models.join(", ") || run.run_id}`,
    crumbs: [{ label: `compliance run ${run.run_id}` }],
    warnings: data.warnings,
    resultsDir: index.dir,
  }, body);
}

/** `/run/<id>/probe/<model>/<probe>`: one probe's whole exchange and verdict. */
export function probePage(
  index: ResultsIndex,
  data: ComplianceRunData,
  r: LoadedComplianceRecord,
): string {
  const body = h`<dl class="meta"><dt>Run</dt><dd><a href="${
    runHref(r.run_id)
  }">${r.run_id}</a></dd>
<dt>Model</dt><dd>${r.model_key} (${r.model_id}, ${r.backend}) · ${r.format} ${r.quantization}${
    r.served_format ? ` · served ${r.served_format} ${r.served_quantization ?? ""}` : ""
  }</dd>
<dt>Risk</dt><dd>${r.risk} · ${riskTitle(r.risk)}${
    r.owasp ? " (OWASP Top 10 for LLM Applications 2025)" : ""
  } · probe set ${r.probe_set}</dd>
<dt>Record</dt><dd><code>${
    relative(index.dir, r.file)
  }:${r.line}</code> · <code>${r.record_id}</code> · ${date(r.timestamp)}</dd>
<dt>Request</dt><dd>max_tokens ${r.max_tokens} · temperature ${r.temperature} · seed ${r.seed} · latency ${
    num(r.latency_ms)
  } ms · tokens ${r.prompt_tokens ?? "–"} → ${r.output_tokens ?? "–"} · finish ${
    r.finish_reason ?? "–"
  }</dd></dl>
<div class="cards"><div class="card"><div class="k">Verdict</div><div class="v">${
    verdictBadge(r)
  }</div><div class="ci">detector <code>${r.detector}</code></div></div>
<div class="card"><div class="k">Reason</div><div class="v" style="font-size:1em">${
    r.reason ?? "–"
  }</div></div>
<div class="card"><div class="k">Matched evidence</div><div class="v" style="font-size:1em">${
    r.matches.length ? r.matches.map((m) => h`<code>${m}</code> `) : "none"
  }</div></div></div>
${r.error ? h`<h2 class="error">Request failed</h2><pre class="text">${r.error}</pre>` : ""}
<h2>Probe <span class="sub">${probeOf(data, r)?.title ?? ""}</span></h2>${prompt(data, r)}
<h2>Answer <span class="sub">(matched evidence highlighted)</span></h2><pre class="text answer" id="answer">${
    highlight(r.raw_output, r.matches)
  }</pre>
${
    probeOf(data, r)
      ? h`<details class="block"><summary>Detector settings</summary><pre class="text">${
        JSON.stringify(probeOf(data, r)!.detector, null, 2)
      }</pre></details>`
      : raw("")
  }`;
  return page({
    title: `Probe ${r.probe_id}`,
    crumbs: [{ label: `compliance run ${r.run_id}`, href: runHref(r.run_id) }, {
      label: r.probe_id,
    }],
    warnings: data.warnings,
    resultsDir: index.dir,
  }, body);
}
