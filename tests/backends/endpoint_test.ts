/** Backends refuse a non-loopback endpoint before any request, and send the key from api_key_env. */
import assert from "node:assert/strict";
import {
  createBackend,
  createLmStudioBackend,
  createOpenAiBackend,
  streamChatCompletion,
} from "../../lib/backends/mod.ts";
import { ExperimentSchema, ModelSchema } from "../../lib/config/mod.ts";

const experiment = ExperimentSchema.parse({ name: "t" });

/** A fetch that counts calls and answers nothing: the refusals must come before it is used. */
function countingFetch(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const f = ((input: string | URL | Request) => {
    calls.push(String(input));
    return Promise.reject(new Error("no network in this test"));
  }) as typeof fetch;
  return { fetch: f, calls };
}

Deno.test("createOpenAiBackend() and createLmStudioBackend() refuse a remote URL before any request", () => {
  const { fetch, calls } = countingFetch();
  assert.throws(
    () => createOpenAiBackend("http://10.0.0.5:8080/v1", { modelId: "m", fetch }),
    {
      name: "EndpointError",
      message: /^Refusing endpoint from createOpenAiBackend\(\): 'baseUrl' names the address/,
    },
  );
  assert.throws(
    () =>
      createLmStudioBackend("file:///etc/", {
        modelId: "m",
        format: "GGUF",
        quantization: "Q4_K_M",
        fetch,
      }),
    { name: "EndpointError", message: /must be an http:\/\/ or https:\/\/ URL/ },
  );
  assert.deepEqual(calls, []);
  // Allowed explicitly: built, still nothing sent until asked.
  createOpenAiBackend("http://10.0.0.5:8080/v1", {
    modelId: "m",
    fetch,
    endpoint: { source: "test", field: "url", allowRemote: true },
  });
  assert.deepEqual(calls, []);
});

Deno.test("streamChatCompletion() refuses a remote URL before sending the prompt", async () => {
  const { fetch, calls } = countingFetch();
  await assert.rejects(
    streamChatCompletion("http://10.0.0.5:8080/v1/chat/completions", { messages: [] }, { fetch }),
    { name: "EndpointError", message: /^Refusing endpoint from streamChatCompletion\(\): 'url'/ },
  );
  assert.deepEqual(calls, []);
});

Deno.test("createBackend() refuses --base-url and a config URL pointing elsewhere, naming each", async () => {
  const { fetch, calls } = countingFetch();
  const lm = ModelSchema.parse({
    backend: "lmstudio",
    name: "g",
    model_id: "g",
    format: "GGUF",
    quantization: "Q4_K_M",
  });
  await assert.rejects(
    createBackend(lm, experiment, { baseUrl: "http://10.0.0.5:1234", fetch, modelKey: "g" }),
    { name: "EndpointError", message: /^Refusing endpoint from <command line>: '--base-url'/ },
  );
  const remote = ModelSchema.parse({
    backend: "openai",
    name: "r",
    model_id: "r",
    format: "GGUF",
    quantization: "Q4_K_M",
    base_url: "http://192.168.1.20:8080/v1",
  });
  await assert.rejects(createBackend(remote, experiment, { fetch, modelKey: "r" }), {
    name: "EndpointError",
    message: /^Refusing endpoint from configs\/models\.yaml: 'models\.r\.base_url'/,
  });
  assert.deepEqual(calls, []);
  const allowedModel = ModelSchema.parse({ ...remote, allow_remote: true });
  const allowed = await createBackend(allowedModel, experiment, { fetch });
  assert.equal(allowed.backend.kind, "openai");
  assert.deepEqual(calls, []);
});

Deno.test("an openai model's key comes from the variable api_key_env names and is sent as a bearer token", async () => {
  // A loopback server that only records the header it was sent (exact known answer: 401/200).
  const seen: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    seen.push(req.headers.get("authorization"));
    return Response.json({ data: [{ id: "m" }] });
  });
  try {
    const model = ModelSchema.parse({
      backend: "openai",
      name: "m",
      model_id: "m",
      format: "GGUF",
      quantization: "Q4_K_M",
      base_url: `http://127.0.0.1:${server.addr.port}/v1`,
      api_key_env: "EDGE_TEST_OPENAI_KEY",
    });
    const env = (n: string) => (n === "EDGE_TEST_OPENAI_KEY" ? "sk-from-env" : undefined);
    const { backend } = await createBackend(model, experiment, { env, modelKey: "m" });
    const facts = await backend.describe();
    assert.equal(facts.loaded, true);
    // describe() reads the server's facts from a few endpoints: every request carries the key.
    assert.ok(seen.length >= 1);
    assert.ok(seen.every((h) => h === "Bearer sk-from-env"), JSON.stringify(seen));
    await assert.rejects(
      createBackend(model, experiment, { env: () => undefined, modelKey: "m" }),
      {
        name: "ConfigError",
        message: /'models\.m\.api_key_env' names an environment variable that is not set/,
      },
    );
  } finally {
    await server.shutdown();
  }
});
