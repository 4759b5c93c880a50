/** A rounds run's rounds, applied settings and effects against baseline (lib/rounds' summary). @module */
import { roundsRows, type RoundsSummary } from "../rounds/mod.ts";
import { badge, h, href, type Html, runHref } from "./_html.ts";
import type { ResultsIndex, RunInfo } from "./_index.ts";

/** `key=value · key=value` of a settings object. */
function settingsText(obj: Record<string, unknown>): string {
  return Object.entries(obj).map(([k, v]) =>
    `${k}=${
      typeof v === "number" && !Number.isInteger(v)
        ? String(Number(v.toFixed(3)))
        : typeof v === "object"
        ? JSON.stringify(v)
        : String(v)
    }`
  ).join(" · ");
}

/** The rounds section of a rounds run's page. */
export function roundsBlock(index: ResultsIndex, run: RunInfo): Html {
  const found = index.rounds.get(run.run_id);
  if (!found) return h`<p class="note">No rounds summary file for this run.</p>`;
  const summary = found.data as unknown as RoundsSummary;
  let rows: Record<string, string | number | null>[] = [];
  try {
    rows = roundsRows(summary);
  } catch { /* a summary of another shape: the rounds list below still shows */ }
  const cols = rows.length ? Object.keys(rows[0]) : [];
  const quality = index.runs.filter((r) => r.parent === run.run_id);
  const rounds = Array.isArray(summary.rounds) ? summary.rounds : [];
  return h`<h2>Rounds</h2>
<table><thead><tr><th>Round</th><th>Status</th><th>Description</th><th>Requested</th><th>Applied (read back)</th></tr></thead><tbody>${
    rounds.map((r) =>
      h`<tr><td><b>${r.id}</b></td><td>${
        badge(r.status, r.status === "run" ? "good" : r.status === "skipped" ? "muted" : "bad")
      }${
        r.reason ? h`<div class="kv">${r.reason}</div>` : ""
      }</td><td>${r.description}</td><td class="out">${
        settingsText(r.requested_settings ?? {}) || "(the model's own)"
      }</td><td class="out">${
        r.applied_settings ? settingsText(r.applied_settings) : "–"
      }</td></tr>`
    )
  }</tbody></table>
${
    rows.length
      ? h`<h3>Against baseline <span class="sub">(differences with Welch / Newcombe 95 % intervals, * = excludes 0)</span></h3><table><thead><tr>${
        cols.map((c) => h`<th>${c}</th>`)
      }</tr></thead><tbody>${
        rows.map((r) => h`<tr>${cols.map((c) => h`<td class="num">${r[c] ?? "–"}</td>`)}</tr>`)
      }</tbody></table>`
      : ""
  }
${
    quality.length
      ? h`<p>Quality subsets: ${
        quality.map((q, i) =>
          h`${i ? " · " : ""}<a href="${runHref(q.run_id)}">${
            q.run_id.slice(q.run_id.lastIndexOf(":") + 1)
          }</a>`
        )
      }${
        quality.length >= 2
          ? h` · <a href="${
            href(["compare"], { a: quality[0].run_id, b: quality[1].run_id })
          }">side by side of the first two</a>`
          : ""
      }</p>`
      : ""
  }`;
}
