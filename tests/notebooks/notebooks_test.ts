/** Every notebook type-checks and runs headless through Jupyter with the Deno kernel. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, runCli } from "../helpers/mod.ts";

Deno.test("the notebooks' code cells type-check and lint clean", async () => {
  const out = await runCli("lib/cli/notebooks.ts", ["--check"]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
});

Deno.test("deno task notebooks executes every notebook headless and each code cell produces no error", async () => {
  const outDir = await Deno.makeTempDir();
  const out = await runCli("lib/cli/notebooks.ts", ["--output-dir", outDir]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
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
  }
});
