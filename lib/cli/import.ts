// deno-lint-ignore-file no-console
/**
 * `deno task import --file F [--model-key KEY] [--results-dir DIR]`: bring measurements made by
 * another runner (e.g. fllama on a phone) into results/ as perf records, so they join the same
 * tables and figures (schema: ExternalPerfSchema in lib/external/_schema.ts, see README).
 * @module
 */
import { resolve } from "node:path";
import { importExternalPerf } from "../external/mod.ts";
import { resolveOutputPath } from "../config/mod.ts";
import { dirFlag, parseFlags, runMain, UsageError } from "./_common.ts";

/** Entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    file: { type: "string" },
    "model-key": { type: "string" },
    "results-dir": { type: "string" },
    help: { type: "boolean" },
  });
  if (values.help) {
    console.log("Usage: deno task import --file FILE.jsonl [--model-key KEY] [--results-dir DIR]");
    return 0;
  }
  if (!values.file) {
    throw new UsageError("Flag --file is required (a JSONL file of external measurements)");
  }
  const file = values.file;
  const isFile = await Deno.stat(file).then((s) => s.isFile, () => false);
  if (!isFile) {
    throw new UsageError(
      `Flag --file must name a JSONL file of external measurements, but there is no such file: current value is ${
        JSON.stringify(file)
      }`,
    );
  }
  const resultsDir = dirFlag("results-dir", values["results-dir"]);
  const dir = resultsDir ? resolve(resultsDir) : resolveOutputPath("results");
  const result = await importExternalPerf(resolve(file), dir, {
    modelKey: values["model-key"],
  });
  console.log(`Imported ${result.records} measurement(s) as run ${result.runId}:`);
  for (const f of result.files) console.log(`  ${f}`);
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
