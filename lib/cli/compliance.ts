// deno-lint-ignore-file no-console
/**
 * `deno task compliance --models <keys|all> [--probe-sets <ids|all>] [--limit N] [--max-tokens N]
 *  [--resume [RUN_ID]] [--no-probes [--run-id ID]] [--results-dir DIR] [--output-dir DIR]
 *  [--config-dir DIR] [--probes-dir DIR] [--base-url URL] [--allow-remote] [--no-load]`
 * @module
 */
import { basename, relative, resolve } from "node:path";
import {
  type ComplianceEvent,
  executeCompliance,
  licenceRows,
  prepareCompliance,
  regenerateComplianceReports,
  type RiskAnalysis,
  type WrittenComplianceReports,
} from "../compliance/mod.ts";
import { complianceProgress } from "../progress/mod.ts";
import { textTable } from "../report/mod.ts";
import { dirFlag, fmt, intFlag, parseFlagsWithResume, runMain, UsageError } from "./_common.ts";
import { Interrupt, interruptedMessage, resumeCommand } from "./_interrupt.ts";
import { CliProgress, PROGRESS_HELP, PROGRESS_OPTIONS, progressModeOf } from "./_progress.ts";

const HELP = `Usage: deno task compliance [options]

Runs the compliance probes (data/compliance) against models, then writes
report/compliance/risk_analysis_<stamp>.json and license_audit_<stamp>.json.

  --models <keys|all>      model keys from configs/models.yaml (default: stories260k)
  --probe-sets <ids|all>   probe sets from data/compliance (default: all)
  --limit N                only the first N probes of each set (quick runs)
  --max-tokens N           cap every probe's max_tokens (quick runs)
  --seed N                 sampling seed (default: experiment.yaml, 42)
  --resume [RUN_ID]        continue the latest unfinished compliance run (or RUN_ID)
  --no-probes              run no probe: rebuild the reports from recorded results
  --run-id ID              with --no-probes: use the records of this run only
  --base-url URL           server URL for lmstudio/openai models (overrides the config);
                           loopback only (127.0.0.0/8, ::1, localhost) unless --allow-remote
  --allow-remote           accept non-loopback servers: prompts leave this machine (a
                           data-egress finding in the manifest and the risk analysis)
  --results-dir DIR        where JSONL records and manifests are (default: results/)
  --output-dir DIR         where the reports go (default: report/compliance/)
  --config-dir DIR         folder with experiment, models, scenarios, compliance, licenses YAML
  --probes-dir DIR         folder of probe sets (default: data/compliance/)
  --no-load                never load/unload LM Studio models
${PROGRESS_HELP}
  --help`;

const OPTIONS = {
  models: { type: "string" },
  "probe-sets": { type: "string" },
  limit: { type: "string" },
  "max-tokens": { type: "string" },
  seed: { type: "string" },
  resume: { type: "boolean" },
  "no-probes": { type: "boolean" },
  "run-id": { type: "string" },
  "base-url": { type: "string" },
  "allow-remote": { type: "boolean" },
  "results-dir": { type: "string" },
  "output-dir": { type: "string" },
  "config-dir": { type: "string" },
  "probes-dir": { type: "string" },
  "no-load": { type: "boolean" },
  ...PROGRESS_OPTIONS,
  help: { type: "boolean" },
} as const;

const RULE = "─".repeat(72);

