/**
 * Test helpers: the files the repository ships (models, datasets, fixtures), temporary folders,
 * subprocess servers. Nothing here needs a folder outside the clone or an environment variable.
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** Project root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));
/** The GGUF test models the repository ships (data/models/SOURCE.md). */
export const MODELS_DIR: string = join(ROOT, "data", "models");
/** The datasets the repository ships, laid out `<dataset>/<file>` (data/datasets/SOURCE.md). */
export const DATA_DIR: string = join(ROOT, "data", "datasets");
/** Real published outputs used as parser fixtures (tests/fixtures/SOURCE.md says where each came from). */
export const FIXTURES_DIR: string = join(ROOT, "tests", "fixtures");

/** Text of one file of tests/fixtures/. */
export function readFixture(name: string): Promise<string> {
  return Deno.readTextFile(join(FIXTURES_DIR, name));
}

/** stories260K.gguf */
export const STORIES: string = join(MODELS_DIR, "stories260K.gguf");

/** A running subprocess server on 127.0.0.1. */
export interface ServerProcess {
  baseUrl: string;
  port: number;
  pid: number;
  child: Deno.ChildProcess;
  /** SIGTERM (or the given signal) and wait for exit. */
  stop(signal?: Deno.Signal): Promise<void>;
}

/** Start tests/helpers/lmstudio_like_server.ts and wait until it listens. */
export async function startLmStudioLikeServer(extraArgs: string[] = []): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      join(ROOT, "tests/helpers/lmstudio_like_server.ts"),
      "--model",
      STORIES,
      ...extraArgs,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (!buffer.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("test server exited before listening");
    buffer += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  const { port } = JSON.parse(buffer.split("\n")[0]);
  let stopped = false;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    child,
    async stop(signal: Deno.Signal = "SIGTERM") {
      if (stopped) return;
      stopped = true;
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      await child.status;
    },
  };
}

/** Run a CLI task script as a subprocess and capture its output. */
export async function runCli(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", join(ROOT, script), ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Write a config folder for a test: the project's experiment.yaml and scenarios.yaml, and a
 * models.yaml holding the given YAML text (the project's own when omitted).
 */
export async function writeTestConfig(dir: string, modelsYaml?: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  for (const f of ["experiment.yaml", "scenarios.yaml", "models.yaml"]) {
    await Deno.copyFile(join(ROOT, "configs", f), join(dir, f));
  }
  if (modelsYaml !== undefined) await Deno.writeTextFile(join(dir, "models.yaml"), modelsYaml);
  return dir;
}

/** A models.yaml with one LM Studio model on a test server. */
export function lmStudioModelsYaml(baseUrl: string, format = "GGUF", quantization = "F32"): string {
  return `models:
  test_lmstudio:
    backend: lmstudio
    name: stories260K behind an LM Studio-like test server
    model_id: test/stories260k
    format: ${format}
    quantization: ${quantization}
    base_url: ${baseUrl}
`;
}

/** Read every JSON line of the perf files in a results folder. */
export async function readPerfLines(dir: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.name.startsWith("perf_") || !e.name.endsWith(".jsonl")) continue;
    for (const line of (await Deno.readTextFile(join(dir, e.name))).split("\n")) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line));
      } catch { /* truncated line */ }
    }
  }
  return out;
}

/** Where `deno task setup --models` puts the real models (the user cache). */
export async function realModelPath(key: "smollm2_135m_instruct" | "gemma3_270m"): Promise<string> {
  const { loadProjectConfig } = await import("../../lib/config/mod.ts");
  const { resolveModelFile } = await import("../../lib/backends/mod.ts");
  const model = (await loadProjectConfig()).models[key];
  if (model.backend !== "embedded") throw new Error(`${key} is not an embedded model`);
  try {
    return (await resolveModelFile(model, { download: false })).path;
  } catch (error) {
    throw new Error(
      `${key} is not installed on this machine: run 'deno task setup --models' (${
        (error as Error).message
      })`,
    );
  }
}

/** Options for {@linkcode startLlamaCppServer}. */
export interface LlamaCppServerStart {
  /** `--n_ctx`. @default 4096 */
  contextSize?: number;
  /** `--n_threads`. @default 1 */
  threads?: number;
  /** Name served in /v1/models (`--model_alias`). @default "smollm2" */
  alias?: string;
  /** Extra server flags. */
  args?: string[];
}

/**
 * Start the real third-party server of the tests, llama-cpp-python's `llama_cpp.server`
 * (installed by `deno task setup --server`), on 127.0.0.1 with a real GGUF file; resolves once
 * `/v1/models` answers. Stop it with `stop()`.
 */
export async function startLlamaCppServer(
  modelPath: string,
  options: LlamaCppServerStart = {},
): Promise<ServerProcess & { alias: string; log: () => string }> {
  const { findLlamaCppServer } = await import("../../lib/setup/mod.ts");
  const install = await findLlamaCppServer();
  if (!install) {
    throw new Error("llama-cpp-python's server is not installed: run 'deno task setup --server'");
  }
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const alias = options.alias ?? "smollm2";
  const child = new Deno.Command(install.python, {
    args: [
      "-m",
      "llama_cpp.server",
      "--model",
      modelPath,
      "--model_alias",
      alias,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--n_ctx",
      String(options.contextSize ?? 4096),
      "--n_threads",
      String(options.threads ?? 1),
      ...(options.args ?? []),
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let log = "";
  const keep = (s: ReadableStream<Uint8Array>) =>
    s.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write(t) {
          log = (log + t).slice(-5_000_000);
        },
      }),
    ).catch(() => {});
  const drained = Promise.all([keep(child.stdout), keep(child.stderr)]);
  let exited = false;
  child.status.then(() => exited = true);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 120_000;
  while (true) {
    if (exited) throw new Error(`llama_cpp.server exited before listening:\n${log.slice(-2000)}`);
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`llama_cpp.server did not answer within 120 s:\n${log.slice(-2000)}`);
    }
    const ok = await fetch(`${baseUrl}/v1/models`).then(async (r) => {
      await r.body?.cancel();
      return r.ok;
    }, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  let stopped = false;
  return {
    baseUrl,
    port,
    pid: child.pid,
    child,
    alias,
    log: () => log,
    async stop(signal: Deno.Signal = "SIGTERM") {
      if (stopped) return;
      stopped = true;
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      await child.status;
      await drained;
    },
  };
}
