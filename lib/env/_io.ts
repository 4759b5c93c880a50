/** The edges environment capture reads through: commands, files and directories. @module */

/** What a command left behind: its exit code and standard output. */
export interface CommandResult {
  /** Exit code; 0 means success. */
  code: number;
  /** Standard output as text. */
  stdout: string;
}

/** Runs `cmd` with `args`; may reject when the command does not exist. */
export type CommandRunner = (cmd: string, args: string[]) => Promise<CommandResult>;
/** Reads a text file; may reject when it does not exist. */
export type FileReader = (path: string) => Promise<string>;
/** Lists the entry names of a directory; may reject when it does not exist. */
export type DirectoryLister = (path: string) => Promise<string[]>;

/** A runner over `Deno.Command` that kills the command after `timeoutMs`. */
export function commandRunner(timeoutMs: number): CommandRunner {
  return async (cmd, args) => {
    const output = await new Deno.Command(cmd, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(timeoutMs),
    }).output();
    return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
  };
}

/** Lists a directory with `Deno.readDir`. */
export async function listDirectory(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names.sort();
}

/**
 * Runs a command and returns its stdout when it exits 0 (or with any exit code when
 * `anyCode`, for tools like sysctl that fail on one unknown name but print the rest), else
 * null; never throws.
 */
export async function stdoutOf(
  run: CommandRunner,
  cmd: string,
  args: string[],
  anyCode = false,
): Promise<string | null> {
  try {
    const result = await run(cmd, args);
    return result.code === 0 || anyCode ? result.stdout : null;
  } catch {
    return null;
  }
}

/** Reads a file, or null when it cannot be read; never throws. */
export async function textOf(read: FileReader, path: string): Promise<string | null> {
  try {
    return await read(path);
  } catch {
    return null;
  }
}

/** The trimmed text, or null when it is null or blank. */
export function trimmedOrNull(text: string | null): string | null {
  const trimmed = text?.trim();
  return trimmed ? trimmed : null;
}
