/** Shared pieces of the rounds tests. */
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { ROOT, STORIES, writeTestConfig } from "../helpers/mod.ts";

/** A config folder whose rounds.yaml keeps every project round but is quick to run. */
export async function testConfig(extraModels = ""): Promise<string> {
  const dir = await writeTestConfig(join(await Deno.makeTempDir(), "configs"));
  await Deno.copyFile(join(ROOT, "configs/tasks.yaml"), join(dir, "tasks.yaml"));
  const rounds = parse(await Deno.readTextFile(join(ROOT, "configs/rounds.yaml")));
  rounds.scenarios = ["interactive_assistant"];
  rounds.runs = 2;
  rounds.warmup = 1;
  rounds.quality = { task: "financial_phrasebank", sample_size: 3, seed: 42 };
  await Deno.writeTextFile(join(dir, "rounds.yaml"), stringify(rounds));
  if (extraModels) {
    await Deno.writeTextFile(
      join(dir, "models.yaml"),
      (await Deno.readTextFile(join(dir, "models.yaml"))) + extraModels,
    );
  }
  return dir;
}

/** models.yaml entry `stories_server`: stories260K behind a llama-server-like process. */
export function storiesServerEntry(): string {
  return `  stories_server:
    backend: openai
    name: stories260K behind a launched llama-server-like process
    model_id: test/stories260k
    format: GGUF
    quantization: F32
    server:
      command: ["${Deno.execPath()}", "run", "-A", "--v8-flags=--expose-gc", "${
    join(ROOT, "tests/helpers/lmstudio_like_server.ts")
  }"]
      model_path: ${STORIES}
      startup_timeout_ms: 60000
`;
}
