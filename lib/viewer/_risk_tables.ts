/** The risk analysis of a compliance run as tables: overview per OWASP item, risks, NIST mapping. @module */
import { EXTRA_RISKS, type ModelAnalysis, OWASP_LLM_2025 } from "../compliance/mod.ts";
import type { LoadedComplianceRecord } from "../report/mod.ts";
import { badge, h, type Html, withCi } from "./_html.ts";

/** The title of an OWASP item or another rubric risk. */
export const riskTitle = (id: string): string => OWASP_LLM_2025[id] ?? EXTRA_RISKS[id] ?? id;

/** One line per OWASP item: probes, failures, likelihood and residual risk. */
export function overview(
  records: readonly LoadedComplianceRecord[],
  key: string,
  m: ModelAnalysis | null,
): Html {
  const mine = records.filter((r) => r.model_key === key);
  const ids = [...new Set([...(m?.risks.map((r) => r.id) ?? []), ...mine.map((r) => r.risk)])];
  return h`<table class="overview"><thead><tr><th>Item</th><th>Title</th><th class="num">Probes</th><th class="num">Failed</th><th>Likelihood</th><th>Residual risk</th></tr></thead><tbody>${
    ids.map((id) => {
      const rs = mine.filter((r) => r.risk === id);
      const risk = m?.risks.find((r) => r.id === id);
      return h`<tr><td>${
        rs.length ? h`<a href="#${key}-${id}"><b>${id}</b></a>` : h`<b>${id}</b>`
      }</td><td>${riskTitle(id)}</td><td class="num">${rs.length}</td><td class="num">${
        rs.filter((r) => r.failed === true).length
      }</td><td>${
        risk ? h`${risk.likelihood.label} <span class="kv">(${risk.likelihood.basis})</span>` : "–"
      }</td><td>${
        risk
          ? badge(
            `${risk.residual.score} ${risk.residual.rating}`,
            ratingTone(risk.residual.rating),
          )
          : "–"
      }</td></tr>`;
    })
  }</tbody></table>`;
}

/** The badge tone of a rating. */
export function ratingTone(rating: string): "good" | "warn" | "bad" | "muted" {
  const r = rating.toLowerCase();
  return r.includes("low")
    ? "good"
    : r.includes("medium") || r.includes("moderate")
    ? "warn"
    : r.includes("high") || r.includes("critical") || r.includes("extreme")
    ? "bad"
    : "muted";
}

/** Each risk: measured failure rate, likelihood × impact, mitigations, residual. */
export function riskTable(m: ModelAnalysis): Html {
  return h`<table id="risks-${m.model_key}" class="sortable full"><thead><tr><th data-sort>Risk</th><th data-sort class="num">Probes</th><th data-sort class="num">Failures</th><th data-sort class="num">Failure rate [95 % CI]</th><th data-sort>Likelihood</th><th data-sort>Impact</th><th data-sort>Inherent</th><th>Mitigations</th><th data-sort>Residual</th><th>Findings</th></tr></thead><tbody>${
    m.risks.map((r) =>
      h`<tr><td><b>${r.id}</b> ${r.title}</td><td class="num">${r.probes_run}</td><td class="num">${r.failures}</td><td class="num" data-sort="${
        r.failure_rate.value ?? ""
      }">${withCi(r.failure_rate, 1, 100)}${
        r.failure_rate.value !== null ? " %" : ""
      }</td><td data-sort="${r.likelihood.level}">${r.likelihood.level} ${r.likelihood.label} ${
        r.likelihood.basis === "prior" ? badge("prior", "muted") : badge("measured", "info")
      }<div class="kv">${r.likelihood.note}</div></td><td data-sort="${r.impact.level}">${r.impact.level} ${r.impact.label}</td><td data-sort="${r.inherent.score}">${r.inherent.score} ${r.inherent.rating}</td><td>${
        r.mitigations.map((x) =>
          h`<div>${
            x.in_place ? badge("in place", "good") : badge("not in place", "muted")
          } ${x.title}<div class="kv">${x.evidence}</div></div>`
        )
      }</td><td data-sort="${r.residual.score}">${
        badge(`${r.residual.score} ${r.residual.rating}`, ratingTone(r.residual.rating))
      }${
        r.residual.within_tolerance ? "" : h`<div class="kv error">above tolerance</div>`
      }</td><td class="findings kv">${r.findings.map((f) => h`<div>${f}</div>`)}</td></tr>`
    )
  }</tbody></table>`;
}

/** NIST AI RMF subcategories with the evidence that exists for them. */
export function nistTable(m: ModelAnalysis): Html {
  const tone = { complete: "good", partial: "warn", missing: "bad" } as const;
  return h`<table id="nist-${m.model_key}" class="sortable full"><thead><tr><th data-sort>Function</th><th data-sort>Subcategory</th><th>Title</th><th>Evidence kinds</th><th>Measured (OWASP)</th><th>Facts</th><th>Attestations</th><th data-sort>Evidence</th><th>Findings</th></tr></thead><tbody>${
    m.nist.map((n) =>
      h`<tr><td>${n.function}</td><td><b>${n.id}</b></td><td class="wide">${n.title}</td><td>${
        n.coverage.join(", ")
      }</td><td>${
        n.measured.map((x) =>
          h`<div><a href="#${m.model_key}-${x.risk}">${x.risk}</a> ${x.failures}/${x.probes_run} · ${x.residual_rating}</div>`
        )
      }</td><td>${
        n.facts.map((f) =>
          h`<div>${
            badge(f.status, f.status === "pass" ? "good" : f.status === "fail" ? "bad" : "muted")
          } ${f.id}</div>`
        )
      }</td><td>${
        n.attestations.map((a) =>
          h`<div>${
            badge(
              a.status,
              a.status === "in_place" ? "good" : a.status === "pending" ? "muted" : "bad",
            )
          } ${a.id}</div>`
        )
      }</td><td>${badge(n.evidence_status, tone[n.evidence_status])}</td><td class="kv wide">${
        n.findings.join("; ")
      }</td></tr>`
    )
  }</tbody></table>`;
}
