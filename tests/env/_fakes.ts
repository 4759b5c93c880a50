/** Stand-ins for commands and files, so capture can be driven on any platform. */
import type { CommandRunner } from "../../lib/env/mod.ts";

/** A runner that answers from a table keyed by the command line and records every call. */
export function fakeRunner(
  table: Record<string, string | { code: number; stdout: string }>,
): { run: CommandRunner; calls: string[] } {
  const calls: string[] = [];
  const run: CommandRunner = (cmd, args) => {
    const line = [cmd, ...args].join(" ");
    calls.push(line);
    const answer = table[line];
    if (answer === undefined) {
      return Promise.reject(new Deno.errors.NotFound(`fake: no such command: ${line}`));
    }
    return Promise.resolve(typeof answer === "string" ? { code: 0, stdout: answer } : answer);
  };
  return { run, calls };
}

/** A runner for a machine where no command exists. */
export function failingRunner(cmd: string, _args: string[]): Promise<never> {
  return Promise.reject(new Deno.errors.NotFound(`no such command: ${cmd}`));
}

/** A file reader (or directory lister) for a machine where no file exists. */
export function failingReader(path: string): Promise<never> {
  return Promise.reject(new Deno.errors.NotFound(path));
}
