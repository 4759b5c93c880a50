import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DatasetError,
  defaultDatasetCacheDir,
  findDatasetFile,
  loadDatasetManifest,
  resolveDatasetFile,
  SHIPPED_DATA_DIR,
} from "../../lib/datasets/mod.ts";
import {
  DATA_DIR,
  listTree,
  sha256,
  shippedBytes,
  withTempDir,
  writeDatasetFile,
} from "./_helpers.ts";

const manifest = await loadDatasetManifest();
const TEST_CSV = findDatasetFile(manifest, "banking77", "test.csv").file;
const CATEGORIES = findDatasetFile(manifest, "banking77", "categories.json").file;

const noEnv = () => undefined;
const failingFetch: typeof fetch = () => Promise.reject(new TypeError("network is unreachable"));

Deno.test("resolveDatasetFile() finds a file in dataDir and verifies its sha256", async () => {
  const resolved = await resolveDatasetFile("banking77", "test.csv", {
    dataDir: DATA_DIR,
    env: noEnv,
    shippedDir: null,
    download: false,
  });
  assert.equal(resolved.origin, "dataDir");
  assert.equal(resolved.path, join(DATA_DIR, "banking77", "test.csv"));
  assert.equal(resolved.sha256, TEST_CSV.sha256);
  assert.equal(resolved.sha256, sha256(await shippedBytes("banking77", "test.csv")));
});

Deno.test("resolveDatasetFile() looks in dataDir, then EDGE_BENCH_DATA_DIR, then the cache", async () => {
  await withTempDir(async (tmp) => {
    const bytes = await shippedBytes("banking77", "categories.json");
    const [explicit, fromEnv, cache] = ["explicit", "env", "cache"].map((d) => join(tmp, d));
    for (const root of [explicit, fromEnv, cache]) {
      await writeDatasetFile(root, "banking77", "categories.json", bytes);
    }
    const env = (name: string) => (name === "EDGE_BENCH_DATA_DIR" ? fromEnv : undefined);
    const base = { env, shippedDir: null, cacheDir: cache, fetch: failingFetch };
    const first = await resolveDatasetFile("banking77", "categories.json", {
      ...base,
      dataDir: explicit,
    });
    assert.deepEqual([first.origin, first.path], [
      "dataDir",
      join(explicit, "banking77", "categories.json"),
    ]);
    const second = await resolveDatasetFile("banking77", "categories.json", base);
    assert.deepEqual([second.origin, second.path], [
      "env",
      join(fromEnv, "banking77", "categories.json"),
    ]);
    const third = await resolveDatasetFile("banking77", "categories.json", {
      ...base,
      env: noEnv,
      shippedDir: null,
    });
    assert.deepEqual([third.origin, third.path], [
      "cache",
      join(cache, "banking77", "categories.json"),
    ]);
  });
});

Deno.test("resolveDatasetFile() finds the shipped data/datasets after EDGE_BENCH_DATA_DIR and before the cache", async () => {
  await withTempDir(async (tmp) => {
    const envDir = join(tmp, "env");
    const cache = join(tmp, "cache");
    const bytes = await shippedBytes("banking77", "categories.json");
    await writeDatasetFile(cache, "banking77", "categories.json", bytes);
    // No flag, no environment: a fresh clone reads the shipped file, never the network.
    const shipped = await resolveDatasetFile("banking77", "categories.json", {
      env: noEnv,
      cacheDir: cache,
      fetch: failingFetch,
    });
    assert.equal(shipped.origin, "shipped");
    assert.equal(shipped.path, join(SHIPPED_DATA_DIR, "banking77", "categories.json"));
    // EDGE_BENCH_DATA_DIR still wins over the shipped copy.
    await writeDatasetFile(envDir, "banking77", "categories.json", bytes);
    const env = (name: string) => (name === "EDGE_BENCH_DATA_DIR" ? envDir : undefined);
    const fromEnv = await resolveDatasetFile("banking77", "categories.json", {
      env,
      cacheDir: cache,
      fetch: failingFetch,
    });
    assert.equal(fromEnv.origin, "env");
  });
});

