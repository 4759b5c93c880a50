/**
 * The third-party OpenAI-compatible server the tests run against: llama-cpp-python's
 * `python -m llama_cpp.server`, from PyPI. PyPI has only its sdist, so the first setup on a machine
 * compiles llama.cpp into a wheel (minutes); the wheel is kept in the user cache, so a second setup
 * (or a new venv) only installs it. It lives in its own venv under the user cache: nothing is
 * installed into the system's Python.
 * @module
 */
import { join } from "node:path";
import { userCacheDir } from "../download/mod.ts";
import { findPythonWithPip, runCommand, SetupError } from "./_python.ts";

/** The llama-cpp-python release the tests use (pinned: its server's behaviour is tested). */
export const LLAMA_CPP_PYTHON_VERSION = "0.3.36";

/** An installed server. */
export interface LlamaCppServerInstall {
  /** The venv's Python: run `<python> -m llama_cpp.server --model ... --host 127.0.0.1`. */
  python: string;
  version: string;
  /** The cached wheel it was installed from. */
  wheel: string | null;
}

/** Options shared by {@linkcode findLlamaCppServer} and {@linkcode installLlamaCppServer}. */
export interface LlamaCppServerOptions {
  /** @default `<user cache>/llama-cpp-python/<version>` */
  dir?: string;
  /** @default `<user cache>/wheels` */
  wheelDir?: string;
  /** @default Deno.env.get */
  env?: (name: string) => string | undefined;
}

/** Progress of {@linkcode installLlamaCppServer}. */
export type LlamaCppServerProgress =
  | { stage: "build"; wheelDir: string }
  | { stage: "venv"; dir: string }
  | { stage: "install"; wheel: string }
  | { stage: "pip"; line: string };

function paths(options: LlamaCppServerOptions) {
  const env = options.env ?? ((n: string) => Deno.env.get(n));
  const cache = userCacheDir(env);
  const dir = options.dir ?? join(cache, "llama-cpp-python", LLAMA_CPP_PYTHON_VERSION);
  return {
    dir,
    venv: join(dir, "venv"),
    python: join(dir, "venv", "bin", "python"),
    wheelDir: options.wheelDir ?? join(cache, "wheels"),
  };
}

function cachedWheel(wheelDir: string): string | null {
  try {
    const name = [...Deno.readDirSync(wheelDir)].map((e) => e.name).find((n) =>
      n.startsWith(`llama_cpp_python-${LLAMA_CPP_PYTHON_VERSION}-`) && n.endsWith(".whl")
    );
    return name ? join(wheelDir, name) : null;
  } catch {
    return null;
  }
}

/** The installed server, or null when setup has not installed it on this machine. */
export async function findLlamaCppServer(
  options: LlamaCppServerOptions = {},
): Promise<LlamaCppServerInstall | null> {
  const p = paths(options);
  const out = await runCommand(p.python, [
    "-c",
    "import llama_cpp, llama_cpp.server.app; print(llama_cpp.__version__)",
  ]);
  if (out.code !== 0) return null;
  return { python: p.python, version: out.stdout.trim(), wheel: cachedWheel(p.wheelDir) };
}

/** Options for {@linkcode installLlamaCppServer}. */
export interface InstallLlamaCppServerOptions extends LlamaCppServerOptions {
  onProgress?: (progress: LlamaCppServerProgress) => void;
  /**
   * CMake flags for the build. @default llama.cpp's CPU (or Metal on macOS) build without the
   * multimodal library, which the tests do not use
   */
  cmakeArgs?: string;
}

/** What {@linkcode installLlamaCppServer} did. */
export interface InstalledLlamaCppServer extends LlamaCppServerInstall {
  /** Whether the wheel had to be compiled (first setup on this machine). */
  built: boolean;
  /** Whether anything was done at all (false: it was already installed). */
  changed: boolean;
}

/**
 * Install llama-cpp-python's server into its own venv in the user cache: reuse the installed one,
 * else install the cached wheel, else compile the wheel first (`pip wheel`, minutes) and cache it.
 * @throws {SetupError} naming the step that failed and the end of its output.
 */
export async function installLlamaCppServer(
  options: InstallLlamaCppServerOptions = {},
): Promise<InstalledLlamaCppServer> {
  const found = await findLlamaCppServer(options);
  if (found) return { ...found, built: false, changed: false };
  const p = paths(options);
  const progress = options.onProgress ?? (() => {});
  const onLine = (line: string) => progress({ stage: "pip", line });
  const { python } = await findPythonWithPip();
  let wheel = cachedWheel(p.wheelDir);
  let built = false;
  if (!wheel) {
    await Deno.mkdir(p.wheelDir, { recursive: true });
    progress({ stage: "build", wheelDir: p.wheelDir });
    const cores = String(navigator.hardwareConcurrency ?? 2);
    const out = await runCommand(python, [
      "-m",
      "pip",
      "wheel",
      "--no-deps",
      "--disable-pip-version-check",
      "--progress-bar",
      "off",
      "--wheel-dir",
      p.wheelDir,
      `llama-cpp-python==${LLAMA_CPP_PYTHON_VERSION}`,
    ], {
      onLine,
      env: {
        CMAKE_ARGS: options.cmakeArgs ?? "-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF",
        CMAKE_BUILD_PARALLEL_LEVEL: cores,
        MAKEFLAGS: `-j${cores}`,
      },
    });
    wheel = cachedWheel(p.wheelDir);
    if (out.code !== 0 || !wheel) {
      throw new SetupError(
        `Building llama-cpp-python ${LLAMA_CPP_PYTHON_VERSION} failed (exit ${out.code}; it needs ` +
          `cmake and a C++ compiler: apt-get install cmake g++, or xcode-select --install): ${
            (out.stderr || out.stdout).trim().split("\n").slice(-5).join(" | ").slice(0, 800)
          }`,
      );
    }
    built = true;
  }
  progress({ stage: "venv", dir: p.venv });
  const venv = await runCommand(python, ["-m", "venv", "--clear", p.venv]);
  if (venv.code !== 0) {
    throw new SetupError(
      `Cannot create a venv at ${p.venv} (Debian: apt-get install python3-venv): ${venv.stderr.trim()}`,
    );
  }
  progress({ stage: "install", wheel });
  const install = await runCommand(p.python, [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "--progress-bar",
    "off",
    `${wheel}[server]`,
  ], { onLine });
  if (install.code !== 0) {
    throw new SetupError(
      `Installing ${wheel}[server] into ${p.venv} failed: ${
        install.stderr.trim().split("\n").slice(-5).join(" | ").slice(0, 800)
      }`,
    );
  }
  const ready = await findLlamaCppServer(options);
  if (!ready) throw new SetupError(`llama_cpp.server does not import in ${p.venv} after install`);
  return { ...ready, built, changed: true };
}
