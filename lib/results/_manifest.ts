import { join } from "node:path";
import { z } from "zod";
import { ConfigError, parseWithSchema } from "../config/mod.ts";
import { manifestFileName } from "./_names.ts";
import { ensureResultsDir, withFolderLock, writeFileAtomic } from "./_write.ts";

/** One execution of a configuration (a first run or a resumed one share the entry). */
export const RunEntrySchema = z.object({
  run_id: z.string().min(1),
  kind: z.string().min(1),
  status: z.enum(["running", "complete", "interrupted"]),
  started_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  resumed_at: z.array(z.iso.datetime()).default([]),
  /** Planned work, e.g. models, scenarios, runs, warmup. */
  plan: z.record(z.string(), z.unknown()),
  /** Result files of this run keyed by unit (`<model_key>/<scenario>`), relative to the manifest. */
  files: z.record(z.string(), z.string()),
  /** Hardware and software at start, then at each resume. */
  environments: z.array(z.record(z.string(), z.unknown())),
  notes: z.array(z.string()).default([]),
});

/** `experiment_config_<hash>.json`: the resolved config, its hash, and the runs made with it. */
export const ManifestSchema = z.object({
  schema_version: z.literal(1),
  config_hash: z.string().regex(/^[0-9a-f]{64}$/),
  config: z.record(z.string(), z.unknown()),
  runs: z.array(RunEntrySchema),
});

/** A parsed manifest. */
export type Manifest = z.output<typeof ManifestSchema>;
/** A parsed run entry. */
export type RunEntry = z.output<typeof RunEntrySchema>;

/**
 * A run manifest that cannot be read (not JSON, or not a manifest): names the file, the field
 * and the value. Runs refuse to start or resume next to it rather than overwrite it.
 */
export class ManifestError extends ConfigError {
  constructor(
    file: string,
    field: string,
    value: unknown,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(file, field, value, problem, options);
    this.name = "ManifestError";
    this.message = this.message.replace(/^Cannot load config /, "Cannot read run manifest ") +
      " (repair the file or move it out of the results folder)";
  }
}

/** Parse a manifest's text; a {@linkcode ManifestError} names what is wrong. */
function parseManifest(text: string, file: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(
      file,
      "",
      text.slice(0, 60),
      `is not valid JSON (${(error as Error).message})`,
      { cause: error },
    );
  }
  try {
    return parseWithSchema(data, ManifestSchema, file);
  } catch (error) {
    const e = error as ConfigError;
    throw new ManifestError(file, e.field, e.value, e.problem, { cause: error });
  }
}

/**
 * Read a manifest, or null when it does not exist; a manifest that is not valid is a
 * {@linkcode ManifestError} (never silently replaced).
 */
export async function readManifest(dir: string, configHash: string): Promise<Manifest | null> {
  const path = join(dir, manifestFileName(configHash));
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  return parseManifest(text, path);
}

/** Write a manifest atomically (temporary file, then rename; never a temporary file left). */
export async function writeManifest(dir: string, manifest: Manifest): Promise<string> {
  const path = join(dir, manifestFileName(manifest.config_hash));
  await writeFileAtomic(path, JSON.stringify(ManifestSchema.parse(manifest), null, 2) + "\n");
  return path;
}

