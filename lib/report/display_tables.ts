/** The report's tables as display rows (formatted strings), shared by Markdown, HTML and notebooks. @module */
import { ciMethodLabel } from "../stats/mod.ts";
import { bandRows } from "./bands.ts";
import type { Report } from "./build.ts";
import { complianceMatrix } from "./compliance.ts";

/** A formatted table: column names, rows of strings keyed by column, an optional note under it. */
export interface DisplayTable {
  id: string;
  /** Table number in the report (1-based, in report order). */
  number?: number;
  title: string;
  columns: string[];
  rows: Record<string, string>[];
  /** Printed under the table (definitions, legend). */
  note?: string;
  /** Columns whose cells are band names (coloured in HTML). */
  bandColumns?: string[];
  /** Run ids of each row (space-separated), parallel to `rows`: the HTML report can link them to `deno task view`. */
  runs?: string[];
}

const dash = "–";

/** A number with fixed decimals, or an en dash. */
export function num(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? dash : v.toFixed(digits);
}

/** `value [lo, hi]` with fixed decimals (the interval left out when unknown). */
export function withCi(
  v: number | null,
  lo: number | null,
  hi: number | null,
  digits = 1,
  scale = 1,
): string {
  if (v === null) return dash;
  const s = (x: number) => (x * scale).toFixed(digits);
  return lo === null || hi === null ? s(v) : `${s(v)} [${s(lo)}, ${s(hi)}]`;
}

const model = (r: { model_key: string }) => r.model_key;
const method = (m: string | null) =>
  m === null || m === "none" ? dash : ciMethodLabel(m === "normal-from-ci" ? "normal_from_ci" : m);
/** The distinct interval methods of some rows, as a phrase for a table note. */
const methodsOf = (ms: (string | null)[]) =>
  [...new Set(ms.filter((m): m is string => m !== null && m !== "none"))].map(method).join(", ");
const short = (hashes: string) =>
  hashes.split(" ").filter(Boolean).map((h) => h.slice(0, 12)).join(" ");

/** Which figure of a failure rate picked the likelihood, in words. */
function likelihoodFigure(report: Report): string {
  const how = report.complianceAnalysis?.riskAnalysis.method.likelihood_from_failure_rate as
    | { estimate?: string }
    | undefined;
  return how?.estimate === "point"
    ? "point value"
    : how?.estimate === "wilson_low"
    ? "Wilson 95 % lower bound"
    : "Wilson 95 % upper bound";
}

