import { excerpt, MemoryReadError } from "./_errors.ts";

/**
 * Runs `cmd` with `args` through `Deno.Command` and resolves with its stdout.
 *
 * @throws {Deno.errors.NotFound} when the command does not exist.
 * @throws {MemoryReadError} when it exits non-zero; the message quotes its stderr.
 */
export async function runCommand(cmd: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const decoder = new TextDecoder();
  if (!output.success) {
    throw new MemoryReadError(
      `Command '${cmd} ${args.join(" ")}' failed: exit code is ${output.code}, stderr is '${
        excerpt(decoder.decode(output.stderr), 200)
      }'`,
    );
  }
  return decoder.decode(output.stdout);
}