/** Every manifest in a results folder (unreadable ones are skipped and reported). */
export async function listManifests(
  dir: string,
): Promise<{ manifests: Manifest[]; skipped: { file: string; message: string }[] }> {
  const manifests: Manifest[] = [];
  const skipped: { file: string; message: string }[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { manifests, skipped };
    throw error;
  }
  for (const e of entries) {
    if (!e.isFile || !/^experiment_config_[0-9a-f]{64}\.json$/.test(e.name)) continue;
    const file = join(dir, e.name);
    try {
      manifests.push(parseManifest(await Deno.readTextFile(file), file));
    } catch (error) {
      skipped.push({ file, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return { manifests, skipped };
}

/** The most recently updated unfinished run of a kind (optionally a given run id). */
export function findResumableRun(
  manifests: Manifest[],
  kind: string,
  runId?: string,
): { manifest: Manifest; run: RunEntry } | null {
  let best: { manifest: Manifest; run: RunEntry } | null = null;
  for (const manifest of manifests) {
    for (const run of manifest.runs) {
      if (run.kind !== kind) continue;
      if (runId !== undefined ? run.run_id !== runId : run.status === "complete") continue;
      if (!best || run.updated_at > best.run.updated_at) best = { manifest, run };
    }
  }
  return best;
}

/** Options for {@linkcode findRunToResume}. */
export interface FindRunToResumeOptions {
  /** Only manifests of this config hash (e.g. `eval --resume --task ...`). @default any */
  configHash?: string | null;
  /** What the refusal says is missing. @default `has no unfinished <kind> run to resume` */
  missing?: string;
}

/**
 * The run `--resume [RUN_ID]` continues, from the manifests of a results folder. A manifest
 * that cannot be read is a {@linkcode ManifestError} (it may hold the run: never skipped
 * silently); no such run is a ConfigError naming the folder. Writes nothing.
 */
export async function findRunToResume(
  dir: string,
  kind: string,
  resume: true | string,
  options: FindRunToResumeOptions = {},
): Promise<{ manifest: Manifest; run: RunEntry; file: string }> {
  const { manifests, skipped } = await listManifests(dir);
  if (skipped.length) {
    // Re-read it for the error with its field and value.
    parseManifest(await Deno.readTextFile(skipped[0].file), skipped[0].file);
  }
  const hash = options.configHash ?? null;
  const pool = hash === null ? manifests : manifests.filter((m) => m.config_hash === hash);
  const runId = typeof resume === "string" ? resume : undefined;
  const found = findResumableRun(pool, kind, runId);
  if (!found) {
    throw new ConfigError(
      dir,
      "runs",
      runId ?? "latest",
      runId ? `has no ${kind} run with this id` : options.missing ??
        `has no unfinished ${kind} run to resume`,
    );
  }
  return { ...found, file: join(dir, manifestFileName(found.manifest.config_hash)) };
}

/** A run being executed: its manifest entry is saved before any record and after each change. */
export interface ActiveRun {
  /** The entry in the manifest (mutate it, then `save()`). */
  run: RunEntry;
  manifestPath: string;
  /**
   * Stamp `updated_at` and write this run's entry into the manifest, under the results folder's
   * lock: the manifest is read again first, so entries other runs wrote meanwhile are kept.
   */
  save(): Promise<string>;
  /** Set the final status (with notes), then save. */
  finish(status: "complete" | "interrupted", notes?: string[]): Promise<string>;
}

/** Options for {@linkcode beginRun}. */
export interface BeginRunOptions {
  /** The run continues an earlier one (`--resume`): its resume time is recorded. */
  resumed: boolean;
  /**
   * Hardware and software now (appended: one entry per start or resume); null for a worker
   * process that runs part of a run its parent already recorded.
   */
  environment: Record<string, unknown> | null;
  /** @default () => new Date() */
  date?: () => Date;
}

/** Put `run` into the manifest as it is on disk now (other runs' entries as they are there). */
async function mergeAndWrite(dir: string, manifest: Manifest, run: RunEntry): Promise<string> {
  const onDisk = await readManifest(dir, manifest.config_hash);
  const runs = onDisk ? [...onDisk.runs] : manifest.runs.filter((r) => r !== run);
  const i = runs.findIndex((r) => r.run_id === run.run_id);
  if (i === -1) runs.push(run);
  else runs[i] = run;
  manifest.runs = runs;
  return await writeManifest(dir, manifest);
}

/** A run id (and file names) no other run in the folder uses: `<id>_2`, `<id>_3`, ... */
async function reserveRunId(dir: string, run: RunEntry): Promise<void> {
  const { manifests } = await listManifests(dir);
  const ids = new Set<string>();
  const files = new Set<string>();
  for (const m of manifests) {
    for (const r of m.runs) {
      ids.add(r.run_id);
      for (const f of Object.values(r.files)) files.add(f);
    }
  }
  const taken = (suffix: string) =>
    ids.has(run.run_id + suffix) ||
    Object.values(run.files).some((f) => files.has(withSuffix(f, suffix)));
  if (!taken("")) return;
  let n = 2;
  while (taken(`_${n}`)) n++;
  run.run_id += `_${n}`;
  for (const [k, f] of Object.entries(run.files)) run.files[k] = withSuffix(f, `_${n}`);
}

function withSuffix(file: string, suffix: string): string {
  const dot = file.lastIndexOf(".");
  return dot > 0 ? `${file.slice(0, dot)}${suffix}${file.slice(dot)}` : file + suffix;
}

/**
 * Start (or resume) a run: put the entry in its manifest, mark it running, record the
 * environment, and write the manifest before anything else is written. A new run whose id (or
 * a file name) another run of the folder already holds (two runs of one config started in the
 * same second) gets a suffix: read `run.run_id` and `run.files` back from the result.
 */
export async function beginRun(
  dir: string,
  manifest: Manifest,
  entry: RunEntry,
  options: BeginRunOptions,
): Promise<ActiveRun> {
  const date = options.date ?? (() => new Date());
  // A resumed run (or a worker's part of one) is an entry of the manifest read at prepare time;
  // a new run's entry is not, even when another run already holds its id.
  const known = manifest.runs.includes(entry);
  const run = entry;
  const stamp = date().toISOString();
  if (options.resumed) run.resumed_at.push(stamp);
  run.status = "running";
  run.updated_at = stamp;
  if (options.environment) run.environments.push(options.environment);
  await ensureResultsDir(dir);
  const save = () =>
    withFolderLock(dir, () => {
      run.updated_at = date().toISOString();
      return mergeAndWrite(dir, manifest, run);
    });
  const manifestPath = await withFolderLock(dir, async () => {
    if (!known) await reserveRunId(dir, run);
    return await mergeAndWrite(dir, manifest, run);
  });
  return {
    run,
    manifestPath,
    save,
    finish(status, notes = []) {
      run.status = status;
      run.notes.push(...notes);
      return save();
    },
  };
}

/**
 * Record that a run stopped by `error` (status interrupted, with a note) and rethrow `error`:
 * when the manifest cannot be written either (an unwritable folder), the first error is the one
 * reported and the second is attached to it as `manifestError`.
 */
export async function stopRunWithError(active: ActiveRun, error: unknown): Promise<never> {
  try {
    await active.finish("interrupted", [`stopped by error: ${(error as Error)?.message ?? error}`]);
  } catch (second) {
    if (error instanceof Error) {
      (error as Error & { manifestError?: unknown }).manifestError = second;
    }
  }
  throw error;
}
