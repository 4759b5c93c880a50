/**
 * The C allocator's side of a large report: the frame's columns and their filtered copies are
 * blocks of a few hundred KiB allocated by Polars (and typed arrays by V8) through glibc's
 * `malloc`. glibc raises its mmap threshold to the largest block freed so far, so after the first
 * few hundred KiB blocks are freed, later ones go to its heaps, where freed blocks stay mapped
 * (at a million records the process kept about 200 MiB it no longer used). On Linux with glibc,
 * and where the process may call native code (`--allow-ffi`), the threshold is fixed at 128 KiB
 * (every large block is its own mapping, returned when freed) and `trim()` gives back the free
 * pages of the heaps. Elsewhere (macOS, musl, no permission) both do nothing.
 * @module
 */

/** glibc `mallopt` parameter: the size from which a block gets its own mapping. */
const M_MMAP_THRESHOLD = -3;

interface Libc {
  mallopt(param: number, value: number): number;
  malloc_trim(pad: bigint | number): number;
}

let libc: Libc | null | undefined;

function open(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (Deno.build.os !== "linux") return null;
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
    const lib = Deno.dlopen("libc.so.6", {
      mallopt: { parameters: ["i32", "i32"], result: "i32" },
      malloc_trim: { parameters: ["usize"], result: "i32" },
    });
    libc = lib.symbols as unknown as Libc;
  } catch {
    // Not glibc (musl has no libc.so.6 of that name, nor these calls): nothing to tune.
    libc = null;
  }
  return libc;
}

/**
 * Give every block of 128 KiB or more its own mapping from now on (process-wide; it costs a
 * system call per such block, nothing measurable next to filling it). True when it took effect.
 */
export function fixMmapThreshold(): boolean {
  const c = open();
  return c !== null && c.mallopt(M_MMAP_THRESHOLD, 128 * 1024) === 1;
}

/** Return the free pages of the allocator's heaps to the system. True when it ran. */
export function trim(): boolean {
  const c = open();
  if (c === null) return false;
  c.malloc_trim(0);
  return true;
}