Deno.test("every file the manifest pins is shipped in data/datasets and matches its pin", async () => {
  let files = 0;
  for (const [name, dataset] of Object.entries(manifest.datasets)) {
    for (const file of dataset.files) {
      const resolved = await resolveDatasetFile(name, file.path, {
        env: noEnv,
        cacheDir: undefined,
        download: false,
      });
      assert.equal(resolved.origin, "shipped", `${name}/${file.path}`);
      assert.equal(resolved.sha256, file.sha256);
      files++;
    }
  }
  assert.equal(files, 29);
});

Deno.test("defaultDatasetCacheDir() uses XDG_CACHE_HOME, else HOME/.cache", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(
    defaultDatasetCacheDir(env({ XDG_CACHE_HOME: "/x/cache", HOME: "/home/u" })),
    "/x/cache/edge-slm-bench/datasets",
  );
  assert.equal(
    defaultDatasetCacheDir(env({ HOME: "/home/u" })),
    "/home/u/.cache/edge-slm-bench/datasets",
  );
  assert.equal(defaultDatasetCacheDir(env({})), undefined);
});

Deno.test("resolveDatasetFile() uses the XDG cache read through the env option", async () => {
  await withTempDir(async (tmp) => {
    const bytes = await shippedBytes("banking77", "categories.json");
    const cache = join(tmp, "edge-slm-bench", "datasets");
    await writeDatasetFile(cache, "banking77", "categories.json", bytes);
    const resolved = await resolveDatasetFile("banking77", "categories.json", {
      env: (name) => (name === "XDG_CACHE_HOME" ? tmp : undefined),
      shippedDir: null,
      download: false,
    });
    assert.equal(resolved.origin, "cache");
    assert.equal(resolved.path, join(cache, "banking77", "categories.json"));
  });
});

Deno.test("resolveDatasetFile() rejects a local file with one altered byte, naming both hashes", async () => {
  await withTempDir(async (dir) => {
    const bytes = await shippedBytes("banking77", "test.csv");
    bytes[100] ^= 0x01;
    const path = await writeDatasetFile(dir, "banking77", "test.csv", bytes);
    await assert.rejects(
      resolveDatasetFile("banking77", "test.csv", {
        dataDir: dir,
        env: noEnv,
        shippedDir: null,
        download: false,
      }),
      (error: unknown) => {
        assert.ok(error instanceof DatasetError);
        assert.equal(error.name, "DatasetError");
        assert.match(error.message, /^Checksum mismatch for banking77\/test\.csv at /);
        assert.ok(error.message.includes(path), error.message);
        assert.ok(error.message.includes(`expected sha256 ${TEST_CSV.sha256}`), error.message);
        assert.ok(error.message.includes(`actual ${sha256(bytes)}`), error.message);
        assert.ok(error.message.includes(`Put the original test.csv from ${TEST_CSV.url}`));
        return true;
      },
    );
  });
});

Deno.test("resolveDatasetFile() tells to delete a corrupt cached file so it is downloaded again", async () => {
  await withTempDir(async (cache) => {
    await writeDatasetFile(cache, "banking77", "categories.json", "[]");
    await assert.rejects(
      resolveDatasetFile("banking77", "categories.json", {
        env: noEnv,
        shippedDir: null,
        cacheDir: cache,
      }),
      (error: unknown) =>
        error instanceof DatasetError && /\(user cache\)/.test(error.message) &&
        /or delete it so that it is downloaded again/.test(error.message),
    );
  });
});

Deno.test("resolveDatasetFile() remembers a verified hash per path, mtime and size", async () => {
  await withTempDir(async (dir) => {
    const bytes = await shippedBytes("banking77", "categories.json");
    const path = await writeDatasetFile(dir, "banking77", "categories.json", bytes);
    const options = { dataDir: dir, env: noEnv, shippedDir: null, download: false };
    const stamp = new Date("2024-01-02T03:04:05Z");
    await Deno.utime(path, stamp, stamp);
    await resolveDatasetFile("banking77", "categories.json", options);
    // Same size, same mtime, different content: the remembered hash is used, not recomputed.
    const altered = bytes.slice();
    altered[10] ^= 0x01;
    await Deno.writeFile(path, altered);
    await Deno.utime(path, stamp, stamp);
    const again = await resolveDatasetFile("banking77", "categories.json", options);
    assert.equal(again.sha256, CATEGORIES.sha256);
    // A new mtime invalidates the memo: the altered content is hashed and refused.
    const later = new Date("2024-01-02T03:04:06Z");
    await Deno.utime(path, later, later);
    await assert.rejects(
      resolveDatasetFile("banking77", "categories.json", options),
      (error: unknown) =>
        error instanceof DatasetError && error.message.includes(`actual ${sha256(altered)}`),
    );
  });
});

