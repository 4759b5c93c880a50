/** Finding the Python interpreter and the folders it needs to start. @module */

/** A Python installation as the sandbox needs it. */
export interface PythonInstall {
  /** The interpreter to run: `sys.executable` (a virtualenv keeps its own path). */
  executable: string;
  /** `sys.executable` with symlinks resolved. */
  realExecutable: string;
  /** Folders the interpreter reads from (prefixes and the interpreter's folder), deduplicated. */
  dirs: string[];
}

/** Thrown when the configured interpreter cannot be started on the host to ask for its paths. */
export class PythonNotFoundError extends Error {
  constructor(python: string, detail: string, options?: ErrorOptions) {
    super(
      `Cannot use Python interpreter '${python}': ${detail}; install Python 3 or pass the ` +
        `interpreter path as the 'python' option`,
      options,
    );
    this.name = "PythonNotFoundError";
  }
}

const PROBE = [
  "import json, os, sys",
  "paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,",
  "         os.path.dirname(sys.executable)]",
  "real = [os.path.realpath(p) for p in paths]",
  "print(json.dumps({'executable': sys.executable,",
  "                  'realExecutable': os.path.realpath(sys.executable),",
  "                  'dirs': paths + real + [os.path.dirname(os.path.realpath(sys.executable))]}))",
].join("\n");

/** Drops duplicates and folders inside another listed folder. */
export function outermostDirs(dirs: readonly string[]): string[] {
  const unique = [...new Set(dirs.filter((dir) => dir.startsWith("/")))].sort();
  return unique.filter((dir) =>
    !unique.some((other) => other !== dir && (other === "/" || dir.startsWith(`${other}/`)))
  );
}

/** Asks the interpreter on the host where it lives. */
export async function probePython(python: string): Promise<PythonInstall> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(python, {
      args: ["-I", "-c", PROBE],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
  } catch (error) {
    throw new PythonNotFoundError(python, (error as Error).message, { cause: error });
  }
  const stdout = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new PythonNotFoundError(python, `it exited with code ${output.code}: ${stderr}`);
  }
  try {
    const parsed = JSON.parse(stdout) as PythonInstall;
    return { ...parsed, dirs: outermostDirs(parsed.dirs) };
  } catch (error) {
    throw new PythonNotFoundError(python, `unexpected answer: ${stdout.slice(0, 200)}`, {
      cause: error,
    });
  }
}

const cache = new Map<string, Promise<PythonInstall>>();

/** The installation behind `python`, probed once per interpreter name and shared afterwards. */
export function resolvePython(python: string): Promise<PythonInstall> {
  let install = cache.get(python);
  if (!install) {
    install = probePython(python);
    cache.set(python, install);
    install.catch(() => cache.delete(python));
  }
  return install;
}
