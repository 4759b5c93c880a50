import { join } from "node:path";
import { z } from "zod";
import { manifestFileName } from "./_names.ts";

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

/** Read a manifest, or null when it does not exist. */
export async function readManifest(dir: string, configHash: string): Promise<Manifest | null> {
  const path = join(dir, manifestFileName(configHash));
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  return ManifestSchema.parse(JSON.parse(text));
}

/** Write a manifest atomically (temporary file, then rename). */
export async function writeManifest(dir: string, manifest: Manifest): Promise<string> {
  const path = join(dir, manifestFileName(manifest.config_hash));
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeTextFile(tmp, JSON.stringify(ManifestSchema.parse(manifest), null, 2) + "\n");
  await Deno.rename(tmp, path);
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
      manifests.push(ManifestSchema.parse(JSON.parse(await Deno.readTextFile(file))));
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

/** A run being executed: its manifest entry is saved before any record and after each change. */
export interface ActiveRun {
  /** The entry in the manifest (mutate it, then `save()`). */
  run: RunEntry;
  manifestPath: string;
  /** Stamp `updated_at` and write the manifest atomically. */
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

/**
 * Start (or resume) a run: put the entry in its manifest, mark it running, record the
 * environment, and write the manifest before anything else is written.
 */
export async function beginRun(
  dir: string,
  manifest: Manifest,
  entry: RunEntry,
  options: BeginRunOptions,
): Promise<ActiveRun> {
  const date = options.date ?? (() => new Date());
  const run = manifest.runs.find((r) => r.run_id === entry.run_id) ?? entry;
  if (!manifest.runs.includes(run)) manifest.runs.push(run);
  const stamp = date().toISOString();
  if (options.resumed) run.resumed_at.push(stamp);
  run.status = "running";
  run.updated_at = stamp;
  if (options.environment) run.environments.push(options.environment);
  await Deno.mkdir(dir, { recursive: true });
  const save = () => {
    run.updated_at = date().toISOString();
    return writeManifest(dir, manifest);
  };
  const manifestPath = await writeManifest(dir, manifest);
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
