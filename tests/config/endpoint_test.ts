/** The endpoint policy: loopback only unless allowed, http(s) only, and where each URL came from. */
import assert from "node:assert/strict";
import {
  apiKeyFromEnv,
  checkEndpoint,
  ConfigError,
  egressNotes,
  EndpointError,
  ExperimentSchema,
  isLoopbackHost,
  isLoopbackUrl,
  loadProjectConfig,
  manifestEndpointSources,
  ModelSchema,
  resolveModelEndpoint,
  resolveModelEndpoints,
} from "../../lib/config/mod.ts";
import { writeTestConfig } from "../helpers/mod.ts";

const experiment = ExperimentSchema.parse({ name: "t" });
const flag = { source: "<command line>", field: "--base-url" };
const lmstudio = (extra: Record<string, unknown> = {}) =>
  ModelSchema.parse({
    backend: "lmstudio",
    name: "g",
    model_id: "google/gemma-3n-e4b",
    format: "GGUF",
    quantization: "Q4_K_M",
    ...extra,
  });
const openai = (extra: Record<string, unknown> = {}) =>
  ModelSchema.parse({
    backend: "openai",
    name: "o",
    model_id: "o",
    format: "GGUF",
    quantization: "Q4_K_M",
    base_url: "http://127.0.0.1:8080/v1",
    ...extra,
  });

Deno.test("isLoopbackHost() accepts localhost, 127.0.0.0/8, ::1 and IPv4-mapped 127/8 only", () => {
  for (
    const url of [
      "http://localhost:1234",
      "http://LOCALHOST.:1234",
      "http://api.localhost/v1",
      "http://127.0.0.1:8080/v1",
      "http://127.255.0.9/",
      "http://127.1/", // the URL parser normalises it to 127.0.0.1
      "http://0x7f.1/", // and this one
      "http://[::1]:1234",
      "http://[0:0:0:0:0:0:0:1]/",
      "http://[::ffff:127.0.0.1]/",
    ]
  ) assert.equal(isLoopbackUrl(url), true, url);
  for (
    const url of [
      "http://10.0.0.5:1234",
      "http://0.0.0.0:1234",
      "http://[::]:1234",
      "http://128.0.0.1/",
      "http://[::ffff:10.0.0.5]/",
      "http://localhost.evil.example/",
      "http://gpu-box:1234",
      "not a url",
    ]
  ) assert.equal(isLoopbackUrl(url), false, url);
  assert.equal(isLoopbackHost("[::1]"), true);
});