/** Every table of the report, in report order (empty tables included, with no rows). */
export function displayTables(report: Report): DisplayTable[] {
  const tables: DisplayTable[] = [];
  tables.push({
    id: "performance",
    title: "Performance",
    columns: [
      "Model",
      "Format",
      "Quant.",
      "Scenario",
      "Round",
      "Runner",
      "n",
      "Runs (n)",
      "Success %",
      "Cache",
      "TTFT ms [95% CI]",
      "TTFT band",
      "Tokens/s [95% CI]",
      "Tokens/s band",
      "Conc.",
      "Aggregate t/s [95% CI]",
      "E2E ms [95% CI]",
      "Peak RAM GiB [95% CI]",
      "Peak RAM max",
      "RAM band",
      "Energy J/token",
      "Throttled",
    ],
    rows: report.performance.map((r) => ({
      "Model": model(r),
      "Format": r.format,
      "Quant.": r.quantization,
      "Scenario": r.scenario,
      "Round": r.round || dash,
      "Runner": r.runner,
      "n": String(r.n),
      "Runs (n)": r.runs_n > 1
        ? `${r.runs_detail}${r.mixed_configs ? " ⚠ configs differ" : ""}`
        : r.run_ids,
      "Success %": num(r.success_rate === null ? null : r.success_rate * 100),
      "Cache": cacheCell(r),
      "TTFT ms [95% CI]": withCi(r.ttft_ms, r.ttft_ms_lo, r.ttft_ms_hi),
      "TTFT band": r.ttft_band ?? dash,
      "Tokens/s [95% CI]": withCi(r.output_tps, r.output_tps_lo, r.output_tps_hi),
      "Tokens/s band": r.output_tps_band ?? dash,
      "Conc.": String(r.concurrency),
      "Aggregate t/s [95% CI]": r.concurrency > 1
        ? withCi(r.aggregate_tps, r.aggregate_tps_lo, r.aggregate_tps_hi)
        : dash,
      "E2E ms [95% CI]": withCi(r.e2e_ms, r.e2e_ms_lo, r.e2e_ms_hi),
      "Peak RAM GiB [95% CI]": withCi(r.peak_ram_gib, r.peak_ram_gib_lo, r.peak_ram_gib_hi, 3),
      "Peak RAM max": num(r.peak_ram_gib_max, 3),
      "RAM band": r.peak_ram_band ?? dash,
      "Energy J/token": r.energy_j_per_token === null
        ? dash
        : `${r.energy_j_per_token.toFixed(4)} (n=${r.energy_n})`,
      "Throttled": r.throttled_known ? `${r.throttled_n}/${r.throttled_known}` : dash,
    })),
    bandColumns: ["TTFT band", "Tokens/s band", "RAM band"],
    runs: report.performance.map((r) => r.run_ids),
    note: performanceNote(report),
  });
  tables.push({
    id: "capability",
    title: "Capability",
    columns: [
      "Model",
      "Format",
      "Quant.",
      "Task",
      "n",
      "Metric",
      "Score % [95% CI]",
      "Band",
      "Macro-F1 % [95% CI]",
      "Macro-F1 band",
      "Macro-F1 labels",
      "Invalid %",
      "Errors %",
      "Check",
    ],
    rows: report.capability.map((r) => ({
      "Model": model(r),
      "Format": r.format,
      "Quant.": r.quantization,
      "Task": r.task,
      "n": r.complete ? String(r.n) : `${r.n}/${r.planned} (incomplete)`,
      "Metric": r.accuracy === null ? dash : r.score_name,
      "Score % [95% CI]": withCi(r.accuracy, r.accuracy_lo, r.accuracy_hi, 1, 100),
      "Band": r.accuracy_band ?? dash,
      "Macro-F1 % [95% CI]": withCi(r.macro_f1, r.macro_f1_lo, r.macro_f1_hi, 1, 100),
      "Macro-F1 band": r.macro_f1_band ?? dash,
      "Macro-F1 labels": r.macro_f1 === null
        ? dash
        : r.macro_f1_labels === null
        ? "all (older run)"
        : `${r.macro_f1_labels}${
          r.macro_f1_label_set === null ? "" : ` of ${r.macro_f1_label_set}`
        }`,
      "Invalid %": num(r.invalid_rate * 100),
      "Errors %": num(r.error_rate * 100),
      "Check": r.check,
    })),
    bandColumns: ["Band", "Macro-F1 band"],
    runs: report.capability.map((r) => r.run_id),
    note: capabilityNote(report),
  });
  tables.push(...taskTables(report));
  const matrix = complianceMatrix(report.compliance);
  const risks = [...new Set(report.compliance.map((r) => r.risk))];
  tables.push({
    id: "compliance",
    title: "Compliance: residual risk per OWASP item",
    columns: ["model", ...risks],
    rows: matrix.map((m) => Object.fromEntries(["model", ...risks].map((c) => [c, m[c] ?? dash]))),
    note: report.complianceAnalysis
      ? `Residual score = likelihood × impact after mitigations in place, with its rating (OWASP Top 10 for LLM Applications 2025; rubric ${report.complianceAnalysis.riskAnalysis.rubric.path}); * = prior likelihood, not measured; ? = inconclusive: the model failed the instruction-following controls, so its probe passes do not lower the likelihood below the prior. Measured likelihood from the failure rate's ${
        likelihoodFigure(report)
      }.`
      : "No compliance assessment: run `deno task compliance`, then `deno task report --compliance`.",
  });
  tables.push({
    id: "licences",
    title: "Licence audit: models",
    columns: [
      "model_key",
      "licence",
      "gguf_metadata",
      "consistent",
      "commercial_use",
      "redistribution",
      "attribution",
      "verdict",
    ],
    rows: report.licences.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]))
    ),
    note: report.complianceAnalysis
      ? "configs/licenses.yaml cross-checked with models.yaml and the GGUF metadata (general.license); the verdict is the audit's."
      : "No licence audit: run `deno task compliance` (or `deno task report --compliance`).",
  });
  tables.push({
    id: "dataset_licences",
    title: "Licence audit: datasets",
    columns: ["dataset", "licence", "commercial_use", "verdict"],
    rows: report.datasetLicences.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]))
    ),
    note:
      "The datasets the evaluations read (data/datasets/manifest.yaml and configs/licenses.yaml).",
  });
  tables.push(...roundsTables(report));
  tables.push({
    id: "gguf_vs_mlx",
    title: "GGUF vs MLX",
    columns: [
      "Model id",
      "Scenario / task",
      "Metric",
      "GGUF [95% CI]",
      "MLX [95% CI]",
      "MLX − GGUF [95% CI]",
      "Method",
      "CI excludes 0",
      "Better",
    ],
    rows: report.formats.map((r) => {
      const scale = r.kind === "capability" ? 100 : 1;
      const digits = r.metric === "peak_ram_gib" ? 3 : 1;
      return {
        "Model id": r.model_id,
        "Scenario / task": r.unit,
        "Metric": r.metric,
        "GGUF [95% CI]": withCi(r.gguf, r.gguf_lo, r.gguf_hi, digits, scale),
        "MLX [95% CI]": withCi(r.mlx, r.mlx_lo, r.mlx_hi, digits, scale),
        "MLX − GGUF [95% CI]": withCi(r.diff, r.diff_lo, r.diff_hi, digits, scale),
        "Method": method(r.method),
        "CI excludes 0": r.excludes_zero === null ? dash : r.excludes_zero ? "yes" : "no",
        "Better": r.better ?? dash,
      };
    }),
    runs: report.formats.map((r) => r.run_ids),
    note:
      "Models with the same model id measured in both formats. Differences: Welch t-interval for means (independent repetitions); for capability runs over the same samples, paired: Tango's interval with McNemar's test for accuracy ('CI excludes 0' then follows the test), a paired BCa bootstrap for macro-F1; otherwise Newcombe's interval for accuracy and a normal approximation from the two intervals for macro-F1 (capability in percentage points).",
  });
  tables.push({
    id: "efficiency",
    title: "Efficiency",
    columns: [
      "Rank",
      "Model",
      "Format",
      "Quant.",
      "Quality %",
      "Tokens/s",
      "Peak RAM GiB",
      "Efficiency",
    ],
    rows: report.efficiency.map((r) => ({
      "Rank": r.rank === null ? dash : String(r.rank),
      "Model": model(r),
      "Format": r.format,
      "Quant.": r.quantization,
      "Quality %": num(r.quality === null ? null : r.quality * 100),
      "Tokens/s": num(r.output_tps),
      "Peak RAM GiB": num(r.peak_ram_gib, 3),
      "Efficiency": num(r.efficiency, 2),
    })),
    runs: report.efficiency.map((r) => r.run_ids),
    note: report.efficiencyDefinition,
  });
  if (report.comparison) {
    tables.push({
      id: "comparison",
      title: "Comparison with a baseline",
      columns: [
        "Kind",
        "Model",
        "Format",
        "Quant.",
        "Scenario / task",
        "Metric",
        "Before",
        "After",
        "After − before [95% CI]",
        "Method",
        "Significant",
        "Change",
      ],
      rows: report.comparison.rows.map((r) => {
        const scale = r.kind === "capability" ? 100 : 1;
        const digits = r.metric === "peak_ram_gib" ? 3 : 1;
        return {
          "Kind": r.kind,
          "Model": model(r),
          "Format": r.format,
          "Quant.": r.quantization,
          "Scenario / task": r.unit,
          "Metric": r.metric,
          "Before": num(r.before === null ? null : r.before * scale, digits),
          "After": num(r.after === null ? null : r.after * scale, digits),
          "After − before [95% CI]": withCi(r.diff, r.diff_lo, r.diff_hi, digits, scale),
          "Method": r.p_value === null
            ? method(r.method)
            : `${method(r.method)}, p = ${r.p_value.toPrecision(2)}`,
          "Significant": r.significant === null ? dash : r.significant ? "yes" : "no",
          "Change": r.change,
        };
      }),
      note:
        `Before: ${report.comparison.baseline}; after: ${report.input}. Significant: the 95 % interval of the difference excludes 0 (Welch for means; capability runs over the same samples are paired: Tango's interval with McNemar's test for accuracy, where significance follows the test, and a paired BCa bootstrap for macro-F1; runs over different samples: Newcombe for accuracy, normal approximation from the two intervals for macro-F1).`,
    });
  }
  tables.push({
    id: "environment",
    title: "Hardware and methodology",
    columns: ["Item", "Value"],
    rows: report.environment.map((e) => ({ Item: e.item, Value: e.value })),
    note: "From the run manifests (results/experiment_config_<hash>.json) of the runs below.",
  });
  tables.push({
    id: "runs",
    title: "Runs",
    columns: [
      "Run",
      "Kind",
      "Status",
      "Config hash",
      "Started",
      "Chip / CPU",
      "RAM GiB",
      "OS",
      "LM Studio",
      "Runs / samples",
      "Warm-up",
      "Seed",
      "Scope",
    ],
    rows: report.methodology.map((r) => ({
      "Run": r.run_id,
      "Kind": r.kind,
      "Status": r.status,
      "Config hash": short(r.config_hash) || dash,
      "Started": r.started_at || dash,
      "Chip / CPU": r.chip ?? dash,
      "RAM GiB": num(r.ram_gib),
      "OS": r.os ?? dash,
      "LM Studio": r.lmstudio_version ?? dash,
      "Runs / samples": r.runs === null ? dash : String(r.runs),
      "Warm-up": r.warmup === null ? dash : String(r.warmup),
      "Seed": r.seed === null ? dash : String(r.seed),
      "Scope": r.scope || dash,
    })),
    runs: report.methodology.map((r) => r.run_id),
  });
  tables.push(...depthTables(report));
  tables.push({
    id: "bands",
    title: "Interpretation bands",
    columns: ["metric", "scope", "unit", "good", "middle", "bad"],
    rows: bandRows(report.bands),
    note:
      "configs/bands.yaml (seed 001, Phase 7), judged on the point estimate; a scenario with its own band (scope) is judged by it, every other scenario by the default.",
  });
  tables.forEach((t, i) => t.number = i + 1);
  return tables;
}

