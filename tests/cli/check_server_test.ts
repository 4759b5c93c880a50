/**
 * `deno task check-server`, the seed's connection test: against the real llama-cpp-python server
 * (SmolLM2), the LM Studio-like test server (real engine, LM Studio's REST shapes) and a port
 * where nothing listens. All on 127.0.0.1, started and stopped here.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  lmStudioModelsYaml,
  realModelPath,
  ROOT,
  runCli,
  startLlamaCppServer,
  startLmStudioLikeServer,
} from "../helpers/mod.ts";

async function configWith(models: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "check-server-" });
  await Deno.copyFile(join(ROOT, "configs", "experiment.yaml"), join(dir, "experiment.yaml"));
  await Deno.copyFile(join(ROOT, "configs", "scenarios.yaml"), join(dir, "scenarios.yaml"));
  await Deno.writeTextFile(join(dir, "models.yaml"), models);
  return dir;
}

Deno.test({
  name:
    "check-server reports a healthy llama-cpp-python server, its models, and a mislabelled model",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startLlamaCppServer(await realModelPath("smollm2_135m_instruct"));
    try {
      const entry = (key: string, id: string, format: string) =>
        `  ${key}:
    backend: openai
    name: ${key}
    model_id: ${id}
    format: ${format}
    quantization: Q4_1
    base_url: ${server.baseUrl}/v1
`;
      const ok = await runCli("lib/cli/check_server.ts", [
        "--config-dir",
        await configWith(`models:\n${entry("smollm2_server", "smollm2", "GGUF")}`),
      ]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /Status: healthy \(llama-cpp-python\)/);
      assert.match(ok.stdout, /Models available: 1\n {2}- smollm2/);
      assert.match(
        ok.stdout,
        /\[Check\] smollm2_server: smollm2 GGUF Q4_1 is served ✓ \(the server does not report its quantization\)/,
      );
      const bad = await runCli("lib/cli/check_server.ts", [
        "--config-dir",
        await configWith(
          `models:\n${entry("wrong_id", "qwen3", "GGUF")}${
            entry("wrong_format", "smollm2", "MLX")
          }`,
        ),
      ]);
      assert.equal(bad.code, 1);
      assert.match(
        bad.stdout,
        /\[Check\] wrong_id: qwen3 \(GGUF Q4_1\) is not listed by the server ✗/,
      );
      assert.match(
        bad.stdout,
        /\[Check\] wrong_format: expects smollm2 MLX Q4_1; the server has GGUF .*format GGUF ✗/,
      );
    } finally {
      await server.stop();
    }
  },
});

Deno.test("check-server reads LM Studio's REST listing: formats, quantizations and load states", async () => {
  const server = await startLmStudioLikeServer();
  try {
    const out = await runCli("lib/cli/check_server.ts", [
      "--config-dir",
      await configWith(lmStudioModelsYaml(server.baseUrl)),
    ]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, new RegExp(`LM Studio at ${server.baseUrl}\nStatus: healthy`));
    assert.match(out.stdout, /Models available: 2/);
    assert.match(out.stdout, /- test\/stories260k \(GGUF F32, loaded\)/);
    assert.match(out.stdout, /\[Check\] test_lmstudio: test\/stories260k GGUF F32 is served ✓/);
  } finally {
    await server.stop();
  }
});

Deno.test("check-server says a server where nothing listens is unreachable and exits 1", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const out = await runCli("lib/cli/check_server.ts", [
    "--config-dir",
    await configWith(lmStudioModelsYaml(`http://127.0.0.1:${port}`)),
  ]);
  assert.equal(out.code, 1);
  assert.match(out.stdout, /Status: unreachable \(no answer\)/);
});

Deno.test("check-server refuses a non-loopback server before any connection, exit 2", async () => {
  const out = await runCli("lib/cli/check_server.ts", [
    "--config-dir",
    await configWith(lmStudioModelsYaml("http://127.0.0.1:9")),
    "--base-url",
    "http://10.0.0.5:1234",
  ]);
  assert.equal(out.code, 2, out.stdout + out.stderr);
  assert.match(out.stderr, /names the address '10\.0\.0\.5', which is not loopback/);
  assert.doesNotMatch(out.stdout, /Status:/);
});
