/**
 * Child processes that do not outlive the tool: every long-lived child (sandboxed programs,
 * launched servers, round workers, the Deno processes npm code forks) gets a lifeline, so a
 * kill -9 of the tool ends them too. On Linux the lifeline is a parent-death signal set by
 * util-linux `setpriv --pdeathsig SIGKILL` (it execs the command: same pid, no extra process);
 * elsewhere a POSIX sh wrapper kills the command when a pipe from the tool reaches end of file.
 * @module
 */
export {
  defaultLifeline,
  guardCommand,
  type GuardedCommand,
  type Lifeline,
  type LifelineOptions,
  setprivPath,
  spawnGuarded,
  WATCH_SCRIPT,
} from "./_lifeline.ts";
export { withGuardedForks } from "./_forks.ts";
