/** Hardware and methodology: the seed's reproducibility checklist, from the run manifests. @module */
import pl from "nodejs-polars";
import type { ResultSet } from "./load.ts";

/** One run the report draws on: what it planned and the machine it ran on. */
export interface MethodologyRow {
  run_id: string;
  kind: string;
  status: string;
  config_hash: string;
  started_at: string;
  /** Chip (Apple Silicon) or CPU model. */
  chip: string | null;
  ram_gib: number | null;
  os: string | null;
  lmstudio_version: string | null;
  deno: string | null;
  git_commit: string | null;
  power: string | null;
  /** Measured requests per scenario (perf) or samples (eval). */
  runs: number | null;
  warmup: number | null;
  seed: number | null;
  temperature: number | null;
  /** Models and scenarios or task of the run. */
  scope: string;
  manifest: string;
}

const num = (v: unknown) => typeof v === "number" ? v : null;
const str = (v: unknown) => typeof v === "string" ? v : null;

function get(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** Run ids the tables draw on (perf records, capability summaries, compliance records). */
export function usedRunIds(results: Pick<ResultSet, "perf" | "eval" | "compliance">): Set<string> {
  const ids = new Set<string>();
  if (results.perf.height) {
    for (const id of results.perf.select(pl.col("run_id").unique()).getColumn("run_id").toArray()) {
      ids.add(id as string);
    }
  }
  for (const e of results.eval) ids.add(e.summary.run_id);
  for (const c of results.compliance) ids.add(c.run_id);
  return ids;
}

/**
 * One row per run that contributed to the report, from its manifest: the plan (runs, warm-ups,
 * seed, temperature, scope) and the machine of its latest environment (a resumed run lists how many
 * environments it has in `status`). Runs without a manifest are listed with `manifest: "missing"`.
 */
export function methodologyRows(
  results: Pick<ResultSet, "perf" | "eval" | "compliance" | "manifests">,
): MethodologyRow[] {
  const used = usedRunIds(results);
  const rows: MethodologyRow[] = [];
  const seen = new Set<string>();
  for (const { file, manifest } of results.manifests) {
    for (const run of manifest.runs) {
      if (!used.has(run.run_id) || seen.has(run.run_id)) continue;
      seen.add(run.run_id);
      const env = run.environments.at(-1) ?? {};
      const plan = run.plan;
      const exp = get(manifest.config, "experiment");
      const memory = num(get(env, "memory_bytes"));
      const resumedOn = run.environments.length > 1
        ? ` (${run.environments.length} environments: resumed)`
        : "";
      const models = (get(plan, "models") as string[] | undefined) ??
        [str(get(plan, "model_key")) ?? ""].filter(Boolean);
      const what = (get(plan, "scenarios") as string[] | undefined)?.join(", ") ??
        str(get(plan, "task")) ?? str(get(plan, "probe_sets")) ?? "";
      rows.push({
        run_id: run.run_id,
        kind: run.kind,
        status: run.status + resumedOn,
        config_hash: manifest.config_hash,
        started_at: run.started_at,
        chip: str(get(env, "cpu", "chip")) ?? str(get(env, "cpu", "model")),
        ram_gib: memory === null ? null : memory / 1024 ** 3,
        os: str(get(env, "os", "version")) ?? str(get(env, "os", "platform")),
        lmstudio_version: str(get(env, "lmstudio", "version")),
        deno: str(get(env, "deno")),
        git_commit: str(get(env, "git", "commit")),
        power: str(get(env, "power", "source")),
        runs: num(get(plan, "runs")) ?? num(get(plan, "samples")) ?? num(get(exp, "runs")),
        warmup: num(get(plan, "warmup")) ?? (run.kind === "perf" ? num(get(exp, "warmup")) : null),
        seed: num(get(plan, "seed")) ?? num(get(exp, "seed")),
        temperature: num(get(plan, "temperature")) ?? num(get(exp, "temperature")),
        scope: [models.join(", "), what].filter(Boolean).join(" / "),
        manifest: file,
      });
    }
  }
  for (const id of [...used].filter((id) => !seen.has(id)).sort()) {
    rows.push({
      run_id: id,
      kind: id.split("_")[0],
      status: "unknown",
      config_hash: "",
      started_at: "",
      chip: null,
      ram_gib: null,
      os: null,
      lmstudio_version: null,
      deno: null,
      git_commit: null,
      power: null,
      runs: null,
      warmup: null,
      seed: null,
      temperature: null,
      scope: "",
      manifest: "missing",
    });
  }
  return rows.sort((a, b) =>
    a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : 0
  );
}

/** The hardware and software the runs share, one line each; differing values are all listed. */
export function environmentSummary(
  rows: readonly MethodologyRow[],
): { item: string; value: string }[] {
  const list = (f: (r: MethodologyRow) => string | null) => {
    const vs = [...new Set(rows.map(f).filter((v): v is string => v !== null && v !== ""))];
    return vs.length ? vs.join("; ") : "unknown";
  };
  return [
    { item: "Chip / CPU", value: list((r) => r.chip) },
    { item: "RAM", value: list((r) => r.ram_gib === null ? null : `${r.ram_gib.toFixed(1)} GiB`) },
    { item: "OS", value: list((r) => r.os) },
    { item: "LM Studio", value: list((r) => r.lmstudio_version) },
    { item: "Deno", value: list((r) => r.deno) },
    { item: "Git commit", value: list((r) => r.git_commit) },
    { item: "Power", value: list((r) => r.power) },
    {
      item: "Measured runs per scenario",
      value: list((r) => r.kind === "perf" && r.runs !== null ? String(r.runs) : null),
    },
    { item: "Warm-up requests", value: list((r) => r.warmup === null ? null : String(r.warmup)) },
    { item: "Seeds", value: list((r) => r.seed === null ? null : String(r.seed)) },
    {
      item: "Temperature",
      value: list((r) => r.temperature === null ? null : String(r.temperature)),
    },
    { item: "Config hashes", value: list((r) => r.config_hash || null) },
  ];
}
