import assert from "node:assert/strict";
import { join } from "node:path";
import { ModelFileError, resolveModelFile, SHIPPED_MODELS_DIR } from "../../lib/backends/mod.ts";
import { MODELS_DIR, STORIES } from "../helpers/mod.ts";

const SHA = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";
const spec = (url = "http://127.0.0.1:9/stories260K.gguf") => ({
  file: "stories260K.gguf",
  download: { url, sha256: SHA },
});
const envOf = (vars: Record<string, string>) => (n: string) => vars[n];

Deno.test("resolveModelFile() finds the file in EDGE_BENCH_MODEL_DIR and verifies its sha256", async () => {
  const r = await resolveModelFile(spec(), {
    env: envOf({ EDGE_BENCH_MODEL_DIR: MODELS_DIR }),
    shippedDir: null,
    download: false,
  });
  assert.equal(r.source, "model_dir");
  assert.equal(r.sha256, SHA);
  assert.equal(r.sizeBytes, 1185376);
});

Deno.test("resolveModelFile() finds the shipped model in data/models after EDGE_BENCH_MODEL_DIR and before the cache", async () => {
  const empty = await Deno.makeTempDir();
  const cache = await Deno.makeTempDir();
  await Deno.copyFile(STORIES, join(cache, "stories260K.gguf"));
  try {
    // No environment, nothing else: a fresh clone resolves the demo model offline.
    const shipped = await resolveModelFile(spec(), { env: envOf({}), download: false });
    assert.equal(shipped.source, "shipped");
    assert.equal(shipped.path, join(SHIPPED_MODELS_DIR, "stories260K.gguf"));
    assert.equal(shipped.sha256, SHA);
    // The shipped copy wins over the cache ...
    const overCache = await resolveModelFile(spec(), { env: envOf({}), cacheDir: cache });
    assert.equal(overCache.source, "shipped");
    // ... and EDGE_BENCH_MODEL_DIR wins over the shipped copy.
    const dir = await Deno.makeTempDir();
    await Deno.copyFile(STORIES, join(dir, "stories260K.gguf"));
    const overShipped = await resolveModelFile(spec(), {
      env: envOf({ EDGE_BENCH_MODEL_DIR: dir }),
      download: false,
    });
    assert.equal(overShipped.source, "model_dir");
    assert.equal(overShipped.path, join(dir, "stories260K.gguf"));
    // A model dir without the file falls through to the shipped one.
    const fallthrough = await resolveModelFile(spec(), {
      env: envOf({ EDGE_BENCH_MODEL_DIR: empty }),
      download: false,
    });
    assert.equal(fallthrough.source, "shipped");
    await Deno.remove(dir, { recursive: true });
  } finally {
    await Deno.remove(empty, { recursive: true });
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("resolveModelFile() prefers an explicit path, then the cache", async () => {
  const viaPath = await resolveModelFile({ ...spec(), path: STORIES }, {
    env: envOf({}),
    shippedDir: null,
  });
  assert.equal(viaPath.source, "path");
  const cache = await Deno.makeTempDir();
  await Deno.copyFile(STORIES, join(cache, "stories260K.gguf"));
  const viaCache = await resolveModelFile(spec(), {
    env: envOf({}),
    shippedDir: null,
    cacheDir: cache,
    download: false,
  });
  assert.equal(viaCache.source, "cache");
});

Deno.test("resolveModelFile() refuses a file whose bytes differ from the pin", async () => {
  const dir = await Deno.makeTempDir();
  const bytes = await Deno.readFile(STORIES);
  bytes[bytes.length - 1] ^= 0xff;
  await Deno.writeFile(join(dir, "stories260K.gguf"), bytes);
  await assert.rejects(
    resolveModelFile(spec(), { env: envOf({ EDGE_BENCH_MODEL_DIR: dir }), shippedDir: null }),
    (e: unknown) => e instanceof ModelFileError && e.message.includes(`expected sha256 ${SHA}`),
  );
});

Deno.test("resolveModelFile() downloads the pinned file from a local server into the cache, with progress", async () => {
  const bytes = await Deno.readFile(STORIES);
  let corrupt = false;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    const body = bytes.slice();
    if (corrupt) body[100] ^= 1;
    return new Response(body, { headers: { "content-length": String(body.length) } });
  });
  const url = `http://127.0.0.1:${server.addr.port}/stories260K.gguf`;
  try {
    const cache = await Deno.makeTempDir();
    const progress: number[] = [];
    const r = await resolveModelFile(spec(url), {
      env: envOf({}),
      shippedDir: null,
      cacheDir: cache,
      onProgress: (p) => progress.push(p.receivedBytes),
    });
    assert.equal(r.source, "download");
    assert.equal(progress.at(-1), 1185376);
    assert.deepEqual(await Deno.readFile(r.path), bytes);
    corrupt = true;
    const cache2 = await Deno.makeTempDir();
    await assert.rejects(
      resolveModelFile(spec(url), { env: envOf({}), shippedDir: null, cacheDir: cache2 }),
      (e: unknown) => e instanceof ModelFileError && /Checksum mismatch/.test(e.message),
    );
    assert.deepEqual([...Deno.readDirSync(cache2)], [], "nothing is left in the cache");
  } finally {
    await server.shutdown();
  }
});

Deno.test("an offline miss says which file to put where", async () => {
  const cache = await Deno.makeTempDir();
  await assert.rejects(
    resolveModelFile(spec(), {
      env: envOf({ EDGE_BENCH_MODEL_DIR: "/nonexistent" }),
      shippedDir: null,
      cacheDir: cache,
      fetch: () => Promise.reject(new TypeError("network unreachable")),
    }),
    (e: unknown) =>
      e instanceof ModelFileError && e.message.includes("/nonexistent/stories260K.gguf") &&
      e.message.includes("set EDGE_BENCH_MODEL_DIR") && e.message.includes("network unreachable") &&
      e.message.includes("http://127.0.0.1:9/stories260K.gguf"),
  );
});
