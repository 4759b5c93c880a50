/**
 * `deno task golden` rewrites only the README's golden section, with a row per task and scenario
 * from the runs it made (here `--quick` on stories260K, into a copy of the README).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, runCli } from "../helpers/mod.ts";

Deno.test("golden --quick replaces the golden section of a README copy and nothing else", async () => {
  const dir = await Deno.makeTempDir({ prefix: "golden-" });
  const readme = join(dir, "README.md");
  const original = await Deno.readTextFile(join(ROOT, "README.md"));
  await Deno.writeTextFile(readme, original);
  const out = await runCli("lib/cli/golden.ts", [
    "--models",
    "stories260k",
    "--quick",
    "--readme",
    readme,
    "--results-dir",
    join(dir, "results"),
  ]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  const text = await Deno.readTextFile(readme);
  const [before, rest] = original.split("<!-- golden:begin -->");
  const after = rest.split("<!-- golden:end -->")[1];
  assert.ok(text.startsWith(before + "<!-- golden:begin -->"));
  assert.ok(text.endsWith("<!-- golden:end -->" + after));
  const section = text.slice(before.length, text.length - after.length);
  assert.match(section, /\*\*stories260k\*\*/);
  for (
    const row of [
      "banking77 (zero-shot)",
      "financial_phrasebank",
      "coding (pass@1)",
      "mmlu_mini",
      "gsm8k_mini",
      "summarization",
      "realistic",
    ]
  ) {
    assert.ok(section.includes(`| ${row}`), row);
  }
  // Each task row: the invalid rate and, when it is not 0, its most common causes (counts that
  // add up to at most n).
  const rows = section.split("\n").filter((l) => /^\| (banking77|financial|mmlu|gsm8k)/.test(l));
  assert.ok(rows.length >= 4, section);
  for (const row of rows) {
    const cells = row.split("|").slice(1, -1).map((c) => c.trim());
    assert.equal(cells.length, 6, row);
    const [, n, , invalid, reasons] = cells;
    if (Number(invalid) > 0) {
      const counts = [...reasons.matchAll(/[a-z_]+ (\d+)/g)].map((m) => Number(m[1]));
      assert.ok(counts.length >= 1 && counts.length <= 3, row);
      assert.ok(counts.reduce((a, b) => a + b, 0) <= Number(n), row);
    } else assert.equal(reasons, "–", row);
  }
  for (const s of ["interactive_assistant", "summarization", "json_extraction"]) {
    assert.match(section, new RegExp(`\\| ${s} \\| 1 \\| \\d+ \\|`));
  }
  assert.match(section, /Residual compliance risk: LLM01/);
  // --from rewrites the same section from the runs left behind, without running anything.
  const again = join(dir, "README_again.md");
  await Deno.writeTextFile(again, original);
  const from = await runCli("lib/cli/golden.ts", [
    "--models",
    "stories260k",
    "--readme",
    again,
    "--from",
    join(dir, "results"),
  ]);
  assert.equal(from.code, 0, from.stdout + from.stderr);
  assert.ok(!from.stdout.includes("runs go to"), "no run made");
  assert.equal(await Deno.readTextFile(again), text);
  const empty = await Deno.makeTempDir({ prefix: "golden-empty-" });
  const none = await runCli("lib/cli/golden.ts", ["--readme", again, "--from", empty]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Flag --from must be a folder a golden run wrote: .*golden_run\.json/);
  // Bad input: a file without the markers.
  await Deno.writeTextFile(readme, "# nothing\n");
  const bad = await runCli("lib/cli/golden.ts", [
    "--readme",
    readme,
    "--models",
    "stories260k",
    "--quick",
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /has no golden section/);
});