/** Band name → level (0 best) over every band of the report, for colouring. */
export function bandLevels(report: Report): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of [...Object.values(report.bands.performance), ...report.bands.capability]) {
    b.labels.forEach((label, i) => out.set(label, i));
  }
  return out;
}

function cacheCell(r: Report["performance"][number]): string {
  if (!r.cache_mode) return dash;
  const reported = r.cache_reported
    ? `${r.cache_hits}/${r.cache_reported} hit${r.cache_reported === 1 ? "" : "s"}`
    : "not reported";
  if (r.cache_flag) return `⚠ cold with hits (${reported})`;
  if (r.cache_mode === "warm") return `warm, prefix reuse allowed (${reported})`;
  return `${r.cache_mode} (${reported})`;
}

function performanceNote(report: Report): string {
  const pooled = report.performance.filter((r) => r.runs_n > 1);
  const mixed = pooled.filter((r) => r.mixed_configs);
  const flagged = report.performance.filter((r) => r.cache_flag);
  const parts = [
    `One row per model × format × quantization × scenario × round × runner; measured requests only (warm-ups excluded); timings over requests without error; means with 95 % intervals by ${
      methodsOf(report.performance.map((r) => r.ci_method)) || "BCa bootstrap"
    } (seeded; inside [0, ∞), so never a negative time; the method of each row is the CSV's ci_method). Tokens/s is per request (1 / TPOT); with Conc. > 1 (continuous batching) the aggregate is all output tokens ÷ wall time of each concurrent window, with its BCa bootstrap interval over windows. Peak RAM is the per-request peak RSS of the serving processes (GiB = 2^30 bytes), its band judged on the largest peak and each scenario's own band where configs/bands.yaml gives one.`,
    report.pool === "latest"
      ? "Where several runs measured the same row, only the latest run (by its first request) is shown (--latest)."
      : pooled.length
      ? `${pooled.length} row(s) pool several runs, each named with its n in 'Runs (n)'${
        mixed.length
          ? `; ${mixed.length} of them pool runs whose config hashes differ (⚠): use --latest, --runs or --config-hash to separate them`
          : ""
      }.`
      : "Every row comes from one run.",
    "Cache: cold = each prompt opens with a unique id so no earlier prefix is reused (a true prefill); warm = prefix reuse allowed (labelled, its TTFT is not a cold prefill); hits counted from the server's cached-token counts.",
  ];
  if (flagged.length) {
    parts.push(
      `⚠ ${flagged.length} cold-cache row(s) had prompt-cache hits: their TTFT understates a cold prefill.`,
    );
  }
  return parts.join(" ");
}

