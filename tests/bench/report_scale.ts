// deno-lint-ignore-file no-console
/**
 * Report scale bench: `deno task bench:report [--records 1000000] [--files 8] [--no-real] [--json]`
 * (`--json`: also a `BENCH [...]` line of figures for `deno task bench`).
 *
 * (a) Synthetic: streams `--records` valid PerfRecord lines into `--files` perf JSONL files (4
 *     model units — two model ids in GGUF and MLX — × 2 scenarios), then a child process loads them
 *     (`loadResults`: every line validated with PerfRecordSchema), builds every table and figure
 *     (`buildReport`) and writes Markdown, HTML, CSV, Parquet, LaTeX, PDF, SVG and PNG
 *     (`writeReport`), importing the rendering modules after the load as the report command
 *     does. The child reports each phase's wall time, its CPU time and its peak RSS (VmHWM from
 *     /proc/self/status), so the generation is not counted.
 * (b) Real: a small real set made by the perf, eval and compliance CLIs on stories260K, measured
 *     the same way.
 */
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
// As in the report command: the results are loaded before Plot, linkedom and resvg are imported.
import { loadBands } from "../../lib/report/bands.ts";
import { loadResults } from "../../lib/report/load.ts";
import { perfFileName } from "../../lib/results/mod.ts";
import { seededRandom } from "../../lib/stats/mod.ts";

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : fallback;
}

/** Start a new peak (Linux: writing 5 to clear_refs resets VmHWM); false where it cannot. */
function resetPeak(): boolean {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

function vmHwmMiB(): number {
  const m = Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

async function measure(dir: string): Promise<void> {
  const out = await Deno.makeTempDir({ prefix: "bench-report-out-" });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await loadResults(dir);
  const t1 = performance.now();
  // Each phase's own peak too, where the kernel lets it be reset (the overall peak is their max).
  const peaks = [vmHwmMiB()];
  const phased = resetPeak();
  const { buildReport, complianceAnalysis, findChromium, PdfPrinter, writeReport } = await import(
    "../../lib/report/mod.ts"
  );
  // As the report command does: Chromium starts while the tables are built.
  const chromium = findChromium();
  const printer = chromium ? new PdfPrinter(chromium) : null;
  const compliance = results.compliance.length ? await complianceAnalysis(dir) : null;
  const report = buildReport(results, await loadBands(), { compliance });
  const t2 = performance.now();
  peaks.push(vmHwmMiB());
  if (phased) resetPeak();
  const written = await writeReport(report, out, {
    figuresDir: join(out, "figures"),
    printer: printer ?? undefined,
    pdfOptional: true,
  });
  await printer?.close();
  const t3 = performance.now();
  peaks.push(vmHwmMiB());
  console.log(JSON.stringify({
    records: results.perf.height,
    warnings: results.warnings.length,
    performance_rows: report.performance.length,
    figures: written.figures.length,
    load_s: (t1 - t0) / 1000,
    tables_and_figures_s: (t2 - t1) / 1000,
    write_s: (t3 - t2) / 1000,
    total_s: (t3 - t0) / 1000,
    cpu_s: ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(cpu0)),
    peak_rss_mib: Math.max(...peaks),
    load_peak_mib: peaks[0],
    tables_peak_mib: phased ? peaks[1] : NaN,
    write_peak_mib: phased ? peaks[2] : NaN,
  }));
  await Deno.remove(out, { recursive: true });
}

async function generate(dir: string, records: number, files: number): Promise<void> {
  const template = JSON.parse(
    '{"schema_version":1,"kind":"perf","run_id":"","config_hash":"","model_key":"","model_id":"","backend":"lmstudio","format":"GGUF","quantization":"Q4_K_M","scenario":"","repetition":0,"warmup":false,"seed":42,"temperature":0,"max_tokens":128,"ttft_ms":0,"e2e_ms":0,"decode_ms":0,"tpot_ms":0,"output_tokens_per_s":0,"e2e_tokens_per_s":0,"prefill_tokens_per_s":0,"prompt_tokens":272,"output_tokens":128,"token_count_source":"server","peak_rss_bytes":0,"peak_footprint_bytes":null,"peak_system_used_bytes":null,"memory_samples":5,"server_timings":null,"finish_reason":"stop","output_valid":null,"output_text":"A short answer from the model.","error":null,"host":"bench","git_commit":null,"timestamp":"2025-11-23T10:00:00.000Z"}',
  );
  const units = [
    ["gemma_gguf", "google/gemma-3n-e4b", "GGUF", "Q4_K_M"],
    ["gemma_mlx", "google/gemma-3n-e4b", "MLX", "4bit"],
    ["qwen_gguf", "qwen/qwen3-vl-4b", "GGUF", "Q4_K_M"],
    ["qwen_mlx", "qwen/qwen3-vl-4b", "MLX", "4bit"],
  ].flatMap((u) => ["interactive_assistant", "json_extraction"].map((s) => [...u, s]));
  const random = seededRandom(42);
  const encoder = new TextEncoder();
  for (let f = 0; f < files; f++) {
    const [key, id, format, quant, scenario] = units[f % units.length];
    const hash = (f % 16).toString(16).repeat(64);
    const name = perfFileName({
      modelId: id,
      format,
      quantization: quant,
      scenario,
      date: new Date(Date.UTC(2025, 10, 23, 10, 0, f)),
    });
    const file = await Deno.open(join(dir, name), { create: true, write: true, truncate: true });
    const n = Math.floor(records / files) + (f < records % files ? 1 : 0);
    let chunk = "";
    for (let i = 0; i < n; i++) {
      const ttft = 150 + 100 * random() + (format === "MLX" ? -20 : 0);
      const tps = 30 + 20 * random() + (format === "MLX" ? 8 : 0);
      Object.assign(template, {
        run_id: `perf_bench_${f}`,
        config_hash: hash,
        model_key: key,
        model_id: id,
        format,
        quantization: quant,
        scenario,
        repetition: i,
        warmup: i < 3,
        ttft_ms: ttft,
        e2e_ms: ttft + 128 * 1000 / tps,
        decode_ms: 128 * 1000 / tps,
        tpot_ms: 1000 / tps,
        output_tokens_per_s: tps,
        e2e_tokens_per_s: tps * 0.9,
        prefill_tokens_per_s: 272 / ttft * 1000,
        peak_rss_bytes: Math.round((4 + random()) * 1024 ** 3),
      });
      chunk += JSON.stringify(template) + "\n";
      if (chunk.length > 4 << 20) {
        await file.write(encoder.encode(chunk));
        chunk = "";
      }
    }
    await file.write(encoder.encode(chunk));
    file.close();
  }
}

/** CPU time the hypervisor gave to others (steal), all cores, seconds; 0 where unreadable. */
function stealSeconds(): number {
  try {
    const cpu = Deno.readTextFileSync("/proc/stat").split("\n")[0].trim().split(/\s+/);
    return Number(cpu[8] ?? 0) / 100;
  } catch {
    return 0;
  }
}

/** The V8 flags `deno task report` runs with (deno.json), so the child measures what users get. */
function reportV8Flags(): string {
  const tasks = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))).tasks;
  return String(tasks.report).match(/--v8-flags=(\S+)/)?.[1] ?? "--expose-gc";
}

