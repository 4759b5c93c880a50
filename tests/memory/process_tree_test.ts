import assert from "node:assert/strict";
import {
  LM_STUDIO_PROCESS_PATTERN,
  parsePsTable,
  type ProcessLink,
  processTree,
} from "../../lib/memory/mod.ts";
import { readFixture } from "../helpers/mod.ts";

async function llmsterRows() {
  return parsePsTable(await readFixture("llmster_linux_process_tree_lms502.txt"), [
    "uid",
    "pid",
    "ppid",
    "cmd",
  ]);
}

Deno.test("processTree() finds llmster and its two .lmstudio node workers by the LM Studio pattern", async () => {
  assert.deepEqual(processTree(await llmsterRows(), LM_STUDIO_PROCESS_PATTERN), [1358, 1414, 7054]);
});

Deno.test("processTree() takes the descendants of a root pid", async () => {
  const rows = await llmsterRows();
  assert.deepEqual(processTree(rows, [1358]), [1358, 1414, 7054]);
  assert.deepEqual(processTree(rows, [1414]), [1414]);
});

Deno.test("processTree() keeps only the roots when includeChildren is false", async () => {
  assert.deepEqual(processTree(await llmsterRows(), [1358], { includeChildren: false }), [1358]);
});

Deno.test("processTree() leaves out a root pid that is not running but follows rows naming it as parent", async () => {
  // pid 1 is not in the fixture; 1358 names it as parent, and 1414/7054 descend from 1358.
  assert.deepEqual(processTree(await llmsterRows(), [1]), [1358, 1414, 7054]);
  assert.deepEqual(processTree(await llmsterRows(), [99999]), []);
});

Deno.test("processTree() never takes an excluded pid as a pattern root", async () => {
  const rows = await llmsterRows();
  assert.deepEqual(processTree(rows, LM_STUDIO_PROCESS_PATTERN, { excludePids: [1358] }), [
    1414,
    7054,
  ]);
});

Deno.test("processTree() follows the socketry ruby server to its child", async () => {
  const rows = parsePsTable(
    await readFixture("ps_ax_o_pid_ppid_pgid_pcpu_time_vsz_rss_etime_command_socketry3.txt"),
    ["pid", "ppid", "pgid", "pcpu", "time", "vsz", "rss", "etime", "command"],
  );
  assert.deepEqual(processTree(rows, [3644]), [3644, 3662]);
  assert.deepEqual(processTree(rows, /falcon/), [3644, 3662]);
  assert.deepEqual(processTree(rows, /falcon/, { includeChildren: false }), [3644]);
});

// An LM Studio tree in the shape lmstudio-bug-tracker#2105 describes (no real macOS listing was
// found): the app, its Electron helpers, the .lmstudio node bridge, a shell the bridge spawned, an
// unrelated process, and a harness whose arguments name the backend.
const MAC_ROWS: ProcessLink[] = [
  { pid: 0, ppid: 0, command: "kernel_task" },
  { pid: 1, ppid: 0, command: "/sbin/launchd" },
  { pid: 501, ppid: 1, command: "/Applications/LM Studio.app/Contents/MacOS/LM Studio" },
  {
    pid: 502,
    ppid: 501,
    command:
      "/Applications/LM Studio.app/Contents/Frameworks/LM Studio Helper (GPU).app/Contents/MacOS/LM Studio Helper (GPU) --type=gpu-process",
  },
  {
    pid: 503,
    ppid: 501,
    command: "/Users/me/.lmstudio/.internal/utils/node /Users/me/.lmstudio/.internal/x.js",
  },
  { pid: 504, ppid: 503, command: "/bin/zsh -c true" },
  { pid: 600, ppid: 1, command: "/usr/bin/ruby server.rb" },
  { pid: 700, ppid: 1, command: "deno run -A lib/cli/perf.ts --backend lmstudio" },
];

Deno.test("processTree() takes the LM Studio app, its helpers, the node bridge and the bridge's children", () => {
  assert.deepEqual(processTree(MAC_ROWS, LM_STUDIO_PROCESS_PATTERN, { excludePids: [700] }), [
    501,
    502,
    503,
    504,
  ]);
});

Deno.test("processTree() matches a harness naming the backend unless it is excluded", () => {
  assert.ok(processTree(MAC_ROWS, LM_STUDIO_PROCESS_PATTERN).includes(700));
});

Deno.test("processTree() unions pid roots and pattern roots and survives the kernel's self-parent", () => {
  assert.deepEqual(processTree(MAC_ROWS, { pids: [600], namePattern: /Helper \(GPU\)/ }), [
    502,
    600,
  ]);
  assert.equal(processTree(MAC_ROWS, [0]).length, MAC_ROWS.length);
});

Deno.test("processTree() is not thrown off by a global regex's lastIndex", () => {
  const pattern = /lmstudio/gi;
  assert.deepEqual(processTree(MAC_ROWS, pattern, { excludePids: [700] }), [503, 504]);
  assert.deepEqual(processTree(MAC_ROWS, pattern, { excludePids: [700] }), [503, 504]);
});
