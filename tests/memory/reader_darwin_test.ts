import assert from "node:assert/strict";
import {
  createDarwinReader,
  createMemoryReader,
  DARWIN_PS_ARGS,
  MemoryReadError,
  parsePsTable,
} from "../../lib/memory/mod.ts";
import { readFixture } from "../helpers/mod.ts";

const SOCKETRY = "ps_ax_o_pid_ppid_pgid_pcpu_time_vsz_rss_etime_command_socketry3.txt";
const VM_STAT = "vm_stat_apple_silicon_16384_hmcl_TRUNCATED.txt";
const FOOTPRINT = "footprint_p_ruby_applesilicon_socketry3_TRUNCATED.txt";

/** The socketry fixture's rows laid out as `ps -ax -o pid=,ppid=,rss=,command=` prints them. */
async function socketryPsOutput(): Promise<string> {
  const rows = parsePsTable(await readFixture(SOCKETRY), [
    "pid",
    "ppid",
    "pgid",
    "pcpu",
    "time",
    "vsz",
    "rss",
    "etime",
    "command",
  ]);
  const unrelated = "    1     0  12000 /sbin/launchd\n";
  return unrelated +
    rows.map((row) =>
      `${String(row.pid).padStart(5)} ${String(row.ppid).padStart(5)} ${
        row.fields.rss.padStart(6)
      } ${row.command}`
    ).join("\n") + "\n";
}

interface Call {
  cmd: string;
  args: string[];
}

/** A fake runner answering ps, vm_stat and footprint from fixtures, recording every call. */
async function fakeMac(footprintFor: (pid: number) => string | Error) {
  const ps = await socketryPsOutput();
  const vmStat = await readFixture(VM_STAT);
  const calls: Call[] = [];
  const run = (cmd: string, args: string[]) => {
    calls.push({ cmd, args });
    if (cmd === "ps") return Promise.resolve(ps);
    if (cmd === "vm_stat") return Promise.resolve(vmStat);
    if (cmd === "footprint") {
      const answer = footprintFor(Number(args[1]));
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    }
    return Promise.reject(new Error(`unexpected command ${cmd}`));
  };
  return { run, calls };
}

Deno.test("createDarwinReader() sums RSS and footprint over the tree and reads vm_stat's used memory", async () => {
  const fixture = await readFixture(FOOTPRINT);
  const { run, calls } = await fakeMac((pid) =>
    pid === 3644 ? fixture : `server [${pid}]: 64-bit    Footprint: 6 MB (16384 bytes per page)\n`
  );
  const reading = await createDarwinReader({ run }).read({ pids: [3644] });
  assert.deepEqual(reading, {
    pids: [3644, 3662],
    rss_bytes: 15_810_560, // (9120 + 6320) KiB × 1024
    footprint_bytes: 50_331_648, // (42 + 6) MB × 1 048 576
    system_used_bytes: 19_701_252_096, // see vm_stat_test.ts: 1202469 pages × 16384
  });
  assert.deepEqual(calls.find((call) => call.cmd === "ps")?.args, [...DARWIN_PS_ARGS]);
  assert.deepEqual(
    calls.filter((call) => call.cmd === "footprint").map((call) => call.args),
    [["-p", "3644"], ["-p", "3662"]],
  );
});

Deno.test("createDarwinReader() gives a null footprint when a pid is not readable and never asks for it again", async () => {
  const fixture = await readFixture(FOOTPRINT);
  const { run, calls } = await fakeMac((pid) =>
    pid === 3644 ? fixture : new MemoryReadError("footprint: not permitted")
  );
  const reader = createDarwinReader({ run });
  const first = await reader.read({ pids: [3644] });
  const second = await reader.read({ pids: [3644] });
  for (const reading of [first, second]) {
    assert.equal(reading.footprint_bytes, null);
    assert.equal(reading.rss_bytes, 15_810_560);
  }
  // First read: both pids asked once. Second read: the tree holds an unreadable pid, so none asked.
  assert.equal(calls.filter((call) => call.cmd === "footprint").length, 2);
  // A tree of readable pids only still gets its footprint.
  assert.equal(
    (await reader.read({ pids: [3644], includeChildren: false })).footprint_bytes,
    44_040_192,
  );
});

Deno.test("createDarwinReader() stops asking for footprints when the footprint command is missing", async () => {
  const { run, calls } = await fakeMac(() => new Deno.errors.NotFound("footprint: not found"));
  const reader = createDarwinReader({ run });
  await reader.read({ pids: [3644] });
  await reader.read({ pids: [3662] });
  // The first read asks for both pids at once; once both fail as missing, none is asked again.
  assert.equal(calls.filter((call) => call.cmd === "footprint").length, 2);
  assert.equal(calls.filter((call) => call.cmd === "ps").length, 2);
  assert.equal((await reader.read({ pids: [3662] })).footprint_bytes, null);
});

Deno.test("createDarwinReader() skips footprint when disabled and reports an empty tree as null", async () => {
  const { run, calls } = await fakeMac(() => new Error("must not be called"));
  const reader = createDarwinReader({ run, footprint: false });
  assert.equal((await reader.read({ namePattern: /falcon/ })).footprint_bytes, null);
  assert.deepEqual(await reader.read({ pids: [424242] }), {
    pids: [],
    rss_bytes: null,
    footprint_bytes: null,
    system_used_bytes: 19_701_252_096,
  });
  assert.equal(calls.filter((call) => call.cmd === "footprint").length, 0);
});

Deno.test("createDarwinReader() rejects the read when ps fails", async () => {
  const failure = new MemoryReadError("Command 'ps' failed");
  const reader = createDarwinReader({
    run: (cmd) => cmd === "ps" ? Promise.reject(failure) : Promise.resolve(""),
  });
  await assert.rejects(() => reader.read({ pids: [1] }), (error) => error === failure);
});

Deno.test("createMemoryReader() picks the reader of the platform and refuses others", () => {
  assert.equal(createMemoryReader({ platform: "darwin" }).platform, "darwin");
  assert.equal(createMemoryReader({ platform: "linux" }).platform, "linux");
  assert.equal(createMemoryReader().platform, Deno.build.os);
  assert.throws(
    () => createMemoryReader({ platform: "windows" }),
    (error) =>
      error instanceof RangeError &&
      error.message ===
        "Cannot sample memory on this platform: supported are 'darwin' and 'linux': current value is 'windows'",
  );
});
