import assert from "node:assert/strict";
import { MemoryParseError, parsePsTable } from "../../lib/memory/mod.ts";
import { readFixture } from "../helpers/mod.ts";

const SOCKETRY = "ps_ax_o_pid_ppid_pgid_pcpu_time_vsz_rss_etime_command_socketry3.txt";
const SOCKETRY_COLUMNS = ["pid", "ppid", "pgid", "pcpu", "time", "vsz", "rss", "etime", "command"];
const LLMSTER = "llmster_linux_process_tree_lms502.txt";

Deno.test("parsePsTable() reads the header-less macOS rows of the socketry fixture", async () => {
  const rows = parsePsTable(await readFixture(SOCKETRY), SOCKETRY_COLUMNS);
  assert.equal(rows.length, 2);
  assert.deepEqual(
    rows.map(({ pid, ppid, rss_bytes, command }) => ({ pid, ppid, rss_bytes, command })),
    [
      // rss 9120 KiB × 1024 = 9 338 880 bytes; the command keeps its spaces
      { pid: 3644, ppid: 3608, rss_bytes: 9_338_880, command: "ruby bin/falcon serve -n 1" },
      // rss 6320 KiB × 1024 = 6 471 680 bytes
      { pid: 3662, ppid: 3644, rss_bytes: 6_471_680, command: "server" },
    ],
  );
  assert.equal(rows[0].fields.vsz, "411105984");
  assert.equal(rows[0].fields.time, "0:00.37");
  assert.equal(rows[1].fields.etime, "43:48");
});

Deno.test("parsePsTable() accepts ps's `pid=` column syntax", async () => {
  const columns = SOCKETRY_COLUMNS.map((column) => `${column}=`);
  const rows = parsePsTable(await readFixture(SOCKETRY), columns);
  assert.deepEqual(rows.map((row) => row.pid), [3644, 3662]);
});

Deno.test("parsePsTable() skips a header line and gives the same rows", async () => {
  const text = await readFixture(SOCKETRY);
  const header = "  PID  PPID  PGID  %CPU      TIME       VSZ    RSS  ELAPSED COMMAND\n";
  assert.deepEqual(
    parsePsTable(header + text, SOCKETRY_COLUMNS),
    parsePsTable(text, SOCKETRY_COLUMNS),
  );
});

Deno.test("parsePsTable() reads the UID PID PPID CMD layout of the llmster fixture", async () => {
  const rows = parsePsTable(await readFixture(LLMSTER), ["uid", "pid", "ppid", "cmd"]);
  assert.deepEqual(
    rows.map(({ pid, ppid, rss_bytes, command }) => ({ pid, ppid, rss_bytes, command })),
    [
      { pid: 1358, ppid: 1, rss_bytes: null, command: "llmster" },
      {
        pid: 1414,
        ppid: 1358,
        rss_bytes: null,
        command: "/home/jirka/.lmstudio/.internal/utils/node ...",
      },
      {
        pid: 7054,
        ppid: 1358,
        rss_bytes: null,
        command: "/home/jirka/.lmstudio/.internal/utils/node ...",
      },
    ],
  );
  assert.equal(rows[0].fields.uid, "jirka");
});

Deno.test("parsePsTable() reads this machine's `ps -ax -o pid=,ppid=,rss=,command=` and finds the test process", async () => {
  const output = await new Deno.Command("ps", {
    args: ["-ax", "-o", "pid=,ppid=,rss=,command="],
    stdout: "piped",
  }).output();
  const rows = parsePsTable(new TextDecoder().decode(output.stdout), [
    "pid",
    "ppid",
    "rss",
    "command",
  ]);
  const self = rows.find((row) => row.pid === Deno.pid);
  assert.ok(self, `pid ${Deno.pid} not in ps output`);
  const stat = await Deno.readTextFile("/proc/self/stat");
  const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  assert.equal(self.ppid, ppid);
  assert.ok(self.rss_bytes !== null && self.rss_bytes > 10 * 1024 * 1024, String(self.rss_bytes));
  assert.match(self.command ?? "", /deno/);
});

Deno.test("parsePsTable() gives no rows for empty output", () => {
  assert.deepEqual(parsePsTable("\n\n", ["pid", "command"]), []);
});

Deno.test("parsePsTable() refuses a column list without pid", () => {
  assert.throws(
    () => parsePsTable("1 init\n", ["ppid", "command"]),
    (error) =>
      error instanceof RangeError &&
      error.message ===
        `Cannot parse a ps table without a 'pid' column: current columns are ["ppid","command"]`,
  );
});

Deno.test("parsePsTable() rejects a row with too few columns after the first line", () => {
  assert.throws(
    () => parsePsTable("  1   0  512 /sbin/launchd\n  2   1\n", ["pid", "ppid", "rss", "command"]),
    (error) =>
      error instanceof MemoryParseError &&
      error.message ===
        "Cannot parse ps row 2: expected 4 columns (pid, ppid, rss, command): current value is '2 1'",
  );
});

Deno.test("parsePsTable() rejects a row whose pid is not an integer after the first line", () => {
  assert.throws(
    () => parsePsTable("  1   0 init\n  x   1 sh\n", ["pid", "ppid", "command"]),
    (error) =>
      error instanceof MemoryParseError &&
      error.message === "Cannot parse ps row 2: pid must be an integer: current value is 'x'",
  );
});
