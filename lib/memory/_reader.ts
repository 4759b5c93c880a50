import { createDarwinReader, type DarwinReaderOptions } from "./_reader_darwin.ts";
import { createLinuxReader, type LinuxReaderOptions } from "./_reader_linux.ts";
import type { MemoryReader } from "./_types.ts";

/** Options of {@linkcode createMemoryReader}: the platform plus the options of its reader. */
export interface MemoryReaderOptions extends DarwinReaderOptions, LinuxReaderOptions {
  /** Platform to read (`darwin` or `linux`). @default Deno.build.os */
  platform?: string;
}

/**
 * The memory reader of a platform: {@linkcode createDarwinReader} on macOS,
 * {@linkcode createLinuxReader} on Linux.
 *
 * @throws {RangeError} on any other platform.
 */
export function createMemoryReader(options: MemoryReaderOptions = {}): MemoryReader {
  const platform = options.platform ?? Deno.build.os;
  if (platform === "darwin") return createDarwinReader(options);
  if (platform === "linux") return createLinuxReader(options);
  throw new RangeError(
    `Cannot sample memory on this platform: supported are 'darwin' and 'linux': current value is '${platform}'`,
  );
}
