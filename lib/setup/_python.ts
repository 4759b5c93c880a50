/** Finding Python and pip, and running them without a shell. @module */

/** A Python interpreter with pip. */
export interface PythonWithPip {
  /** Interpreter to run (`python3`, or an absolute path). */
  python: string;
  /** `pip --version` as printed. */
  pipVersion: string;
}

/** Neither Python nor pip could be found or run; the message says what to install. */
export class SetupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SetupError";
  }
}

/** Output of one command. */
export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@linkcode runCommand}. */
export interface RunCommandOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Called with each line the command writes (stdout and stderr), as it comes. */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** Run a program (no shell), collecting its output and passing each line to `onLine`. */
export async function runCommand(
  cmd: string,
  args: string[],
  options: RunCommandOptions = {},
): Promise<CommandOutput> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd, {
      args,
      env: options.env,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: options.signal,
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { code: 127, stdout: "", stderr: `${cmd}: not found` };
    }
    throw error;
  }
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    let all = "";
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      all += chunk;
      pending += chunk;
      const lines = pending.split(/\r?\n|\r/);
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) options.onLine?.(line);
    }
    if (pending.trim()) options.onLine?.(pending);
    return all;
  };
  const [stdout, stderr, status] = await Promise.all([
    collect(child.stdout),
    collect(child.stderr),
    child.status,
  ]);
  return { code: status.code, stdout, stderr };
}

/**
 * The first of `python3`, `python` that runs `-m pip --version`.
 * @throws {SetupError} when none does, naming what to install.
 */
export async function findPythonWithPip(
  candidates: string[] = ["python3", "python"],
): Promise<PythonWithPip> {
  const tried: string[] = [];
  for (const python of candidates) {
    const out = await runCommand(python, ["-m", "pip", "--version"]);
    if (out.code === 0) return { python, pipVersion: out.stdout.trim() };
    tried.push(`${python}: ${(out.stderr.trim().split("\n").pop() ?? "").slice(0, 120)}`);
  }
  throw new SetupError(
    `No Python with pip found (${tried.join("; ")}). Install Python 3 with pip ` +
      `(Debian: apt-get install python3-pip python3-venv; macOS: brew install python)`,
  );
}
