import assert from "node:assert/strict";
import {
  MemoryParseError,
  parseMeminfo,
  parseProcStat,
  parseProcStatus,
} from "../../lib/memory/mod.ts";

// Captured on the Debian test machine with `cat /proc/self/status` (first 33 lines, tabs kept).
const STATUS = [
  "Name:\tcat",
  "Umask:\t0022",
  "State:\tR (running)",
  "Tgid:\t4440",
  "Ngid:\t0",
  "Pid:\t4440",
  "PPid:\t4434",
  "TracerPid:\t0",
  "Uid:\t0\t0\t0\t0",
  "Gid:\t0\t0\t0\t0",
  "FDSize:\t256",
  "Groups:\t ",
  "NStgid:\t4440",
  "NSpid:\t4440",
  "NSpgid:\t4434",
  "NSsid:\t2448",
  "Kthread:\t0",
  "VmPeak:\t    3060 kB",
  "VmSize:\t    3060 kB",
  "VmLck:\t       0 kB",
  "VmPin:\t       0 kB",
  "VmHWM:\t    1616 kB",
  "VmRSS:\t    1616 kB",
  "RssAnon:\t     116 kB",
  "RssFile:\t    1500 kB",
  "RssShmem:\t       0 kB",
  "VmData:\t     360 kB",
  "VmStk:\t     132 kB",
  "VmExe:\t      20 kB",
  "VmLib:\t    1528 kB",
  "VmPTE:\t      40 kB",
  "VmSwap:\t       0 kB",
  "Threads:\t1",
].join("\n");

// Captured on the same machine with `cat /proc/meminfo` (first 5 lines).
const MEMINFO = [
  "MemTotal:       24684092 kB",
  "MemFree:        24371796 kB",
  "MemAvailable:   24351596 kB",
  "Buffers:            6348 kB",
  "Cached:           176184 kB",
].join("\n");

// Captured with `cat /proc/self/stat` on the same machine.
const STAT =
  "3831 (cat) R 3827 3827 2448 0 -1 4194304 102 0 0 0 0 0 0 0 20 0 1 0 26873 3133440 379 18446744073709551615 94537780916224 94537780936105 140721896800016 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94537780952112 94537780953728 94537903685632 140721896807138 140721896807158 140721896807158 140721896808427 0";

async function stdout(cmd: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(cmd, { args, stdout: "piped" }).output();
  assert.ok(output.success, `${cmd} ${args.join(" ")} failed`);
  return new TextDecoder().decode(output.stdout);
}

Deno.test("parseProcStatus() reads name, pids and VmRSS/VmHWM in bytes from a captured status file", () => {
  assert.deepEqual(parseProcStatus(STATUS), {
    name: "cat",
    pid: 4440,
    ppid: 4434,
    vm_rss_bytes: 1_654_784, // 1616 kB × 1024
    vm_hwm_bytes: 1_654_784, // 1616 kB × 1024
  });
});

Deno.test("parseProcStatus() gives null memory for a status without Vm lines, as kernel threads have", () => {
  const status = parseProcStatus("Name:\tkthreadd\nState:\tS (sleeping)\nPid:\t2\nPPid:\t0\n");
  assert.equal(status.vm_rss_bytes, null);
  assert.equal(status.vm_hwm_bytes, null);
  assert.equal(status.ppid, 0);
});

Deno.test("parseProcStatus() rejects text without Key: value lines", () => {
  assert.throws(
    () => parseProcStatus(""),
    (error) =>
      error instanceof MemoryParseError &&
      error.message ===
        "Cannot parse /proc/<pid>/status: no 'Key: value' lines: current value is ''",
  );
});

Deno.test("parseProcStatus() agrees with ps exactly, and /proc/<pid>/stat only approximately, on a live idle process", async () => {
  const child = new Deno.Command("sleep", { args: ["5"] }).spawn();
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const status = parseProcStatus(await Deno.readTextFile(`/proc/${child.pid}/status`));
    const stat = parseProcStat(await Deno.readTextFile(`/proc/${child.pid}/stat`));
    const psRssKib = Number((await stdout("ps", ["-o", "rss=", "-p", String(child.pid)])).trim());
    const pageSize = Number((await stdout("getconf", ["PAGESIZE"])).trim());
    assert.equal(status.pid, child.pid);
    assert.equal(status.ppid, Deno.pid);
    assert.equal(status.vm_rss_bytes, psRssKib * 1024);
    // stat's rss is read from per-CPU split counters without folding them (kernel ≥ 6.2): each of
    // the anon/file/shmem counters may miss up to cpus × max(32, 2 × cpus) pages. status is exact.
    const cpus = navigator.hardwareConcurrency;
    const slack = 3 * cpus * Math.max(32, 2 * cpus) * pageSize;
    assert.ok(
      Math.abs(status.vm_rss_bytes! - stat.rss_pages * pageSize) <= slack,
      `status ${status.vm_rss_bytes} vs stat ${stat.rss_pages} pages`,
    );
  } finally {
    child.kill();
    await child.status;
  }
});

Deno.test("parseProcStat() reads the fields of a captured stat line", () => {
  assert.deepEqual(parseProcStat(STAT), {
    pid: 3831,
    comm: "cat",
    state: "R",
    ppid: 3827,
    utime_ticks: 0,
    stime_ticks: 0,
    starttime_ticks: 26873, // field 22
    rss_pages: 379, // field 24
  });
});

Deno.test("parseProcStat() keeps spaces and parentheses inside comm", () => {
  const stat = parseProcStat(STAT.replace("(cat)", "(LM Studio (x))"));
  assert.equal(stat.comm, "LM Studio (x)");
  assert.equal(stat.ppid, 3827);
  assert.equal(stat.rss_pages, 379);
});

Deno.test("parseProcStat() rejects a line with too few fields", () => {
  assert.throws(
    () => parseProcStat("12 (x) S 1"),
    (error) =>
      error instanceof MemoryParseError &&
      error.message ===
        "Cannot parse /proc/<pid>/stat: expected 'pid (comm) state ppid ...' with at least 24 fields: current value is '12 (x) S 1'",
  );
});

Deno.test("parseMeminfo() reads a captured meminfo and derives used = MemTotal − MemAvailable", () => {
  assert.deepEqual(parseMeminfo(MEMINFO), {
    total_bytes: 25_276_510_208, // 24684092 kB × 1024
    free_bytes: 24_956_719_104, // 24371796 kB × 1024
    available_bytes: 24_936_034_304, // 24351596 kB × 1024
    used_bytes: 340_475_904, // (24684092 − 24351596) = 332496 kB × 1024
  });
});

Deno.test("parseMeminfo() gives a null used memory without MemAvailable", () => {
  const meminfo = parseMeminfo("MemTotal: 1000 kB\nMemFree: 10 kB\n");
  assert.equal(meminfo.total_bytes, 1_024_000);
  assert.equal(meminfo.available_bytes, null);
  assert.equal(meminfo.used_bytes, null);
});

Deno.test("parseMeminfo() agrees with `free -b` on this machine's total", async () => {
  const meminfo = parseMeminfo(await Deno.readTextFile("/proc/meminfo"));
  const memLine = (await stdout("free", ["-b"])).split("\n").find((line) =>
    line.startsWith("Mem:")
  );
  assert.ok(memLine);
  assert.equal(meminfo.total_bytes, Number(memLine.split(/\s+/)[1]));
  assert.ok(meminfo.used_bytes !== null && meminfo.used_bytes > 0);
  assert.ok(meminfo.used_bytes < meminfo.total_bytes!);
});
