/** The embedded backend on the real llama.cpp engine with the shared GGUF files. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { BackendError, createEmbeddedBackend, ggufQuantization } from "../../lib/backends/mod.ts";
import { checkJsonOutput } from "../../lib/perf/mod.ts";
import { MODELS_DIR, STORIES } from "../helpers/mod.ts";

const opts = {
  threads: 1,
  contextSize: 1024,
  gpu: "off" as const,
  contextOptions: { flashAttention: false },
};
const ask = (content: string, maxTokens = 24) => ({
  messages: [{ role: "system" as const, content: "You are a bank assistant." }, {
    role: "user" as const,
    content,
  }],
  maxTokens,
  temperature: 0,
  seed: 42,
});

Deno.test("the embedded backend generates with stories260K and reports engine token counts and ordered stamps", async () => {
  const b = await createEmbeddedBackend(STORIES, { ...opts, modelId: "stories" });
  try {
    const pieces: string[] = [];
    const r = await b.chat(ask("Once upon a time"), { onContent: (t) => pieces.push(t) });
    assert.ok(r.text.length > 0);
    assert.equal(pieces.join(""), r.text, "streamed pieces add up to the text");
    assert.equal(r.outputTokens, 24);
    assert.equal(r.finishReason, "length");
    assert.equal(r.tokenCountSource, "engine");
    const { sentAt, firstContentAt, lastContentAt, endAt } = r.timing;
    assert.ok(
      sentAt < firstContentAt! && firstContentAt! <= lastContentAt! && lastContentAt! <= endAt,
    );
    // The prompt is the chat-wrapped system + user text: more tokens than the user text alone.
    assert.ok(r.promptTokens! > b.countTokens("Once upon a time"));
    const again = await b.chat(ask("Once upon a time"));
    assert.equal(again.text, r.text, "temperature 0 with a cleared context is deterministic");
    assert.equal(
      again.promptTokens,
      r.promptTokens,
      "the context is cleared: the full prompt is evaluated again",
    );
    const facts = await b.describe();
    assert.equal(facts.format, "GGUF");
    assert.equal(facts.quantization, "F32");
    assert.equal(facts.details.threads, 1);
    assert.equal(facts.details.flash_attention, false);
  } finally {
    await b.close();
  }
});

Deno.test("a warm request reuses the prompt prefix it shares with the previous one; a cold one starts empty", async () => {
  const b = await createEmbeddedBackend(STORIES, opts);
  const shared = "Classify the query into one of these intents: " +
    Array.from({ length: 40 }, (_, i) => `intent_${i}`).join(", ") + ".";
  const request = (query: string, cache: "cold" | "warm") => ({
    ...ask(`${shared}\nQuery: ${query}\nIntent:`, 4),
    cache,
  });
  try {
    const first = await b.chat(request("my card is lost", "warm"));
    assert.equal(first.cachedPromptTokens, 0, "nothing to reuse yet");
    assert.equal(first.processedPromptTokens, first.promptTokens);
    const second = await b.chat(request("where is my refund", "warm"));
    assert.ok(second.promptTokens! > 100);
    assert.ok(
      second.cachedPromptTokens! > 0.8 * second.promptTokens!,
      `cached ${second.cachedPromptTokens} of ${second.promptTokens}`,
    );
    assert.equal(second.cachedPromptTokens! + second.processedPromptTokens!, second.promptTokens);
    const cold = await b.chat(request("where is my refund", "cold"));
    assert.equal(cold.cachedPromptTokens, 0);
    assert.equal(cold.processedPromptTokens, cold.promptTokens);
    // The same answer either way: reuse changes the cost, not the output.
    assert.equal(cold.text, second.text);
  } finally {
    await b.close();
  }
});

Deno.test("the embedded backend refuses a prompt that does not fit instead of truncating it", async () => {
  const b = await createEmbeddedBackend(STORIES, { ...opts, contextSize: 256 });
  try {
    await assert.rejects(
      b.chat(ask("word ".repeat(400), 16)),
      (e: unknown) => e instanceof BackendError && /exceeds the context size 256/.test(e.message),
    );
  } finally {
    await b.close();
  }
});

Deno.test("a JSON schema constraint makes even stories260K emit schema-valid JSON", async () => {
  const b = await createEmbeddedBackend(STORIES, opts);
  const schema = {
    type: "object",
    properties: { merchant: { type: "string" }, refund: { type: "boolean" } },
    required: ["merchant", "refund"],
    additionalProperties: false,
  };
  try {
    const r = await b.chat({ ...ask("Extract the merchant.", 64), jsonSchema: schema });
    assert.equal(checkJsonOutput(r.text, schema).valid, true, r.text);
    const free = await b.chat(ask("Extract the merchant.", 64));
    assert.equal(
      checkJsonOutput(free.text, schema).valid,
      false,
      "without the constraint it writes a story",
    );
  } finally {
    await b.close();
  }
});

Deno.test("ggufQuantization() reads file_type, or the weights' tensor type when the file does not say", async () => {
  assert.equal(await ggufQuantization(await readGgufFileInfo(STORIES)), "F32"); // no general.file_type; 48 F32 tensors
  assert.equal(
    await ggufQuantization(await readGgufFileInfo(join(MODELS_DIR, "llama-2-tiny-random.gguf"))),
    "F16",
  ); // file_type 1
});