Deno.test("resolveDatasetFile() offline miss names the places looked at, the URL and where to put the file", async () => {
  await withTempDir(async (tmp) => {
    const dataDir = join(tmp, "data");
    const envDir = join(tmp, "env");
    const cache = join(tmp, "cache");
    const env = (name: string) => (name === "EDGE_BENCH_DATA_DIR" ? envDir : undefined);
    await assert.rejects(
      resolveDatasetFile("banking77", "test.csv", {
        dataDir,
        env,
        shippedDir: null,
        cacheDir: cache,
        fetch: failingFetch,
      }),
      (error: unknown) => {
        assert.ok(error instanceof DatasetError);
        const m = error.message;
        assert.match(m, /^Cannot find dataset file banking77\/test\.csv\. Looked in: /);
        assert.ok(m.includes(`${join(dataDir, "banking77", "test.csv")} (dataDir option)`), m);
        assert.ok(m.includes(`${join(envDir, "banking77", "test.csv")} (EDGE_BENCH_DATA_DIR)`), m);
        assert.ok(m.includes(`${join(cache, "banking77", "test.csv")} (user cache)`), m);
        assert.ok(m.includes(`Downloading ${TEST_CSV.url} failed: network is unreachable`), m);
        assert.ok(m.includes(`Put test.csv (sha256 ${TEST_CSV.sha256}, from ${TEST_CSV.url})`), m);
        assert.ok(m.includes(`into ${join(dataDir, "banking77")}/ or set EDGE_BENCH_DATA_DIR`), m);
        assert.ok(error.cause instanceof TypeError);
        return true;
      },
    );
    assert.deepEqual(await listTree(tmp), [], "a failed download leaves no file or folder");
  });
});

Deno.test("resolveDatasetFile() names the sub-folder to fill for a nested file", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      resolveDatasetFile("mmlu", "test/econometrics_test.csv", {
        dataDir: dir,
        env: noEnv,
        shippedDir: null,
        download: false,
      }),
      (error: unknown) =>
        error instanceof DatasetError &&
        error.message.includes(`Put econometrics_test.csv (sha256 `) &&
        error.message.includes(`into ${join(dir, "mmlu", "test")}/`),
    );
  });
});

Deno.test("resolveDatasetFile() with download: false fails without calling fetch", async () => {
  await withTempDir(async (cache) => {
    let calls = 0;
    const spy: typeof fetch = () => {
      calls++;
      return Promise.reject(new Error("must not be called"));
    };
    await assert.rejects(
      resolveDatasetFile("gsm8k", "test.jsonl", {
        env: noEnv,
        shippedDir: null,
        cacheDir: cache,
        download: false,
        fetch: spy,
      }),
      (error: unknown) =>
        error instanceof DatasetError &&
        error.message.includes("Downloads are disabled (download: false)") &&
        error.message.includes(`into ${join(cache, "gsm8k")}/`),
    );
    assert.equal(calls, 0);
  });
});

Deno.test("resolveDatasetFile() rejects unknown datasets and files with the available names", async () => {
  await assert.rejects(
    resolveDatasetFile("bankin77", "test.csv", { download: false, env: noEnv, shippedDir: null }),
    new RangeError(
      "Unknown dataset 'bankin77': available are banking77, financial_phrasebank, humaneval, " +
        "gsm8k, mmlu, cnn_dailymail",
    ),
  );
  await assert.rejects(
    resolveDatasetFile("gsm8k", "train.jsonl", { download: false, env: noEnv, shippedDir: null }),
    new RangeError(
      "Unknown file 'train.jsonl' in dataset 'gsm8k': available are test.jsonl, LICENSE",
    ),
  );
});
