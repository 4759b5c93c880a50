import assert from "node:assert/strict";
import {
  factsFromV0,
  factsFromV1,
  normalizeServerTimings,
  sameQuantization,
} from "../../lib/backends/mod.ts";
import { readFixture } from "../helpers/mod.ts";

const fixture = async (name: string) => JSON.parse(await readFixture(name));

Deno.test("normalizeServerTimings() reads llama-server timings from the open-webui capture", async () => {
  const t = normalizeServerTimings(
    await fixture("llamacpp_server_v1_chat_completions_timings_openwebui17104.json"),
  )!;
  assert.equal(t.source, "llama-server");
  assert.equal(t.prompt_ms, 15.079);
  assert.equal(t.ttft_ms, 15.079);
  assert.equal(t.decode_ms, 48.984);
  assert.equal(t.prompt_tokens, 1);
  assert.equal(t.output_tokens, 5);
  assert.equal(t.output_tokens_per_s, 102.07414666013392);
  assert.equal(t.cached_prompt_tokens, null, "this build reports no cache_n");
});

Deno.test("normalizeServerTimings() converts LM Studio stats from seconds to ms", async () => {
  const t = normalizeServerTimings(await fixture("lmstudio_api_v0_chat_completions_DOC.json"))!;
  assert.equal(t.source, "lmstudio");
  assert.equal(t.ttft_ms, 111); // time_to_first_token 0.111 s
  assert.equal(t.decode_ms, 954); // generation_time 0.954 s
  assert.equal(t.output_tokens_per_s, 51.43709529007664);
  assert.equal(t.prompt_tokens, 24); // from usage
  assert.equal(t.output_tokens, 53);
});

Deno.test("normalizeServerTimings() converts Ollama durations from ns to ms", async () => {
  const t = normalizeServerTimings(await fixture("ollama_api_chat_stream_final_DOC.json"))!;
  assert.equal(t.source, "ollama");
  assert.equal(t.prompt_ms, 342.546); // prompt_eval_duration 342546000 ns
  assert.equal(t.decode_ms, 4535.599); // eval_duration 4535599000 ns
  assert.equal(t.output_tokens, 282);
  assert.equal(t.prompt_tokens, 26);
  // 282 tokens / 4.535599 s = 62.1748...
  assert.ok(Math.abs(t.output_tokens_per_s! - 282 / 4.535599) < 1e-9);
  assert.equal(normalizeServerTimings({ choices: [] }), null);
});

Deno.test("factsFromV0() reads format, quantization and load state from /api/v0/models", async () => {
  const list = await fixture("lmstudio_api_v0_models_DOC.json");
  const mlx = factsFromV0(list, "qwen2-vl-7b-instruct")!;
  assert.equal(mlx.format, "MLX");
  assert.equal(mlx.quantization, "4bit");
  assert.equal(mlx.loaded, false);
  assert.equal(mlx.maxContextLength, 32768);
  const gguf = factsFromV0(list, "meta-llama-3.1-8b-instruct")!;
  assert.equal(gguf.format, "GGUF");
  assert.equal(gguf.quantization, "Q4_K_M");
  assert.equal(factsFromV0(list, "nope"), null);
});

Deno.test("factsFromV0() prefers the loaded entry when a model id is listed in both formats", () => {
  const list = {
    data: [
      {
        id: "google/gemma-3n-e4b",
        compatibility_type: "gguf",
        quantization: "Q4_K_M",
        state: "not-loaded",
      },
      {
        id: "google/gemma-3n-e4b",
        compatibility_type: "mlx",
        quantization: "4bit",
        state: "loaded",
      },
    ],
  };
  const f = factsFromV0(list, "google/gemma-3n-e4b")!;
  assert.equal(f.format, "MLX");
  assert.equal(f.loaded, true);
});

Deno.test("factsFromV1() reads loaded instances and quantization objects from /api/v1/models", async () => {
  const list = await fixture("lmstudio_api_v1_models_DOC.json");
  const f = factsFromV1(list, "google/gemma-4-26b-a4b")!;
  assert.equal(f.format, "GGUF");
  assert.equal(f.quantization, "Q4_K_M");
  assert.equal(f.loaded, true);
  assert.equal(f.maxContextLength, 262144);
  assert.equal(f.details.bits_per_weight, 4);
  assert.deepEqual(
    (f.details.loaded_instances as { config: { context_length: number } }[])[0].config
      .context_length,
    4096,
  );
  assert.equal(factsFromV1(list, "deepseek-r1")!.loaded, false);
});

Deno.test("sameQuantization() ignores case and separators only", () => {
  assert.ok(sameQuantization("Q4_K_M", "q4-k-m"));
  assert.ok(sameQuantization("4bit", "4-bit"));
  assert.ok(!sameQuantization("Q4_K_M", "Q4_K_S"));
  assert.ok(!sameQuantization("4bit", "8bit"));
});
