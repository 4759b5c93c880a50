import assert from "node:assert/strict";
import { join } from "node:path";
import { DatasetError, loadDatasetManifest, parseDatasetManifest } from "../../lib/datasets/mod.ts";
import { DATA_DIR, listTree, sha256 } from "./_helpers.ts";

const manifest = await loadDatasetManifest();

Deno.test("manifest lists the six datasets of data/datasets", async () => {
  const folders = (await listTree(DATA_DIR)).filter((p) => /^[^/]+\/$/.test(p));
  assert.deepEqual(
    Object.keys(manifest.datasets).sort(),
    folders.map((f) => f.slice(0, -1)).sort(),
  );
});

Deno.test("manifest pins the sha256 and size of every file in data/datasets (SOURCE.md aside)", async () => {
  for (const [name, dataset] of Object.entries(manifest.datasets)) {
    const onDisk = (await listTree(join(DATA_DIR, name)))
      .filter((p) => !p.endsWith("/") && p !== "SOURCE.md");
    assert.deepEqual(dataset.files.map((f) => f.path).sort(), onDisk, name);
    for (const file of dataset.files) {
      const bytes = await Deno.readFile(join(DATA_DIR, name, file.path));
      assert.equal(file.sha256, sha256(bytes), `${name}/${file.path}`);
      assert.equal(file.size_bytes, bytes.byteLength, `${name}/${file.path}`);
    }
  }
});

Deno.test("manifest pins sha256 values that agree with each SOURCE.md table", async () => {
  for (const [name, dataset] of Object.entries(manifest.datasets)) {
    const source = await Deno.readTextFile(join(DATA_DIR, name, "SOURCE.md"));
    for (const file of dataset.files) {
      const row = source.split("\n").find((l) => l.startsWith(`| ${name}/${file.path} |`));
      assert.ok(row, `SOURCE.md of ${name} has a row for ${file.path}`);
      assert.ok(row.includes(file.sha256), `${name}/${file.path}`);
    }
  }
});

Deno.test("manifest marks Financial PhraseBank as non-commercial CC BY-NC-SA 3.0", () => {
  const fpb = manifest.datasets.financial_phrasebank;
  assert.equal(fpb.license, "CC-BY-NC-SA-3.0");
  assert.equal(fpb.commercial_use, false);
  assert.match(fpb.citation, /Malo.*2014.*Good debt or bad debt/s);
  assert.equal(manifest.datasets.banking77.license, "CC-BY-4.0");
  for (const name of ["gsm8k", "humaneval", "mmlu"]) {
    assert.equal(manifest.datasets[name].license, "MIT");
  }
});

Deno.test("manifest URLs are https and pinned to a commit (except the MMLU LICENSE)", () => {
  for (const [name, dataset] of Object.entries(manifest.datasets)) {
    for (const file of dataset.files) {
      assert.match(file.url, /^https:\/\//);
      if (`${name}/${file.path}` === "mmlu/LICENSE") continue;
      assert.match(file.url, /\/[0-9a-f]{40}\//, `${name}/${file.path}`);
    }
  }
});

Deno.test("parseDatasetManifest() names the bad field", () => {
  const text = "version: 1\ndatasets:\n  x:\n    title: X\n";
  assert.throws(
    () => parseDatasetManifest(text, "bad.yaml"),
    (error: unknown) =>
      error instanceof DatasetError &&
      /^Cannot load dataset manifest bad\.yaml: 'datasets\.x\.source' /.test(error.message),
  );
  assert.throws(
    () => parseDatasetManifest("version: [", "broken.yaml"),
    new DatasetError("Cannot parse dataset manifest broken.yaml: invalid YAML"),
  );
});
