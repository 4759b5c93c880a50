/** Side by side: two capability runs of the same task on the same samples, disagreements first. @module */
import { wilsonCi } from "../stats/mod.ts";
import type { EvalRunData } from "./_eval_data.ts";
import type { ViewerEvalRecord } from "./_files.ts";
import { clip, h, href, type Html, num, page, runHref } from "./_html.ts";
import type { ResultsIndex } from "./_index.ts";
import { outcomeBadge } from "./_eval_summary.ts";

/** One sample answered by both runs. */
export interface PairedSample {
  sample_id: string;
  a: ViewerEvalRecord;
  b: ViewerEvalRecord;
  /** The extracted labels differ, or one is right and the other not. */
  disagree: boolean;
}

/** The pairing of two runs. */
export interface Pairing {
  /** Disagreements first (one right, the other not; then other differences), then by sample id. */
  pairs: PairedSample[];
  onlyA: number;
  onlyB: number;
  bothRight: number;
  onlyARight: number;
  onlyBRight: number;
  bothWrong: number;
  disagreements: number;
}

/** Pair two runs' latest records by sample id. */
export function pairRuns(a: readonly ViewerEvalRecord[], b: readonly ViewerEvalRecord[]): Pairing {
  const byId = new Map(b.map((r) => [r.sample_id, r]));
  const pairs: PairedSample[] = [];
  for (const ra of a) {
    const rb = byId.get(ra.sample_id);
    if (!rb) continue;
    const pa = ra.error === null ? ra.prediction : null;
    const pb = rb.error === null ? rb.prediction : null;
    pairs.push({
      sample_id: ra.sample_id,
      a: ra,
      b: rb,
      disagree: pa !== pb || ra.correct !== rb.correct,
    });
  }
  const rank = (p: PairedSample) =>
    !p.disagree ? 2 : (p.a.correct === true) !== (p.b.correct === true) ? 0 : 1;
  const order = new Map(a.map((r, i) => [r.sample_id, i]));
  pairs.sort((x, y) => rank(x) - rank(y) || order.get(x.sample_id)! - order.get(y.sample_id)!);
  const right = (r: ViewerEvalRecord) => r.correct === true;
  const shared = new Set(pairs.map((p) => p.sample_id));
  return {
    pairs,
    onlyA: a.filter((r) => !shared.has(r.sample_id)).length,
    onlyB: b.filter((r) => !shared.has(r.sample_id)).length,
    bothRight: pairs.filter((p) => right(p.a) && right(p.b)).length,
    onlyARight: pairs.filter((p) => right(p.a) && !right(p.b)).length,
    onlyBRight: pairs.filter((p) => !right(p.a) && right(p.b)).length,
    bothWrong: pairs.filter((p) => !right(p.a) && !right(p.b)).length,
    disagreements: pairs.filter((p) => p.disagree).length,
  };
}

const label = (d: EvalRunData) =>
  d.run.models.map((m) => `${m.model_key} ${m.format} ${m.quantization}`).join(", ") ||
  d.run.run_id;

function side(name: string, d: EvalRunData, records: ViewerEvalRecord[]): Html {
  const correct = records.filter((r) => r.correct === true).length;
  const acc = wilsonCi(correct, records.length);
  const s = d.source.summary?.metrics.accuracy;
  return h`<div class="card"><div class="k">${name}: <a href="${
    runHref(d.run.run_id)
  }"><code>${d.run.run_id}</code></a></div>
<div class="v">${label(d)}</div>
<div class="ci">accuracy on the shared samples: <b>${
    num(acc.value === null ? null : acc.value * 100)
  } %</b> (${correct}/${records.length})${
    acc.ci95 ? ` [${num(acc.ci95[0] * 100)}, ${num(acc.ci95[1] * 100)}] Wilson` : ""
  }</div>
${
    s
      ? h`<div class="ci">run summary: ${num(s.value * 100)} % [${num(s.ci95[0] * 100)}, ${
        num(s.ci95[1] * 100)
      }] over ${d.source.summary!.metrics.n}</div>`
      : ""
  }
</div>`;
}