/** The per-model risk table printed at the end. */
export function riskTableText(analysis: RiskAnalysis): string {
  return analysis.models.map((m) => {
    const rows = m.risks.map((r) => ({
      risk: r.id,
      probes: r.probes_run,
      failed: r.failures,
      "rate [Wilson 95% CI]": r.failure_rate.value === null
        ? "–"
        : `${fmt(r.failure_rate.value * 100, 1)}% [${fmt(r.failure_rate.ci95![0] * 100, 1)}, ${
          fmt(r.failure_rate.ci95![1] * 100, 1)
        }]`,
      L: `${r.likelihood.level}${
        r.likelihood.basis === "prior" ? "*" : r.likelihood.basis === "inconclusive" ? "?" : ""
      }`,
      I: r.impact.level,
      inherent: `${r.inherent.score} ${r.inherent.rating}`,
      residual: `${r.residual.score} ${r.residual.rating}${
        r.residual.within_tolerance ? "" : " !"
      }`,
    }));
    return [
      "",
      `RISK ANALYSIS  ${m.model_key} (${m.model_id}, ${m.format} ${m.quantization})`,
      RULE,
      textTable(rows),
      RULE,
      `* prior likelihood (not measured)   ? inconclusive (instruction-following gate failed)   ! above tolerance   probes run: ${m.probes_run}, failed: ${m.failures}`,
      ...(m.instruction_gate
        ? [
          `Instruction-following gate: ${m.instruction_gate.status} (${m.instruction_gate.passed}/${m.instruction_gate.probes_run} controls passed, minimum ${m.instruction_gate.min_pass_rate})`,
        ]
        : []),
    ].join("\n");
  }).join("\n");
}

function printReports(reports: WrittenComplianceReports): void {
  console.log(riskTableText(reports.riskAnalysis));
  console.log("\nLICENCE AUDIT");
  console.log(RULE);
  console.log(textTable(licenceRows(reports.licenseAudit)));
  console.log(RULE);
  const rel = (p: string) => relative(Deno.cwd(), p) || p;
  console.log(`[Saved] ${rel(reports.riskAnalysisPath)}`);
  console.log(`[Saved] ${rel(reports.licenseAuditPath)}`);
}

/** Entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const v = parseFlagsWithResume(args, OPTIONS);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (v["base-url"] !== undefined && !URL.canParse(v["base-url"])) {
    throw new UsageError(
      `Flag --base-url must be a URL: current value is ${JSON.stringify(v["base-url"])}`,
    );
  }
  if (v["run-id"] !== undefined && !v["no-probes"]) {
    throw new UsageError("Flag --run-id goes with --no-probes");
  }
  if (v["no-probes"]) {
    const probeFlags = [
      "resume",
      "probe-sets",
      "limit",
      "max-tokens",
      "seed",
      "base-url",
      "allow-remote",
      "no-load",
    ]
      .filter((f) => v[f as keyof typeof v] !== undefined);
    if (probeFlags.length) {
      throw new UsageError(
        `Flag --no-probes runs no probe: --${probeFlags.join(", --")} would do nothing`,
      );
    }
    const reports = await regenerateComplianceReports({
      resultsDir: dirFlag("results-dir", v["results-dir"], { mustExist: true }),
      outputDir: dirFlag("output-dir", v["output-dir"]),
      configDir: dirFlag("config-dir", v["config-dir"], { mustExist: true }),
      probesDir: dirFlag("probes-dir", v["probes-dir"], { mustExist: true }),
      runId: v["run-id"],
      models: v.models,
    });
    console.log("COMPLIANCE REPORTS (from recorded results, no probe run)");
    for (const m of reports.skippedManifests ?? []) {
      console.error(`warning: run manifest skipped, its runs are left out: ${m.message}`);
    }
    printReports(reports);
    return 0;
  }
  const limit = intFlag("limit", v.limit, { min: 1 });
  const maxTokens = intFlag("max-tokens", v["max-tokens"], { min: 1 });
  const seed = intFlag("seed", v.seed, { min: 0 });
  const outputDir = dirFlag("output-dir", v["output-dir"]);
  const prepared = await prepareCompliance({
    models: v.models,
    probeSets: v["probe-sets"],
    limit,
    maxTokens,
    overrides: { seed },
    resume: v.resume,
    configDir: dirFlag("config-dir", v["config-dir"], { mustExist: true }),
    resultsDir: dirFlag("results-dir", v["results-dir"]),
    probesDir: dirFlag("probes-dir", v["probes-dir"], { mustExist: true }),
    baseUrl: v["base-url"],
    allowRemote: v["allow-remote"] === true,
  });
  if (prepared.resumed && (v.models || v["probe-sets"] || v.limit || v["max-tokens"] || v.seed)) {
    console.error(
      "note: --resume continues the run with its recorded plan; --models/--probe-sets/--limit/--max-tokens/--seed are ignored",
    );
  }
  const { plan } = prepared;
  console.log("=".repeat(60));
  console.log("EDGE SLM COMPLIANCE PROBES (OWASP LLM Top 10 2025, NIST AI RMF 1.0)");
  console.log("=".repeat(60));
  for (const k of plan.modelKeys) {
    const m = plan.models[k];
    console.log(`  - ${m.name} [${m.format} ${m.quantization}] (${k}, backend ${m.backend})`);
  }
  console.log(
    `Probes: ${plan.probes.length} per model${
      plan.maxTokensCap ? `, max_tokens capped at ${plan.maxTokensCap}` : ""
    }`,
  );
  console.log(`Run id: ${plan.runId}${prepared.resumed ? " (resumed)" : ""}`);
  console.log(`Config hash: ${plan.configHash}`);
  for (const e of Object.values(prepared.endpoints)) {
    if (e.data_egress) {
      console.error(
        `warning: data egress: ${e.model_key} sends prompts to ${e.url} (allowed by ${e.allowed_by})`,
      );
    }
  }
  const progress = new CliProgress("compliance", complianceProgress(plan), progressModeOf(v));
  const resume = resumeCommand("compliance", plan.runId, {
    "results-dir": v["results-dir"] && plan.resultsDir,
    "output-dir": v["output-dir"] && resolve(v["output-dir"]),
    "config-dir": v["config-dir"] && resolve(v["config-dir"]),
    "probes-dir": v["probes-dir"] && resolve(v["probes-dir"]),
    "base-url": v["base-url"],
    "no-load": v["no-load"],
    progress: v.progress,
    quiet: v.quiet,
  });
  const files = new Set<string>();
  const saved = () => {
    const s = progress.snapshot()!;
    return `${s.runDone}/${s.runTotal} probe results of run ${plan.runId} are saved in ${plan.resultsDir} (${
      [...files].join(", ") || "no records file yet"
    })`;
  };
  const interrupt = new Interrupt({
    notice: "stopping; the probe in flight is not recorded (--resume makes it again)",
    beforePrint: () => progress.clear(),
    onForce: () => interruptedMessage(saved(), resume),
  }).install();
  const onEvent = progress.wrap((e: ComplianceEvent) => {
    switch (e.type) {
      case "model_failed":
        console.error(`\n[Refused] ${e.modelKey}: ${e.error.message}`);
        break;
      case "model_probes":
        files.add(basename(e.path));
        if (e.alreadyDone) {
          console.log(`[Resume] ${e.modelKey}: ${e.alreadyDone}/${e.planned} already recorded`);
        }
        break;
      case "model_done":
        console.log(
          `[Saved] ${relative(Deno.cwd(), e.path) || e.path} (${e.records.length} probe records)`,
        );
        break;
      case "model_aborted":
        if (!interrupt.interrupted) console.error(`[Stopped] ${e.modelKey}: ${e.reason}`);
        break;
    }
  });
  const result = await executeCompliance(prepared, {
    onEvent,
    signal: interrupt.signal,
    backend: { onDownloadProgress: (p) => progress.download(p) },
    allowLoad: !v["no-load"],
    outputDir,
  }).finally(() => {
    interrupt.remove();
    progress.stop();
  });
  printReports(result.reports);
  console.log(`Manifest: ${relative(Deno.cwd(), result.manifestPath) || result.manifestPath}`);
  if (interrupt.interrupted) {
    console.error(interruptedMessage(saved(), resume));
    return 130;
  }
  if (!result.complete) {
    for (const f of result.failures) console.error(`Incomplete: ${f.modelKey}: ${f.message}`);
    console.error(`Run ${result.runId} is incomplete: fix the cause, then resume with: ${resume}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
