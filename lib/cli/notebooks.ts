// deno-lint-ignore-file no-console
/**
 * `deno task notebooks [--only PREFIX] [--output-dir DIR]`: execute every notebook under
 * notebooks/ headless through Jupyter (nbclient, Deno kernel; lib/cli/_execute_notebook.py keeps
 * results the kernel sends late). Everything a headless run writes goes to one folder, DIR or a
 * new temporary folder: the executed copies in `DIR/notebooks/`, and the runs, report and figures
 * the notebooks make in `DIR/results/`, `DIR/report/`, `DIR/figures/` (the kernel gets
 * `EDGE_BENCH_OUTPUT_DIR=DIR`), so the user's own `results/`, `report/` and `figures/` are never
 * touched. `--check`: type-check and lint the notebooks' code cells instead (deno check and deno
 * lint skip .ipynb files).
 * @module
 */
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { OUTPUT_DIR_ENV, PROJECT_ROOT } from "../config/mod.ts";
import { dirFlag, EnvironmentError, parseFlags, runMain, UsageError } from "./_common.ts";

const NOTEBOOKS = join(PROJECT_ROOT, "notebooks");

interface Notebook {
  cells: { cell_type: string; source: string | string[] }[];
}

function listNotebooks(only?: string): string[] {
  const names = [...Deno.readDirSync(NOTEBOOKS)]
    .filter((e) => e.isFile && e.name.endsWith(".ipynb") && (!only || e.name.startsWith(only)))
    .map((e) => join(NOTEBOOKS, e.name))
    .sort();
  if (names.length === 0) {
    throw new UsageError(`No notebook in ${NOTEBOOKS} matches '${only ?? "*"}'`);
  }
  return names;
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  const { code } = await new Deno.Command(cmd, {
    args,
    env,
    stdout: "inherit",
    stderr: "inherit",
    stdin: "null",
  }).spawn().status;
  return code;
}

/** Code cells of a notebook as one TypeScript module. */
export function notebookCode(notebook: Notebook): string {
  return notebook.cells
    .filter((c) => c.cell_type === "code")
    .map((c, i) => `// cell ${i + 1}\n${Array.isArray(c.source) ? c.source.join("") : c.source}\n`)
    .join("\n") + "\nexport {};\n";
}

async function check(paths: string[]): Promise<number> {
  let failed = 0;
  for (const path of paths) {
    const tmp = join(NOTEBOOKS, `.check_${basename(path, ".ipynb")}.ts`);
    await Deno.writeTextFile(tmp, notebookCode(JSON.parse(await Deno.readTextFile(path))));
    try {
      console.log(`check ${basename(path)}`);
      if (await run(Deno.execPath(), ["check", "--quiet", tmp]) !== 0) failed++;
      else if (
        await run(Deno.execPath(), ["lint", "--quiet", "--rules-exclude=no-console", tmp]) !== 0
      ) failed++;
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
  }
  return failed === 0 ? 0 : 1;
}

async function ensureKernel(): Promise<void> {
  const out = await new Deno.Command("jupyter", {
    args: ["kernelspec", "list", "--json"],
    stdout: "piped",
    stderr: "null",
  })
    .output().catch(() => null);
  if (!out || out.code !== 0) {
    throw new EnvironmentError(
      "Jupyter is not installed: apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-core jupyter-client (Debian) or pip install nbconvert nbclient",
    );
  }
  const specs = JSON.parse(new TextDecoder().decode(out.stdout)).kernelspecs ?? {};
  const argv0 = specs.deno?.spec?.argv?.[0];
  // The kernelspec stores an absolute path to deno: reinstall it when deno moved (npx caches).
  if (argv0 !== Deno.execPath()) {
    if (await run(Deno.execPath(), ["jupyter", "--install", "--force"]) !== 0) {
      throw new EnvironmentError("deno jupyter --install failed");
    }
  }
}

/** The Python that has nbclient (Jupyter's own; pyenv shims may shadow Debian's). */
async function findPython(): Promise<string> {
  for (const candidate of ["python3", "/usr/bin/python3", "python"]) {
    const ok = await new Deno.Command(candidate, {
      args: ["-c", "import nbclient, nbformat"],
      stdout: "null",
      stderr: "null",
    }).output().then((o) => o.code === 0, () => false);
    if (ok) return candidate;
  }
  throw new EnvironmentError(
    "No Python with nbclient found: apt-get install -y python3-nbclient (Debian) or pip install nbclient",
  );
}

async function execute(paths: string[], outputRoot: string): Promise<number> {
  await ensureKernel();
  const python = await findPython();
  const outputDir = join(outputRoot, "notebooks");
  await Deno.mkdir(outputDir, { recursive: true });
  console.log(
    `Executed notebooks go to ${outputDir}/; the runs, report and figures they make to ` +
      `${outputRoot}/{results,report,figures}/ (never the project's own folders)`,
  );
  const failures: string[] = [];
  for (const path of paths) {
    const t0 = performance.now();
    console.log(`execute ${basename(path)}`);
    // nbclient with a short grace period after each cell (see _execute_notebook.py): the Deno
    // kernel can publish a cell's result after its idle status, which plain nbconvert drops.
    const code = await run(python, [
      fileURLToPath(new URL("./_execute_notebook.py", import.meta.url)),
      path,
      join(outputDir, basename(path)),
      "1200",
    ], { DENO_V8_FLAGS: "--expose-gc", NO_COLOR: "1", [OUTPUT_DIR_ENV]: outputRoot });
    console.log(
      `${code === 0 ? "ok" : "FAILED"} ${basename(path)} (${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s)`,
    );
    if (code !== 0) failures.push(basename(path));
  }
  console.log(
    `${paths.length - failures.length} notebook(s) executed, ${failures.length} failed${
      failures.length ? `: ${failures.join(", ")}` : ""
    }; executed copies in ${outputDir}/, results in ${join(outputRoot, "results")}/`,
  );
  return failures.length ? 1 : 0;
}

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    check: { type: "boolean" },
    only: { type: "string" },
    "output-dir": { type: "string" },
    help: { type: "boolean" },
  });
  if (values.help) {
    console.log(
      "Usage: deno task notebooks [--only PREFIX] [--output-dir DIR] | --check\n" +
        "  DIR receives notebooks/ (executed copies), results/, report/ and figures/;\n" +
        "  without --output-dir a new temporary folder is used and named.",
    );
    return Promise.resolve(0);
  }
  const paths = listNotebooks(values.only);
  if (values.check) return check(paths);
  const outputDir = dirFlag("output-dir", values["output-dir"]);
  const root = outputDir
    ? resolve(outputDir)
    : Deno.makeTempDirSync({ prefix: "edge-bench-notebooks-" });
  return execute(paths, root);
}

if (import.meta.main) await runMain(() => main(Deno.args));
