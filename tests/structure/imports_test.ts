/**
 * The import graph between lib/ folders, read with `deno info --json` over every module of lib/:
 * no two folders import each other (directly or through others), and imports point down
 * (figures helpers at the bottom, results below perf, nothing below report imports it).
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ROOT } from "../helpers/mod.ts";

const LIB = join(ROOT, "lib");

async function libModules(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...await libModules(path));
    else if (e.isFile && e.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

/** Folder → folders it imports (lib/cli excluded: the entry points may import anything). */
async function folderGraph(): Promise<Map<string, Set<string>>> {
  const modules = (await libModules(LIB)).filter((p) => !relative(LIB, p).startsWith("cli/"));
  const dir = await Deno.makeTempDir({ prefix: "imports-graph-" });
  try {
    const entry = join(dir, "entry.ts");
    await Deno.writeTextFile(
      entry,
      modules.map((m) => `import ${JSON.stringify(pathToFileURL(m).href)};`).join("\n") + "\n",
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", join(ROOT, "deno.json"), entry],
      env: { DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules: { specifier: string; dependencies?: { code?: { specifier: string } }[] }[];
    };
    const folderOf = (specifier: string): string | null => {
      if (!specifier.startsWith("file:")) return null;
      const rel = relative(LIB, fileURLToPath(specifier));
      return rel.startsWith("..") || !rel.includes("/") ? null : rel.split("/")[0];
    };
    const graph = new Map<string, Set<string>>();
    for (const m of info.modules) {
      const from = folderOf(m.specifier);
      if (from === null || from === "cli") continue;
      const edges = graph.get(from) ?? new Set<string>();
      graph.set(from, edges);
      for (const d of m.dependencies ?? []) {
        const to = d.code ? folderOf(d.code.specifier) : null;
        if (to !== null && to !== from) edges.add(to);
      }
    }
    return graph;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const graph = await folderGraph();

/** Every folder reachable from `start`. */
function reachable(start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(graph.get(start) ?? [])];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    stack.push(...(graph.get(f) ?? []));
  }
  return seen;
}

Deno.test("deno info sees every lib folder with a mod.ts", async () => {
  for await (const e of Deno.readDir(LIB)) {
    if (!e.isDirectory || e.name === "cli") continue;
    assert.ok(graph.has(e.name), `lib/${e.name} is in the graph`);
  }
});

Deno.test("no lib folder imports itself back through other folders (no import cycle)", () => {
  const cycles = [...graph.keys()].filter((f) => reachable(f).has(f)).map((f) =>
    `${f} → ${[...graph.get(f)!].filter((g) => reachable(g).has(f)).join(", ")} → … → ${f}`
  );
  assert.deepEqual(cycles, []);
});

Deno.test("lib/figures imports no other lib folder, and nothing below the report imports lib/report", () => {
  assert.deepEqual([...graph.get("figures")!], []);
  for (const low of ["figures", "results", "perf", "eval", "compliance", "stats", "backends"]) {
    assert.ok(!reachable(low).has("report"), `lib/${low} reaches lib/report`);
  }
});

Deno.test("lib/results does not import lib/perf (imports point down: results below perf)", () => {
  assert.ok(!reachable("results").has("perf"), [...reachable("results")].join(", "));
  assert.ok(!reachable("perf").has("eval") && !reachable("perf").has("compliance"));
});

/** The npm packages a module loads at start (static imports only; dynamic ones load on use). */
async function staticPackages(entry: string): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { isDynamic?: boolean; code?: { specifier?: string } }[];
    }[];
    redirects?: Record<string, string>;
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const todo = [info.roots[0]];
  while (todo.length) {
    const s = todo.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of bySpecifier.get(s)?.dependencies ?? []) {
      const to = d.code?.specifier;
      if (to && !d.isDynamic) todo.push(info.redirects?.[to] ?? to);
    }
  }
  return new Set(
    [...seen].filter((s) => s.startsWith("npm:")).map((s) =>
      s.replace(/^npm:\/?/, "").replace(/(.+?)@\d.*$/, "$1")
    ),
  );
}

Deno.test("the perf command loads no engine, no Polars and no plotting at start (a run against a server never uses them; node-llama-cpp's JavaScript alone is ~47 MiB)", async () => {
  const packages = await staticPackages(join(LIB, "cli", "perf.ts"));
  assert.ok(packages.has("zod"), `the graph was read: ${[...packages].join(", ")}`);
  for (const heavy of ["node-llama-cpp", "nodejs-polars", "@observablehq/plot", "linkedom"]) {
    assert.ok(!packages.has(heavy), `${heavy} is imported statically by the perf command`);
  }
});

Deno.test("the report command loads no plotting or PNG rendering at start (a million records are loaded before Plot, linkedom and resvg take their ~70 MiB)", async () => {
  const packages = await staticPackages(join(LIB, "cli", "report.ts"));
  assert.ok(packages.has("nodejs-polars"), `the graph was read: ${[...packages].join(", ")}`);
  for (const heavy of ["@observablehq/plot", "linkedom", "@resvg/resvg-js", "node-llama-cpp"]) {
    assert.ok(!packages.has(heavy), `${heavy} is imported statically by the report command`);
  }
});
