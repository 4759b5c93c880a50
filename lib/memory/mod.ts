/**
 * Memory measurement over a model-serving process tree: parsers for macOS (`vm_stat`, `ps`,
 * `footprint`) and Linux (`/proc`) outputs, readers that take one reading of a tree and of the
 * system, and a sampler that reports peak RSS, footprint and system used memory over the whole
 * run and over (possibly overlapping) windows such as single requests.
 *
 * @module
 */

export { MemoryParseError, MemoryReadError, MemorySamplerError } from "./_errors.ts";
export {
  parseVmStat,
  VM_STAT_COUNTER_KEYS,
  type VmStat,
  type VmStatCounterKey,
  type VmStatCounters,
} from "./_vm_stat.ts";
export { parsePsTable, type PsRow } from "./_ps_table.ts";
export { type Footprint, parseFootprint } from "./_footprint.ts";
export { parseProcStatus, type ProcStatus } from "./_proc_status.ts";
export { parseProcStat, type ProcStat } from "./_proc_stat.ts";
export { type Meminfo, parseMeminfo } from "./_meminfo.ts";
export {
  LM_STUDIO_PROCESS_PATTERN,
  type ProcessLink,
  type ProcessRoots,
  processTree,
  type ProcessTreeOptions,
} from "./_process_tree.ts";
export type {
  CommandRunner,
  MemoryPlatform,
  MemoryReader,
  MemoryReading,
  MemoryTarget,
} from "./_types.ts";
export { runCommand } from "./_command.ts";
export {
  listProcesses,
  type ListProcessesOptions,
  type MatchedRoot,
  matchedRoots,
} from "./_roots.ts";
export { createLinuxReader, type LinuxReaderOptions, readProcFile } from "./_reader_linux.ts";
export { createDarwinReader, DARWIN_PS_ARGS, type DarwinReaderOptions } from "./_reader_darwin.ts";
export { createMemoryReader, type MemoryReaderOptions } from "./_reader.ts";
export {
  type MemoryPeak,
  type MemorySampler,
  type MemorySamplerOptions,
  type MemoryWindow,
  startMemorySampler,
} from "./_sampler.ts";