/** `/compare?a=<id>&b=<id>&show=disagree|all&q=`: both outputs per sample, disagreements first. */
export function comparePage(
  index: ResultsIndex,
  a: EvalRunData,
  b: EvalRunData,
  params: URLSearchParams,
): string {
  const p = pairRuns(a.records, b.records);
  const show = params.get("show") ?? "all";
  const q = (params.get("q") ?? "").trim().toLowerCase();
  const rows = p.pairs.filter((x) => {
    if (show === "disagree" && !x.disagree) return false;
    if (q) {
      const hay =
        `${x.sample_id}\n${x.a.prompt}\n${x.a.raw_output}\n${x.b.raw_output}\n${x.a.reference}`
          .toLowerCase();
      if (!hay.includes(q)) return false;
    }
    return true;
  });
  const limit = 500;
  const base = { a: a.run.run_id, b: b.run.run_id };
  const body =
    h`<p class="sub">Task <b>${a.run.task}</b>: ${p.pairs.length} sample(s) answered by both runs${
      p.onlyA || p.onlyB ? `; ${p.onlyA} only in A, ${p.onlyB} only in B (left out)` : ""
    }. <a href="${href(["compare"], { a: b.run.run_id, b: a.run.run_id })}">swap A and B</a></p>
<div class="cards">${side("A", a, p.pairs.map((x) => x.a))}${
      side("B", b, p.pairs.map((x) => x.b))
    }</div>
<table id="paired-counts"><thead><tr><th></th><th class="num">B right</th><th class="num">B not right</th></tr></thead><tbody>
<tr><th>A right</th><td class="num" id="both-right">${p.bothRight}</td><td class="num" id="only-a-right">${p.onlyARight}</td></tr>
<tr><th>A not right</th><td class="num" id="only-b-right">${p.onlyBRight}</td><td class="num" id="both-wrong">${p.bothWrong}</td></tr>
</tbody></table>
<p class="note">Paired counts on the shared samples ("not right" = wrong, invalid or failed). The off-diagonal cells are the discordant pairs a paired test (McNemar) uses. <b id="disagreements">${p.disagreements}</b> sample(s) where the runs disagree (a different extracted label, or one right and the other not) are listed first, those where exactly one run is right at the top.</p>
<form class="toolbar" method="get" action="/compare">
<input type="hidden" name="a" value="${a.run.run_id}"><input type="hidden" name="b" value="${b.run.run_id}">
<a class="pill ${show === "all" ? "on" : ""}" href="${
      href(["compare"], { ...base, q: params.get("q") })
    }">All <span class="sub">${p.pairs.length}</span></a>
<a class="pill ${show === "disagree" ? "on" : ""}" href="${
      href(["compare"], { ...base, show: "disagree", q: params.get("q") })
    }">Disagreements only <span class="sub">${p.disagreements}</span></a>
<input type="hidden" name="show" value="${show}">
<label>Text <input type="search" name="q" value="${
      params.get("q") ?? ""
    }" placeholder="in prompt, answers, id…"></label><button type="submit">Apply</button>
<span class="kv">${rows.length} shown${rows.length > limit ? `, first ${limit} listed` : ""}</span>
</form>
<table id="compare-table" class="full"><thead><tr><th>Sample</th><th>Reference</th><th>A label</th><th>A</th><th>B label</th><th>B</th><th>A raw output</th><th>B raw output</th></tr></thead><tbody>
${
      rows.slice(0, limit).map((x) =>
        h`<tr class="${
          x.disagree ? "disagree" : ""
        }" data-disagree="${x.disagree}"><td class="wide"><a href="${
          href(["run", a.run.run_id, "sample", x.sample_id])
        }"><code>${x.sample_id}</code></a><div class="kv">${
          clip(x.a.prompt, 110, "end")
        }</div></td><td>${clip(x.a.reference, 50)}</td><td>${
          x.a.prediction ?? h`<span class="sub">none</span>`
        }</td><td>${outcomeBadge(x.a)}</td><td>${
          x.b.prediction ?? h`<span class="sub">none</span>`
        }</td><td>${outcomeBadge(x.b)}</td><td class="out">${
          clip(x.a.raw_output, 160)
        }</td><td class="out">${clip(x.b.raw_output, 160)}</td></tr>`
      )
    }
</tbody></table>`;
  return page({
    title: `Side by side: ${label(a)} vs ${label(b)}`,
    crumbs: [{ label: "side by side" }],
    warnings: [...a.warnings, ...b.warnings],
    resultsDir: index.dir,
  }, body);
}