async function child(dir: string): Promise<Record<string, number>> {
  const steal = stealSeconds();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--v8-flags=${reportV8Flags()}`, SELF, "--measure", dir],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!;
  if (out.code !== 0) throw new Error(`measurement failed: ${text}`);
  return { ...JSON.parse(text), steal_s: stealSeconds() - steal };
}

async function run(cmd: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", ...cmd],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (out.code !== 0) throw new Error(`${cmd.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

function print(label: string, r: Record<string, number>): void {
  console.log(
    `${label}: ${r.records} records, ${r.performance_rows} performance rows, ${r.figures} figures | ` +
      `load ${r.load_s.toFixed(2)} s, tables+figures ${r.tables_and_figures_s.toFixed(2)} s, ` +
      `write ${r.write_s.toFixed(2)} s, total ${r.total_s.toFixed(2)} s (CPU ${
        r.cpu_s.toFixed(2)
      } s) | peak RSS ${r.peak_rss_mib.toFixed(0)} MiB` +
      (Number.isFinite(r.tables_peak_mib)
        ? ` (load ${r.load_peak_mib.toFixed(0)}, tables ${r.tables_peak_mib.toFixed(0)}, write ${
          r.write_peak_mib.toFixed(0)
        })`
        : "") +
      (r.steal_s > 0 ? ` | the hypervisor took ${r.steal_s.toFixed(1)} s of CPU meanwhile` : ""),
  );
}

if (Deno.args[0] === "--measure") {
  await measure(Deno.args[1]);
} else {
  const records = Number(flag("records", "1000000"));
  const files = Number(flag("files", "8"));
  const dir = await Deno.makeTempDir({ prefix: "bench-report-" });
  try {
    const t0 = performance.now();
    await generate(dir, records, files);
    let bytes = 0;
    for (const e of Deno.readDirSync(dir)) bytes += Deno.statSync(join(dir, e.name)).size;
    console.log(
      `generated ${records} records in ${files} files (${(bytes / 2 ** 20).toFixed(0)} MiB) in ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s`,
    );
    const synthetic = await child(dir);
    print("synthetic", synthetic);
    if (Deno.args.includes("--json")) {
      const label = `report over ${records.toLocaleString("en-US")} perf records`;
      console.log(`BENCH ${
        JSON.stringify([
          {
            figure: `${label}: time`,
            value: synthetic.total_s,
            unit: "s",
            goal: 8,
            better: "lower",
          },
          {
            figure: `${label}: peak RSS`,
            value: synthetic.peak_rss_mib,
            unit: "MiB",
            goal: 500,
            better: "lower",
          },
        ])
      }`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  if (!Deno.args.includes("--no-real")) {
    const real = await Deno.makeTempDir({ prefix: "bench-report-real-" });
    try {
      await run([
        "lib/cli/perf.ts",
        "--models",
        "stories260k",
        "--runs",
        "3",
        "--warmup",
        "1",
        "--scenarios",
        "interactive_assistant,json_extraction",
        "--results-dir",
        real,
      ]);
      await run([
        "lib/cli/eval.ts",
        "--task",
        "banking77",
        "--model",
        "stories260k",
        "--sample-size",
        "10",
        "--results-dir",
        real,
      ]);
      await run([
        "lib/cli/compliance.ts",
        "--models",
        "stories260k",
        "--limit",
        "1",
        "--max-tokens",
        "16",
        "--results-dir",
        real,
        "--output-dir",
        join(real, "_compliance"),
      ]);
      await Deno.remove(join(real, "_compliance"), { recursive: true });
      print("real (stories260K: perf, eval, compliance)", await child(real));
    } finally {
      await Deno.remove(real, { recursive: true });
    }
  }
}