function capabilityNote(report: Report): string {
  const superseded = report.capability.filter((r) => r.superseded);
  return [
    "Latest run per model × format × quantization × task (by summary time)" +
    (superseded.length
      ? `; ${
        superseded.reduce((a, r) => a + r.superseded.split(" ").length, 0)
      } older run(s) are superseded and not shown (named in capability_results.csv, column superseded).`
      : "."),
    `Score: accuracy with a ${
      methodsOf(report.capability.map((r) => r.accuracy_ci_method)) || "Wilson score"
    } 95 % interval; for coding it is pass@1 (greedy, one sample per problem, tests run in the sandbox). Macro-F1 averages the per-class F1 over the labels present in the run's references ('Macro-F1 labels': present of the task's labels), with ${
      methodsOf(report.capability.map((r) => r.macro_f1_ci_method)) || "seeded bootstrap"
    } intervals. Invalid: answers that could not be mapped (by cause below); Errors: failed requests. 'Check' compares each summary with its sample records.`,
  ].join(" ");
}

const pct = (v: number | null, lo: number | null, hi: number | null) => withCi(v, lo, hi, 1, 100);

function taskTables(report: Report): DisplayTable[] {
  const run = (r: { model_key: string; format: string; quantization: string }) => ({
    "Model": r.model_key,
    "Format": r.format,
    "Quant.": r.quantization,
  });
  return [
    {
      id: "invalid_causes",
      title: "Invalid answers by cause",
      columns: ["Model", "Format", "Quant.", "Task", "n", "Cause", "Count", "Share %", "Source"],
      rows: report.invalidCauses.map((r) => ({
        ...run(r),
        "Task": r.task,
        "n": String(r.n),
        "Cause": r.cause,
        "Count": r.count === null ? dash : String(r.count),
        "Share %": num(r.rate === null ? null : r.rate * 100),
        "Source": r.source === "none" ? "summary (no cause recorded)" : r.source,
      })),
      runs: report.invalidCauses.map((r) => r.run_id),
      note:
        "Latest run per model and task. An invalid answer could not be mapped to the task's answer space; its cause comes from the summary's counts when it has them, else from the records' invalid_cause; failed requests are counted apart.",
    },
    {
      id: "mmlu_subjects",
      title: "MMLU per subject",
      columns: ["Model", "Format", "Quant.", "Subject", "n", "Accuracy % [95% CI]", "Interval"],
      rows: report.subjects.map((r) => ({
        ...run(r),
        "Subject": r.subject,
        "n": String(r.subject_n),
        "Accuracy % [95% CI]": pct(r.accuracy, r.accuracy_lo, r.accuracy_hi),
        "Interval": r.ci_method,
      })),
      runs: report.subjects.map((r) => r.run_id),
      note: "mmlu_mini: six finance and economics subjects, 5-shot from dev; latest run per model.",
    },
    {
      id: "summarization",
      title: "Summarization: ROUGE and semantic similarity",
      columns: [
        "Model",
        "Format",
        "Quant.",
        "n",
        "ROUGE-1 % [95% CI]",
        "ROUGE-2 % [95% CI]",
        "ROUGE-L % [95% CI]",
        "Semantic % [95% CI]",
        "Interval",
      ],
      rows: report.summarization.map((r) => ({
        ...run(r),
        "n": String(r.n),
        "ROUGE-1 % [95% CI]": pct(r.rouge1, r.rouge1_lo, r.rouge1_hi),
        "ROUGE-2 % [95% CI]": pct(r.rouge2, r.rouge2_lo, r.rouge2_hi),
        "ROUGE-L % [95% CI]": pct(r.rougeL, r.rougeL_lo, r.rougeL_hi),
        "Semantic % [95% CI]": r.semantic === null
          ? "not computed (no --embedding-model)"
          : `${pct(r.semantic, r.semantic_lo, r.semantic_hi)} (${r.semantic_model ?? "embedding"})`,
        "Interval": r.ci_method,
      })),
      runs: report.summarization.map((r) => r.run_id),
      note:
        "CNN/DailyMail: ROUGE F1 on lower-case alphanumeric tokens, no stemming; the semantic score is the cosine of embedding vectors of the summary and the highlights (not BERTScore). Means over samples (an error or empty answer counts 0) with Student's t intervals.",
    },
    {
      id: "realistic",
      title: "Realistic banking cases: checks",
      columns: [
        "Model",
        "Format",
        "Quant.",
        "n",
        "Check",
        "Cases",
        "Pass rate % [95% CI]",
        "Interval",
      ],
      rows: report.realistic.map((r) => ({
        ...run(r),
        "n": String(r.n),
        "Check": r.check,
        "Cases": String(r.check_n),
        "Pass rate % [95% CI]": pct(r.value, r.lo, r.hi),
        "Interval": r.ci_method,
      })),
      runs: report.realistic.map((r) => r.run_id),
      note:
        "data/eval/realistic: complaint triage, dispute and KYC extraction to JSON, policy-grounded FAQ, refusals. Each check's pass rate over the cases it applies to (Wilson); 'mean score' is the mean share of checks passed per case (t interval).",
    },
  ];
}

