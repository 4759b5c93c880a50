import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import {
  type DatasetDownloadProgress,
  DatasetError,
  findDatasetFile,
  loadDatasetManifest,
  resolveDatasetFile,
} from "../../lib/datasets/mod.ts";
import { listTree, sha256, shippedBytes, withTempDir } from "./_helpers.ts";
import { pathOf, serveLocal } from "./_server.ts";

// Downloads go to a server on 127.0.0.1 (port 0) serving the real shipped bytes; the manifest's
// raw.githubusercontent.com URLs are redirected there by the injected fetch.

const manifest = await loadDatasetManifest();
const TEST_CSV = findDatasetFile(manifest, "banking77", "test.csv").file;
const TRAIN_CSV = findDatasetFile(manifest, "banking77", "train.csv").file;

const noEnv = () => undefined;
const failingFetch: typeof fetch = () => Promise.reject(new TypeError("network is unreachable"));

Deno.test("resolveDatasetFile() downloads from a local server into the cache with progress and sha256 check", async () => {
  const bytes = await shippedBytes("banking77", "train.csv");
  const server = serveLocal(new Map([[pathOf(TRAIN_CSV.url), bytes]]));
  try {
    await withTempDir(async (cache) => {
      const progress: DatasetDownloadProgress[] = [];
      const resolved = await resolveDatasetFile("banking77", "train.csv", {
        env: noEnv,
        shippedDir: null,
        cacheDir: cache,
        fetch: server.fetch,
        onProgress: (p) => progress.push(p),
      });
      assert.equal(resolved.origin, "download");
      assert.equal(resolved.path, join(cache, "banking77", "train.csv"));
      assert.equal(resolved.sha256, TRAIN_CSV.sha256);
      assert.deepEqual(await Deno.readFile(resolved.path), bytes);
      assert.deepEqual(server.requests, [pathOf(TRAIN_CSV.url)]);
      assert.deepEqual(await listTree(cache), ["banking77/", "banking77/train.csv"]);
      // 839073 bytes in 64 KiB chunks: 13 chunks, plus the initial 0-byte report.
      assert.ok(progress.length >= 3, `progress calls: ${progress.length}`);
      assert.deepEqual(progress[0], {
        dataset: "banking77",
        file: "train.csv",
        receivedBytes: 0,
        totalBytes: 839073,
      });
      assert.equal(progress.at(-1)?.receivedBytes, 839073);
      for (let i = 1; i < progress.length; i++) {
        assert.ok(progress[i].receivedBytes > progress[i - 1].receivedBytes);
        assert.equal(progress[i].totalBytes, 839073);
      }
      // Now cached: found again without any network.
      const again = await resolveDatasetFile("banking77", "train.csv", {
        env: noEnv,
        shippedDir: null,
        cacheDir: cache,
        fetch: failingFetch,
      });
      assert.equal(again.origin, "cache");
    });
  } finally {
    await server.close();
  }
});

Deno.test("resolveDatasetFile() refuses a corrupted download and leaves nothing in the cache", async () => {
  const bytes = await shippedBytes("banking77", "test.csv");
  bytes[bytes.length - 10] ^= 0x20;
  const server = serveLocal(new Map([[pathOf(TEST_CSV.url), bytes]]));
  try {
    await withTempDir(async (cache) => {
      let lastReceived = 0;
      await assert.rejects(
        resolveDatasetFile("banking77", "test.csv", {
          env: noEnv,
          shippedDir: null,
          cacheDir: cache,
          fetch: server.fetch,
          onProgress: (p) => (lastReceived = p.receivedBytes),
        }),
        (error: unknown) => {
          assert.ok(error instanceof DatasetError);
          assert.match(
            error.message,
            /^Checksum mismatch for banking77\/test\.csv downloaded from /,
          );
          assert.ok(error.message.includes(`expected sha256 ${TEST_CSV.sha256}`), error.message);
          assert.ok(error.message.includes(`actual ${sha256(bytes)}`), error.message);
          assert.ok(error.message.includes("nothing was written to the cache"));
          return true;
        },
      );
      assert.equal(lastReceived, bytes.byteLength, "the whole body was received");
      assert.deepEqual(await listTree(cache), []);
    });
  } finally {
    await server.close();
  }
});

Deno.test("resolveDatasetFile() reports an HTTP error status as a miss", async () => {
  const server = serveLocal(new Map());
  try {
    await withTempDir(async (cache) => {
      await assert.rejects(
        resolveDatasetFile("gsm8k", "LICENSE", {
          env: noEnv,
          shippedDir: null,
          cacheDir: cache,
          fetch: server.fetch,
        }),
        (error: unknown) =>
          error instanceof DatasetError &&
          error.message.includes("failed: HTTP 404 Not Found") &&
          error.message.includes("Put LICENSE (sha256 "),
      );
      assert.deepEqual(await listTree(cache), []);
    });
  } finally {
    await server.close();
  }
});

Deno.test("resolveDatasetFile() rebuilds the CNN/DailyMail JSONL from the upstream CSV it downloads", async () => {
  const entry = findDatasetFile(manifest, "cnn_dailymail", "test_first500.jsonl").file;
  const jsonl = await shippedBytes("cnn_dailymail", "test_first500.jsonl");
  // Stand-in for the upstream pandas CSV, rebuilt from the real records. It must hash to the
  // pinned upstream sha256 (derive.sha256), or the download is refused before conversion.
  const records = new TextDecoder().decode(jsonl).trimEnd().split("\n").map((l) => JSON.parse(l));
  const csv = new TextEncoder().encode(stringify(
    records.map((r) => [r.article, r.highlights, r.id]),
    { header: true, columns: ["article", "highlights", "id"], record_delimiter: "unix" },
  ));
  assert.equal(sha256(csv), entry.derive?.sha256);
  const server = serveLocal(new Map([[pathOf(entry.url), csv]]));
  try {
    await withTempDir(async (cache) => {
      const totals = new Set<number | undefined>();
      const resolved = await resolveDatasetFile("cnn_dailymail", "test_first500.jsonl", {
        env: noEnv,
        shippedDir: null,
        cacheDir: cache,
        fetch: server.fetch,
        onProgress: (p) => totals.add(p.totalBytes),
      });
      assert.equal(resolved.origin, "download");
      assert.deepEqual(await Deno.readFile(resolved.path), jsonl);
      assert.deepEqual([...totals], [1870851]);
      assert.deepEqual(await listTree(cache), [
        "cnn_dailymail/",
        "cnn_dailymail/test_first500.jsonl",
      ]);
    });
  } finally {
    await server.close();
  }
});

Deno.test("resolveDatasetFile() passes an abort through unchanged instead of reporting a miss", async () => {
  await withTempDir(async (cache) => {
    const controller = new AbortController();
    controller.abort(new Error("stopped by the user"));
    await assert.rejects(
      resolveDatasetFile("gsm8k", "LICENSE", {
        env: noEnv,
        shippedDir: null,
        cacheDir: cache,
        signal: controller.signal,
        fetch: (_input, init) => Promise.reject(init?.signal?.reason),
      }),
      new Error("stopped by the user"),
    );
    assert.deepEqual(await listTree(cache), []);
  });
});
