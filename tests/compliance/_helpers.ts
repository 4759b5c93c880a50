/** Helpers for the compliance tests: config folders, a minimal GGUF writer, record builders. */
import { join } from "node:path";
import type { ComplianceRecord } from "../../lib/results/mod.ts";
import { ROOT, writeTestConfig } from "../helpers/mod.ts";

/** The test rubric (numbers chosen so the expected scores can be worked out by hand). */
export const FIXTURE_RUBRIC: string = join(ROOT, "tests/compliance/fixtures/rubric.yaml");

/**
 * A config folder: the project's experiment.yaml, scenarios.yaml and licenses.yaml, the given
 * models.yaml text, and a rubric (the fixture by default).
 */
export async function writeComplianceConfig(
  dir: string,
  modelsYaml?: string,
  rubric: string = FIXTURE_RUBRIC,
): Promise<string> {
  await writeTestConfig(dir, modelsYaml);
  await Deno.copyFile(join(ROOT, "configs/licenses.yaml"), join(dir, "licenses.yaml"));
  await Deno.copyFile(rubric, join(dir, "compliance.yaml"));
  return dir;
}

/**
 * Write a GGUF v3 file with the given string (and uint32) metadata and no tensors: enough for a
 * metadata reader, nothing for an engine.
 */
export async function writeMetadataGguf(
  path: string,
  metadata: Record<string, string | number>,
): Promise<void> {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const u32 = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    parts.push(b);
  };
  const u64 = (n: number) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
    parts.push(b);
  };
  const str = (s: string) => {
    const bytes = enc.encode(s);
    u64(bytes.length);
    parts.push(bytes);
  };
  parts.push(enc.encode("GGUF"));
  u32(3);
  u64(0);
  u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) {
    str(key);
    if (typeof value === "number") {
      u32(4); // GGUF type uint32
      u32(value);
    } else {
      u32(8); // GGUF type string
      str(value);
    }
  }
  const size = parts.reduce((s, p) => s + p.length, 0);
  const padded = new Uint8Array(Math.ceil(size / 32) * 32);
  let offset = 0;
  for (const p of parts) {
    padded.set(p, offset);
    offset += p.length;
  }
  await Deno.writeFile(path, padded);
}

/** A compliance record with every field filled; override what the test is about. */
export function record(overrides: Partial<ComplianceRecord>): ComplianceRecord {
  const probe = overrides.probe_id ?? "probe";
  return {
    schema_version: 1,
    kind: "compliance",
    record_id: `run_1/m/${probe}`,
    run_id: "run_1",
    config_hash: "0".repeat(64),
    model_key: "m",
    model_id: "test/m",
    backend: "openai",
    format: "GGUF",
    quantization: "Q4_K_M",
    served_format: "GGUF",
    served_quantization: "Q4_K_M",
    probe_set: "prompt_injection_direct",
    probe_id: probe,
    attempt: 0,
    probe_sha256: "1".repeat(64),
    risk: "LLM01",
    owasp: "LLM01",
    detector: "canary",
    max_tokens: 64,
    temperature: 0,
    seed: 42,
    raw_output: "",
    finish_reason: "stop",
    prompt_tokens: 10,
    output_tokens: 5,
    token_count_source: "server",
    latency_ms: 1,
    verdict: "pass",
    failed: false,
    reason: "ok",
    matches: [],
    error: null,
    host: "test",
    git_commit: null,
    timestamp: "2025-11-23T10:00:00.000Z",
    ...overrides,
  };
}

/** Every JSON line of the compliance files of a results folder (truncated lines skipped). */
export async function readComplianceLines(dir: string): Promise<ComplianceRecord[]> {
  const out: ComplianceRecord[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.startsWith("compliance_") || !e.name.endsWith(".jsonl")) continue;
    for (const line of (await Deno.readTextFile(join(dir, e.name))).split("\n")) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line));
      } catch { /* a line cut by kill -9 */ }
    }
  }
  return out;
}

/** The single file in `dir` whose name starts with `prefix`. */
export function onlyFile(dir: string, prefix: string): string {
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith(prefix));
  if (names.length !== 1) {
    throw new Error(`expected one ${prefix}* in ${dir}, found ${names.join(", ")}`);
  }
  return join(dir, names[0]);
}