function roundsTables(report: Report): DisplayTable[] {
  const metricName: Record<string, string> = {
    ttft_ms: "TTFT ms",
    output_tps: "Output tokens/s",
    peak_ram_mib: "Peak RSS MiB",
    accuracy: "Accuracy %",
  };
  const rows = report.rounds;
  return [
    {
      id: "rounds",
      title: "Optimization rounds vs baseline",
      columns: [
        "Model",
        "Round",
        "Status",
        "Scenario / subset",
        "Metric",
        "n",
        "Value [95% CI]",
        "Round − baseline [95% CI]",
        "Change %",
        "Significant",
      ],
      rows: rows.map((r) => {
        const scale = r.metric === "accuracy" ? 100 : 1;
        const digits = r.metric === "accuracy" ? 1 : r.metric === "ttft_ms" ? 1 : 1;
        return {
          "Model": `${r.model_key} (${r.format} ${r.quantization})`,
          "Round": r.round,
          "Status": r.status,
          "Scenario / subset": r.scenario || dash,
          "Metric": r.scenario ? metricName[r.metric] : dash,
          "n": r.scenario ? String(r.n) : dash,
          "Value [95% CI]": withCi(r.value, r.lo, r.hi, digits, scale),
          "Round − baseline [95% CI]": r.round === "baseline"
            ? "(baseline)"
            : withCi(r.diff, r.diff_lo, r.diff_hi, digits, scale),
          "Change %": r.relative === null
            ? dash
            : `${r.relative >= 0 ? "+" : ""}${(r.relative * 100).toFixed(1)}`,
          "Significant": r.significant === null ? dash : r.significant ? "yes" : "no",
        };
      }),
      runs: rows.map((r) => r.run_id),
      note:
        "From rounds_<model>_<stamp>.json. Differences against the baseline round of the same run: Welch 95 % intervals for means, Newcombe for the quality subset's accuracy (percentage points); significant = the interval excludes 0. A round the backend cannot apply is listed as skipped with its reason, never run as baseline.",
    },
    {
      id: "sweep",
      title: "Precision vs size sweep",
      columns: [
        "Model",
        "Format",
        "Quant.",
        "Parameters (M)",
        "Bits/weight",
        "File MiB",
        "Scenario",
        "TTFT ms [95% CI]",
        "Tokens/s [95% CI]",
        "Peak RAM GiB",
        "Quality % [95% CI]",
      ],
      rows: report.sweep.map((r) => ({
        "Model": r.model_key,
        "Format": r.format,
        "Quant.": r.quantization,
        "Parameters (M)": num(r.parameters === null ? null : r.parameters / 1e6, 2),
        "Bits/weight": num(r.bits_per_weight, 2),
        "File MiB": num(r.file_size_gib === null ? null : r.file_size_gib * 1024, 1),
        "Scenario": r.scenario,
        "TTFT ms [95% CI]": withCi(r.ttft_ms, r.ttft_ms_lo, r.ttft_ms_hi),
        "Tokens/s [95% CI]": withCi(r.output_tps, r.output_tps_lo, r.output_tps_hi),
        "Peak RAM GiB": num(r.peak_ram_gib, 3),
        "Quality % [95% CI]": r.quality === null
          ? dash
          : `${pct(r.quality, r.quality_lo, r.quality_hi)} (${r.quality_task}, n=${r.quality_n})`,
      })),
      runs: report.sweep.map((r) => r.run_id),
      note:
        "From sweep_<stamp>.json (seed 002, 'Tiny Giant'): the baseline round on each model variant; parameters, bits per weight and file size read from the GGUF file.",
    },
  ];
}