Deno.test("checkEndpoint() refuses a non-loopback address naming source, field and value", () => {
  assert.throws(
    () => checkEndpoint("http://10.0.0.5:1234", { ...flag, modelKey: "gemma" }),
    (e: unknown) => {
      assert.ok(e instanceof EndpointError && e instanceof ConfigError);
      assert.equal(e.name, "EndpointError");
      assert.equal(e.file, "<command line>");
      assert.equal(e.field, "--base-url");
      assert.equal(e.url, "http://10.0.0.5:1234");
      assert.equal(
        e.message,
        "Refusing endpoint from <command line>: '--base-url' names the address '10.0.0.5', " +
          "which is not loopback (127.0.0.0/8, ::1): prompts would leave this machine, so " +
          "nothing was sent. To send them there, set allow_remote: true on model 'gemma' in " +
          'models.yaml or pass --allow-remote: current value is "http://10.0.0.5:1234"',
      );
      return true;
    },
  );
  assert.throws(() => checkEndpoint("http://gpu-box:1234/v1", flag), {
    name: "EndpointError",
    message: /names the host 'gpu-box', which is not localhost \(other host names are not looked/,
  });
  assert.equal(checkEndpoint("http://10.0.0.5:1234", { ...flag, allowRemote: true }).port, "1234");
  assert.equal(checkEndpoint("http://[::1]:1234", flag).hostname, "[::1]");
});

Deno.test("checkEndpoint() refuses file:// and every non-HTTP(S) URL, even with allowRemote", () => {
  for (const url of ["file:///etc/", "ftp://127.0.0.1/", "data:text/plain,x", "localhost:1234"]) {
    assert.throws(() => checkEndpoint(url, { ...flag, allowRemote: true }), {
      name: "EndpointError",
      message: new RegExp(`'--base-url' must be an http:// or https:// URL .*: current value is`),
    }, url);
  }
  assert.throws(() => checkEndpoint("not a url", flag), {
    message: `Refusing endpoint from <command line>: '--base-url' must be an http:// or https:// ` +
      `URL: current value is "not a url"`,
  });
});

Deno.test("checkEndpoint() refuses credentials in a URL without repeating them", () => {
  assert.throws(() => checkEndpoint("http://me:s3cret@127.0.0.1:8080/v1", flag), (e: unknown) => {
    assert.ok(e instanceof EndpointError);
    assert.match(e.message, /must not hold credentials \(user:password@\)/);
    assert.doesNotMatch(e.message, /s3cret|me:/);
    return true;
  });
});

Deno.test("resolveModelEndpoint() names where the URL came from: flag, model, experiment", () => {
  const sources = manifestEndpointSources("results/experiment_config_x.json");
  const fromFlag = () =>
    resolveModelEndpoint("gemma", lmstudio({ base_url: "http://127.0.0.1:1" }), experiment, {
      baseUrl: "http://10.0.0.5:1234",
      sources,
    });
  assert.throws(fromFlag, { message: /^Refusing endpoint from <command line>: '--base-url'/ });
  assert.throws(
    () =>
      resolveModelEndpoint("gemma", lmstudio({ base_url: "http://10.0.0.5:1" }), experiment, {
        sources,
      }),
    {
      message:
        /^Refusing endpoint from results\/experiment_config_x\.json: 'config\.models\.gemma\.base_url'/,
    },
  );
  const remoteLm = {
    ...experiment,
    lmstudio: { ...experiment.lmstudio, base_url: "http://10.1.1.1" },
  };
  assert.throws(() => resolveModelEndpoint("gemma", lmstudio(), remoteLm, { sources }), {
    message: /'config\.experiment\.lmstudio\.base_url' names the address '10\.1\.1\.1'/,
  });
  const local = resolveModelEndpoint("gemma", lmstudio(), experiment);
  assert.deepEqual(local, {
    model_key: "gemma",
    backend: "lmstudio",
    url: "http://localhost:1234",
    source: "configs/experiment.yaml",
    field: "lmstudio.base_url",
    loopback: true,
    data_egress: false,
    allowed_by: null,
    api_key_env: null,
    api_key_used: false,
  });
  const embedded = ModelSchema.parse({
    backend: "embedded",
    name: "s",
    model_id: "s",
    format: "GGUF",
    quantization: "F32",
    file: "s.gguf",
  });
  assert.equal(resolveModelEndpoint("s", embedded, experiment), null);
});

Deno.test("LMSTUDIO_BASE_URL pointing elsewhere is refused naming the variable", async () => {
  const dir = await writeTestConfig(await Deno.makeTempDir());
  const config = await loadProjectConfig({
    configDir: dir,
    env: (n) => (n === "LMSTUDIO_BASE_URL" ? "http://10.0.0.5:1234" : undefined),
  });
  assert.throws(
    () =>
      resolveModelEndpoints({ gemma: lmstudio() }, config.experiment, {
        sources: config.endpointSources,
      }),
    {
      name: "EndpointError",
      message:
        /^Refusing endpoint from environment variable LMSTUDIO_BASE_URL: 'lmstudio\.base_url'/,
    },
  );
});

Deno.test("allow_remote or --allow-remote accepts a remote endpoint as a data-egress finding", () => {
  const byConfig = resolveModelEndpoint(
    "remote",
    openai({ base_url: "http://10.0.0.5:8080/v1", allow_remote: true }),
    experiment,
  )!;
  assert.equal(byConfig.data_egress, true);
  assert.equal(byConfig.loopback, false);
  assert.equal(
    byConfig.allowed_by,
    "allow_remote: true (configs/models.yaml 'models.remote.allow_remote')",
  );
  const byFlag = resolveModelEndpoint("remote", openai(), experiment, {
    baseUrl: "https://api.example.com/v1",
    allowRemote: true,
  })!;
  assert.equal(byFlag.allowed_by, "--allow-remote");
  assert.deepEqual(
    egressNotes({ remote: byFlag, local: resolveModelEndpoint("l", openai(), experiment)! }),
    [
      "data egress: model 'remote' sends prompts to https://api.example.com/v1 " +
      "(<command line> '--base-url'; allowed by --allow-remote)",
    ],
  );
});

Deno.test("a config holding api_key in clear is refused without showing the key", () => {
  const parsed = ModelSchema.safeParse({
    backend: "openai",
    name: "o",
    model_id: "o",
    format: "GGUF",
    quantization: "Q4_K_M",
    base_url: "http://127.0.0.1:8080/v1",
    api_key: "sk-live-123456",
  });
  assert.equal(parsed.success, false);
});

Deno.test("models.yaml with api_key is refused at load, naming api_key_env, the key hidden", async () => {
  const dir = await writeTestConfig(
    await Deno.makeTempDir(),
    `models:
  remote:
    backend: openai
    name: r
    model_id: r
    format: GGUF
    quantization: Q4_K_M
    base_url: http://127.0.0.1:8080/v1
    api_key: sk-live-123456
`,
  );
  await assert.rejects(loadProjectConfig({ configDir: dir }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.field, "models.remote.api_key");
    assert.match(e.message, /name that variable in api_key_env/);
    assert.match(e.message, /current value is "\(hidden: 14 characters\)"/);
    assert.doesNotMatch(e.message, /sk-live/);
    return true;
  });
});

Deno.test("api_key_env names a variable; the key is read from it, and an unset one is refused", () => {
  const model = openai({ api_key_env: "EDGE_TEST_KEY" });
  const endpoint = resolveModelEndpoint("o", model, experiment, {
    env: (n) => (n === "EDGE_TEST_KEY" ? "sk-test" : undefined),
  })!;
  assert.equal(endpoint.api_key_env, "EDGE_TEST_KEY");
  assert.equal(endpoint.api_key_used, true);
  assert.ok(!JSON.stringify(endpoint).includes("sk-test"));
  assert.equal(
    apiKeyFromEnv("o", model, (n) => (n === "EDGE_TEST_KEY" ? "sk-test" : undefined)),
    "sk-test",
  );
  assert.throws(() => resolveModelEndpoint("o", model, experiment, { env: () => undefined }), {
    name: "ConfigError",
    message:
      "Cannot load config configs/models.yaml: 'models.o.api_key_env' names an environment " +
      'variable that is not set: set it to the API key: current value is "EDGE_TEST_KEY"',
  });
  assert.equal(ModelSchema.safeParse({ ...model, api_key_env: "not a name" }).success, false);
});
