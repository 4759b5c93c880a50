/** Every notebook type-checks and runs headless through Jupyter with the Deno kernel. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import { ROOT, runCli } from "../helpers/mod.ts";

/** sha256 of every file under the user's output folders (absent folders recorded as such). */
async function snapshotUserFolders(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        out[relative(ROOT, dir)] = "absent";
        return;
      }
      throw error;
    }
    out[relative(ROOT, dir) + "/"] = "folder";
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory) await walk(path);
      else {
        out[relative(ROOT, path)] = createHash("sha256").update(await Deno.readFile(path)).digest(
          "hex",
        );
      }
    }
  };
  for (const name of ["results", "report", "figures"]) await walk(join(ROOT, name));
  return out;
}

/** The run's done count of each live-display update a cell recorded (executed copy's metadata). */
function displayedCounts(cell: { metadata?: Record<string, unknown> }): number[] {
  const updates = ((cell.metadata?.edge_bench as { display_updates?: { text: string }[] })
    ?.display_updates) ?? [];
  return updates.map((u) => {
    const m = u.text.match(/\| run (\d+)\/\d+ /) ?? u.text.match(/ (\d+)\/\d+ /) ??
      u.text.match(/: (\d+)\/\d+ /);
    return m ? Number(m[1]) : NaN;
  });
}

/** The cell of an executed notebook that updated a live display, with its counts. */
async function progressCell(path: string) {
  const nb = JSON.parse(await Deno.readTextFile(path));
  const cell = nb.cells.find((c: { metadata?: Record<string, unknown> }) =>
    displayedCounts(c).length > 0
  );
  return cell ? { cell, counts: displayedCounts(cell) } : null;
}

Deno.test("the notebooks' code cells type-check and lint clean", async () => {
  const out = await runCli("lib/cli/notebooks.ts", ["--check"]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
});

Deno.test("deno task notebooks executes every notebook headless, each code cell produces no error, and the user's results/, report/ and figures/ stay byte-for-byte unchanged", async () => {
  const before = await snapshotUserFolders();
  const root = await Deno.makeTempDir();
  const out = await runCli("lib/cli/notebooks.ts", ["--output-dir", root]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  assert.deepEqual(await snapshotUserFolders(), before, "the project's output folders changed");
  assert.match(out.stdout, new RegExp(`Executed notebooks go to ${root}/notebooks/`));
  // What the notebooks made went to the named folder instead.
  const outDir = join(root, "notebooks");
  const made = (name: string) => [...Deno.readDirSync(join(root, name))].map((e) => e.name);
  assert.ok(made("results").some((n) => n.startsWith("perf_")), "notebook 01's perf run");
  assert.ok(made("results").some((n) => n.startsWith("eval_banking77_")), "notebook 02's eval");
  assert.ok(made("report").some((n) => n.startsWith("benchmark_report_")), "notebook 10's report");
  assert.ok(made("figures").some((n) => n.endsWith(".png")), "notebook 10's figures");
  const sources = [...Deno.readDirSync(join(ROOT, "notebooks"))].filter((e) =>
    e.name.endsWith(".ipynb")
  );
  assert.ok(sources.length >= 1);
  for (const { name } of sources) {
    const nb = JSON.parse(await Deno.readTextFile(join(outDir, name)));
    const code = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code");
    for (const c of code) {
      for (const o of c.outputs) {
        assert.notEqual(o.output_type, "error", `${name}: ${o.ename}: ${o.evalue}`);
      }
    }
    const rich = code.flatMap((c: { outputs: { data?: Record<string, string> }[] }) =>
      c.outputs.map((o) => Object.keys(o.data ?? {})).flat()
    );
    assert.ok(rich.includes("text/html"), `${name} displays at least one table`);
    assert.ok(rich.includes("image/svg+xml"), `${name} displays at least one figure`);
    if (/^0[1-5]_/.test(name)) {
      // Notebooks 01-05 show a live progress display (03: only when it probes; here it does).
      const found = await progressCell(join(outDir, name));
      assert.ok(found, `${name} updated a live progress display`);
      assert.ok(found.counts.at(-1)! > found.counts[0], `${name}: ${found.counts}`);
    }
  }
});

Deno.test("a notebook run headless keeps its live progress display's updates, with increasing counts, and ends on the summary", async () => {
  const root = await Deno.makeTempDir();
  try {
    const out = await runCli("lib/cli/notebooks.ts", ["--only", "02", "--output-dir", root]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const found = await progressCell(join(root, "notebooks", "02_capability.ipynb"));
    assert.ok(found, "the eval cell recorded display updates");
    const { cell, counts } = found;
    assert.ok(counts.length >= 3, `${counts}`);
    assert.ok(counts.every((n, i) => !isNaN(n) && (i === 0 || n >= counts[i - 1])), `${counts}`);
    assert.ok(counts.at(-1)! > counts[0], `${counts}`);
    // The display itself now shows the summary (the one output with the live display's text).
    const shown = cell.outputs.filter((o: { output_type: string }) =>
      o.output_type === "display_data"
    )
      .map((o: { data: Record<string, string | string[]> }) =>
        [o.data["text/plain"]].flat().join("")
      );
    assert.equal(shown.length, 1, JSON.stringify(cell.outputs));
    assert.match(shown[0], /^eval: 20\/20 samples in \d+:\d\d \(.*\) \| accuracy \d+\.\d%$/);
    const updates = cell.metadata.edge_bench.display_updates as {
      text: string;
      display_id: string;
    }[];
    assert.equal(
      new Set(updates.map((u) => u.display_id)).size,
      1,
      "one display, updated in place",
    );
    assert.match(updates[0].text, /^banking77\/stories260k \d+\/20 \d+% \| .* \| ETA /);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("deno task notebooks without --output-dir runs in a new temporary folder and names it", async () => {
  const before = await snapshotUserFolders();
  const out = await runCli("lib/cli/notebooks.ts", ["--only", "01"]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  const m = out.stdout.match(/Executed notebooks go to (\S+)\/notebooks\//);
  assert.ok(m, out.stdout);
  const root = m[1];
  assert.ok(!root.startsWith(ROOT), `${root} is outside the project`);
  assert.ok(Deno.statSync(join(root, "notebooks", "01_performance.ipynb")).isFile);
  assert.ok([...Deno.readDirSync(join(root, "results"))].some((e) => e.name.startsWith("perf_")));
  assert.deepEqual(await snapshotUserFolders(), before);
  await Deno.remove(root, { recursive: true });
});