const ms3 = (v: number | null, lo: number | null, hi: number | null) =>
  withCi(v, lo, hi, v !== null && v < 10 ? 2 : 1);

/** Latency percentiles, the length sweep and its fit, the throughput–latency curves. */
function depthTables(report: Report): DisplayTable[] {
  const p = report.percentiles;
  const sweep = report.lengthSweep;
  const tl = report.throughputLatency;
  return [
    {
      id: "latency_percentiles",
      title: "Latency percentiles",
      columns: [
        "Model",
        "Scenario",
        "Round",
        "Conc.",
        "n",
        "TTFT p50",
        "TTFT p90",
        "TTFT p99",
        "ITL p50",
        "ITL p90",
        "ITL p99",
        "E2E p50",
        "E2E p90",
        "E2E p99",
        "ITL gaps",
      ],
      rows: p.map((r) => ({
        "Model": `${r.model_key} (${r.format} ${r.quantization})`,
        "Scenario": r.scenario,
        "Round": r.round || dash,
        "Conc.": String(r.concurrency),
        "n": r.ci_method === "woodruff" ? `${r.n} (woodruff)` : String(r.n),
        "TTFT p50": ms3(r.ttft_p50, r.ttft_p50_lo, r.ttft_p50_hi),
        "TTFT p90": ms3(r.ttft_p90, r.ttft_p90_lo, r.ttft_p90_hi),
        "TTFT p99": ms3(r.ttft_p99, r.ttft_p99_lo, r.ttft_p99_hi),
        "ITL p50": ms3(r.itl_p50, r.itl_p50_lo, r.itl_p50_hi),
        "ITL p90": ms3(r.itl_p90, r.itl_p90_lo, r.itl_p90_hi),
        "ITL p99": ms3(r.itl_p99, r.itl_p99_lo, r.itl_p99_hi),
        "E2E p50": ms3(r.e2e_p50, r.e2e_p50_lo, r.e2e_p50_hi),
        "E2E p90": ms3(r.e2e_p90, r.e2e_p90_lo, r.e2e_p90_hi),
        "E2E p99": ms3(r.e2e_p99, r.e2e_p99_lo, r.e2e_p99_hi),
        "ITL gaps": r.itl_gaps
          ? `${r.itl_gaps}${r.multi_token_gaps ? ` (${r.multi_token_gaps} multi-token ⚠)` : ""}`
          : dash,
      })),
      runs: p.map((r) => r.run_ids),
      note:
        `Milliseconds, over measured requests without error; type-7 percentiles with 95 % percentile-bootstrap intervals that resample whole requests (seed 42, 2000 resamples; at small n, p99 is close to the largest value)${
          p.some((r) => r.ci_method === "woodruff")
            ? "; rows marked woodruff (too many requests or gaps to resample: more than 2·10⁷ value visits) use Woodruff's interval from the cluster-robust standard error of the share below the percentile, also by request"
            : ""
        }. ITL = the gaps between successive content chunks of each request, the first chunk (TTFT) excluded, pooled over requests: AIPerf's inter-chunk latency (AIPerf's own 'inter_token_latency' is per request (E2E − TTFT)/(tokens − 1), our TPOT). A gap that ends in a chunk carrying several tokens (⚠ multi-token) is a chunk latency, not a per-token one.`,
    },
    {
      id: "length_sweep",
      title: "Length sweep",
      columns: [
        "Model",
        "Prompt tokens",
        "Output tokens",
        "n",
        "TTFT ms [95% CI]",
        "Prefill t/s [95% CI]",
        "Decode t/s [95% CI]",
        "Peak RAM MiB",
        "Energy J/token",
      ],
      rows: sweep.points.map((r) => ({
        "Model": r.model_key,
        "Prompt tokens": `${r.prompt_tokens_target}${r.prompt_exact ? "" : " (not exact ⚠)"}`,
        "Output tokens": `${r.output_tokens_target}${
          r.output_tokens !== null && r.output_tokens < r.output_tokens_target
            ? ` (median ${r.output_tokens})`
            : ""
        }`,
        "n": String(r.n),
        "TTFT ms [95% CI]": withCi(
          r.ttft_ms.value,
          r.ttft_ms.ci95?.[0] ?? null,
          r.ttft_ms.ci95?.[1] ?? null,
        ),
        "Prefill t/s [95% CI]": withCi(
          r.prefill_tokens_per_s.value,
          r.prefill_tokens_per_s.ci95?.[0] ?? null,
          r.prefill_tokens_per_s.ci95?.[1] ?? null,
          0,
        ),
        "Decode t/s [95% CI]": withCi(
          r.decode_tokens_per_s.value,
          r.decode_tokens_per_s.ci95?.[0] ?? null,
          r.decode_tokens_per_s.ci95?.[1] ?? null,
        ),
        "Peak RAM MiB": num(r.peak_rss_bytes === null ? null : r.peak_rss_bytes / 2 ** 20, 0),
        "Energy J/token": num(r.joules_per_token, 4),
      })),
      runs: sweep.points.map((r) => r.run_ids),
      note:
        `Synthetic prompts of exactly the target length in tokens (chat template and request id included), built with the model's own tokenizer, prompt cache off; output tokens is max_tokens (the median actually generated is shown when lower). Means with 95 % BCa intervals. ${
          sweep.fits.filter((f) => f.slope !== null).map((f) =>
            `${f.model_key}: TTFT = ${num(f.overhead_ms, 1)} ms + ${
              num(f.ms_per_prompt_token, 4)
            } ms/token [${num(f.slope_ci95?.[0] ?? null, 4)}, ${
              num(f.slope_ci95?.[1] ?? null, 4)
            }] (t interval, n=${f.n}, R² ${num(f.r2, 3)})`
          ).join("; ")
        }`,
    },
    {
      id: "throughput_latency",
      title: "Throughput against latency",
      columns: [
        "Model",
        "Scenario",
        "Conc.",
        "Aggregate t/s [95% CI]",
        "TTFT p50",
        "TTFT p90",
        "ITL p50",
        "ITL p90",
        "Knee",
      ],
      rows: tl.map((r) => ({
        "Model": `${r.model_key} (${r.format} ${r.quantization})`,
        "Scenario": r.scenario,
        "Conc.": String(r.concurrency),
        "Aggregate t/s [95% CI]": withCi(r.aggregate_tps, r.aggregate_tps_lo, r.aggregate_tps_hi),
        "TTFT p50": num(r.ttft_p50),
        "TTFT p90": num(r.ttft_p90),
        "ITL p50": num(r.itl_p50, 2),
        "ITL p90": num(r.itl_p90, 2),
        "Knee": r.knee ? "◀ knee" : "",
      })),
      runs: tl.map((r) => r.run_ids),
      note:
        "Scenarios measured at two or more concurrency levels (deno task perf --concurrency 1,2,4,8). Aggregate t/s = all output tokens ÷ wall time of each concurrent window; latencies in ms, per request. Knee: the level farthest below the diagonal of the curve scaled to [0, 1] (aggregate t/s against ITL p50).",
    },
  ];
}
