/** An eval run's summary cards, confusion matrix, per-class and group tables, outcome badges. @module */
import { confusionMatrix, wilsonCi } from "../stats/mod.ts";
import type { EvalSummary } from "../results/mod.ts";
import { type EvalRunData, INVALID, invalidCause, outcomeOf } from "./_eval_data.ts";
import type { ViewerEvalRecord } from "./_files.ts";
import { badge, card, h, href, type Html, num, pct, runHref, withCi } from "./_html.ts";

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
  const key = "invalid_reasons" in metrics
    ? "invalid_reasons"
    : Object.keys(metrics).find((k) => /cause/i.test(k) && typeof metrics[k] === "object");
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

/** The summary as cards (counted from the records when the run has no summary file). */
export function summaryCards(data: EvalRunData): Html {
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
  const extra = Object.entries(m).filter(([k]) =>
    !KNOWN_METRICS.has(k) && !/cause/i.test(k) && k !== "invalid_reasons"
  );
  const lat = s.latency_ms;
  return h`<div class="cards">
${
    card(
      "Samples",
      `${m.n}${s.planned !== m.n ? ` / ${s.planned}` : ""}`,
      s.complete ? "summary: complete" : "summary: incomplete",
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

/** The confusion matrix (labels with samples only); each cell links to its samples. */
export function confusionTable(data: EvalRunData): Html {
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
      : pred === INVALID
      ? `background:rgba(214,158,0,${(0.15 + 0.55 * shade).toFixed(2)})`
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

/** Per-class precision, recall and F1 (folded). */
export function perClass(summary: EvalSummary | null): Html {
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

/** Accuracy per group (MMLU subject, realistic category). */
export function groupsTable(summary: EvalSummary | null): Html {
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
