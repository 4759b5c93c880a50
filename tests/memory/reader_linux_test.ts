import assert from "node:assert/strict";
import {
  createLinuxReader,
  MemoryReadError,
  parseMeminfo,
  parseProcStatus,
  readProcFile,
} from "../../lib/memory/mod.ts";

async function psRss(pid: number): Promise<number> {
  const output = await new Deno.Command("ps", {
    args: ["-o", "rss=", "-p", String(pid)],
    stdout: "piped",
  })
    .output();
  return Number(new TextDecoder().decode(output.stdout).trim()) * 1024;
}

function spawn(cmd: string, args: string[]) {
  return new Deno.Command(cmd, { args }).spawn();
}

async function settle(ms = 100) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("readProcFile() reads a /proc file whole and gives null for a missing one", () => {
  const status = readProcFile("/proc/self/status");
  assert.ok(status !== null);
  assert.equal(parseProcStatus(status).pid, Deno.pid);
  assert.equal(readProcFile("/proc/0/status"), null);
});

Deno.test("createLinuxReader() reads an idle child's RSS exactly as ps does", async () => {
  const child = spawn("sleep", ["5"]);
  try {
    await settle();
    const reading = await createLinuxReader().read({ pids: [child.pid] });
    assert.deepEqual(reading.pids, [child.pid]);
    assert.equal(reading.rss_bytes, await psRss(child.pid));
    assert.equal(reading.footprint_bytes, null);
    const meminfo = parseMeminfo(await Deno.readTextFile("/proc/meminfo"));
    assert.ok(reading.system_used_bytes! > 0 && reading.system_used_bytes! < meminfo.total_bytes!);
  } finally {
    child.kill();
    await child.status;
  }
});

Deno.test("createLinuxReader() finds a tree by command line and includes its children", async () => {
  // sh runs sleep as a child (the trailing `; :` keeps sh from exec-ing into sleep).
  const child = spawn("sh", ["-c", "sleep 7.3125; :", "memory-reader-test-marker"]);
  try {
    await settle();
    const reader = createLinuxReader();
    const reading = await reader.read({ namePattern: /sleep 7\.3125; :/ });
    assert.equal(reading.pids.length, 2, `pids ${reading.pids}`);
    assert.equal(reading.pids[0], child.pid);
    const [shRss, sleepRss] = await Promise.all(reading.pids.map(psRss));
    assert.equal(reading.rss_bytes, shRss + sleepRss);
    const rootOnly = await reader.read({ namePattern: /sleep 7\.3125; :/, includeChildren: false });
    assert.deepEqual(rootOnly.pids, [child.pid]);
  } finally {
    child.kill();
    await child.status;
  }
});

Deno.test("createLinuxReader() gives an empty tree and null RSS for a pid that has exited", async () => {
  const child = spawn("true", []);
  await child.status;
  const reader = createLinuxReader();
  for (const includeChildren of [true, false]) {
    const reading = await reader.read({ pids: [child.pid], includeChildren });
    assert.deepEqual(reading.pids, []);
    assert.equal(reading.rss_bytes, null);
    assert.ok(reading.system_used_bytes !== null);
  }
});

interface FakeProcess {
  ppid: number;
  comm: string;
  cmdline: string;
  rssKib: number;
  start?: number;
  /** Thread group id: another pid for a thread. @default the pid */
  tgid?: number;
}

/**
 * A fake procfs: stat/status/statm/cmdline per pid plus meminfo (and loadavg once `lastPid` is
 * set), with a log of the files read. Pages are 4 KiB. `add` creates a process (listed) or a
 * thread (not listed, like /proc's hidden thread ids).
 */
function fakeProc(processes: Record<number, FakeProcess>) {
  const reads: string[] = [];
  const files = new Map<string, string>();
  const listed = new Set<string>();
  const add = (pid: number, p: FakeProcess) => {
    files.set(
      `/fake/${pid}/stat`,
      `${pid} (${p.comm}) S ${p.ppid} 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${p.start ?? 100} 0 0 0`,
    );
    files.set(
      `/fake/${pid}/status`,
      `Name:\t${p.comm}\nTgid:\t${p.tgid ?? pid}\nPid:\t${pid}\nVmRSS:\t${p.rssKib} kB\n`,
    );
    files.set(`/fake/${pid}/statm`, `999 ${p.rssKib / 4} 10 1 0 50 0\n`);
    files.set(`/fake/${pid}/cmdline`, p.cmdline.replaceAll(" ", "\0") + "\0");
    if ((p.tgid ?? pid) === pid) listed.add(String(pid));
  };
  const remove = (pid: number) => {
    for (const f of ["stat", "status", "statm", "cmdline"]) files.delete(`/fake/${pid}/${f}`);
    listed.delete(String(pid));
  };
  for (const [pid, p] of Object.entries(processes)) add(Number(pid), p);
  files.set("/fake/meminfo", "MemTotal: 1000 kB\nMemAvailable: 400 kB\n");
  return {
    files,
    reads,
    add,
    remove,
    setLastPid: (pid: number) => files.set("/fake/loadavg", `0.50 0.40 0.30 2/150 ${pid}\n`),
    options: {
      procDir: "/fake",
      pageSize: 4096,
      listDir: () => ["self", "meminfo", ...listed],
      readFile: (path: string) => {
        reads.push(path);
        return files.get(path) ?? null;
      },
    },
  };
}

Deno.test("createLinuxReader() drops a process that vanishes between the scan and its statm read", async () => {
  const proc = fakeProc({
    10: { ppid: 1, comm: "llmster", cmdline: "llmster", rssKib: 100 },
    11: { ppid: 10, comm: "node", cmdline: "/home/u/.lmstudio/.internal/utils/node x", rssKib: 52 },
  });
  proc.files.delete("/fake/11/statm");
  const reading = await createLinuxReader(proc.options).read({ pids: [10] });
  assert.deepEqual(reading, {
    pids: [10],
    rss_bytes: 102_400, // 100 kB × 1024
    footprint_bytes: null,
    system_used_bytes: 614_400, // (1000 − 400) kB × 1024
  });
});

Deno.test("createLinuxReader() reads each command line once per process instance", async () => {
  const proc = fakeProc({
    10: { ppid: 1, comm: "llmster", cmdline: "llmster", rssKib: 100 },
    11: { ppid: 10, comm: "node", cmdline: "/home/u/.lmstudio/.internal/utils/node x", rssKib: 52 },
    12: { ppid: 1, comm: "bash", cmdline: "bash", rssKib: 8 },
  });
  const reader = createLinuxReader(proc.options);
  const target = { namePattern: /llmster|\.lmstudio\// };
  assert.equal((await reader.read(target)).rss_bytes, 155_648); // (100 + 52) kB × 1024
  await reader.read(target);
  assert.equal(proc.reads.filter((path) => path.endsWith("/cmdline")).length, 3);
  // pid 12 execs into a new program: its comm changes, so its command line is read again.
  proc.files.set("/fake/12/stat", proc.files.get("/fake/12/stat")!.replace("(bash)", "(llmster)"));
  proc.files.set("/fake/12/cmdline", "llmster\0--port\0");
  assert.deepEqual((await reader.read(target)).pids, [10, 11, 12]);
  assert.equal(proc.reads.filter((path) => path.endsWith("/cmdline")).length, 4);
});

Deno.test("createLinuxReader() reads only the given pids when children are not wanted", async () => {
  const proc = fakeProc({ 10: { ppid: 1, comm: "a", cmdline: "a", rssKib: 4 } });
  await createLinuxReader(proc.options).read({ pids: [10, 10], includeChildren: false });
  assert.deepEqual(proc.reads, ["/fake/10/statm", "/fake/meminfo"]);
});

Deno.test("createLinuxReader() reads only loadavg, the members' statm and meminfo while no process appears", async () => {
  const proc = fakeProc({
    10: { ppid: 1, comm: "server", cmdline: "server", rssKib: 400 },
    11: { ppid: 10, comm: "worker", cmdline: "worker", rssKib: 40 },
    12: { ppid: 1, comm: "bash", cmdline: "bash", rssKib: 8 },
  });
  proc.setLastPid(12);
  const reader = createLinuxReader(proc.options);
  assert.deepEqual((await reader.read({ pids: [10] })).pids, [10, 11]);
  assert.ok(proc.reads.includes("/fake/12/stat"), "the first read scans every process");
  proc.reads.length = 0;
  const again = await reader.read({ pids: [10] });
  assert.equal(again.rss_bytes, 440 * 1024);
  assert.deepEqual(proc.reads, [
    "/fake/loadavg",
    "/fake/10/statm",
    "/fake/11/statm",
    "/fake/meminfo",
  ]);
});

Deno.test("createLinuxReader() examines only the new pids when one appears: a child joins, a thread and a stranger do not", async () => {
  const proc = fakeProc({
    10: { ppid: 1, comm: "server", cmdline: "server", rssKib: 400 },
    11: { ppid: 10, comm: "worker", cmdline: "worker", rssKib: 40 },
  });
  proc.setLastPid(11);
  const reader = createLinuxReader(proc.options);
  await reader.read({ pids: [10] });
  proc.add(12, { ppid: 11, comm: "helper", cmdline: "helper", rssKib: 4 }); // child of a member
  proc.add(13, { ppid: 1, comm: "server", cmdline: "server", rssKib: 400, tgid: 10 }); // thread of 10
  proc.add(14, { ppid: 1, comm: "cron", cmdline: "cron", rssKib: 4 }); // unrelated
  proc.setLastPid(15); // 15 came and went
  proc.reads.length = 0;
  const reading = await reader.read({ pids: [10] });
  assert.deepEqual(reading.pids, [10, 11, 12]);
  assert.equal(reading.rss_bytes, 444 * 1024);
  assert.deepEqual(
    proc.reads.filter((p) => p.endsWith("/stat")),
    ["/fake/12/stat", "/fake/13/stat", "/fake/14/stat", "/fake/15/stat"],
    "no full scan",
  );
  // The thread's parent is pid 1 here: it never needed its status read.
  assert.deepEqual(proc.reads.filter((p) => p.endsWith("/status")), ["/fake/12/status"]);
});

Deno.test("createLinuxReader() drops an exited member, and a reused pid joins only by its own parent", async () => {
  const proc = fakeProc({
    10: { ppid: 1, comm: "server", cmdline: "server", rssKib: 400 },
    11: { ppid: 10, comm: "worker", cmdline: "worker", rssKib: 40 },
  });
  proc.setLastPid(11);
  const reader = createLinuxReader(proc.options);
  await reader.read({ pids: [10] });
  proc.remove(11);
  assert.deepEqual((await reader.read({ pids: [10] })).pids, [10]);
  // The counter wraps and pid 11 goes to a process outside the tree: a full scan rebuilds it.
  proc.add(11, { ppid: 1, comm: "other", cmdline: "other", rssKib: 40, start: 999 });
  proc.setLastPid(3);
  proc.reads.length = 0;
  assert.deepEqual((await reader.read({ pids: [10] })).pids, [10]);
  assert.ok(proc.reads.includes("/fake/10/stat"), "a wrapped counter rescans");
});

Deno.test("createLinuxReader() looks once more at a new process whose command does not match yet", async () => {
  const proc = fakeProc({ 10: { ppid: 1, comm: "bash", cmdline: "bash", rssKib: 8 } });
  proc.setLastPid(10);
  const reader = createLinuxReader(proc.options);
  const target = { namePattern: /llmster/ };
  assert.deepEqual((await reader.read(target)).pids, []);
  // bash forks: the child runs bash until it execs llmster.
  proc.add(11, { ppid: 10, comm: "bash", cmdline: "bash", rssKib: 8, start: 200 });
  proc.setLastPid(11);
  assert.deepEqual((await reader.read(target)).pids, []);
  proc.add(11, {
    ppid: 10,
    comm: "llmster",
    cmdline: "llmster --port 1234",
    rssKib: 80,
    start: 200,
  });
  assert.deepEqual((await reader.read(target)).pids, [11]);
});

Deno.test("createLinuxReader() rejects a read when /proc/meminfo is unreadable", async () => {
  const proc = fakeProc({ 10: { ppid: 1, comm: "a", cmdline: "a", rssKib: 4 } });
  proc.files.delete("/fake/meminfo");
  await assert.rejects(
    () => createLinuxReader(proc.options).read({ pids: [10] }),
    (error) =>
      error instanceof MemoryReadError &&
      error.message ===
        "Cannot read system memory: '/fake/meminfo' is not readable: current procDir is '/fake'",
  );
});

Deno.test("createLinuxReader() lets timers run during a long scan", async () => {
  const pids = Array.from({ length: 300 }, (_, i) => 100 + i);
  const proc = fakeProc(
    Object.fromEntries(pids.map((pid) => [pid, { ppid: 1, comm: "p", cmdline: "p", rssKib: 4 }])),
  );
  let fired = 0;
  const timer = setInterval(() => fired++, 0);
  try {
    await createLinuxReader({ ...proc.options, batchSize: 10 }).read({ pids: [100] });
  } finally {
    clearInterval(timer);
  }
  assert.ok(fired > 0, "the scan never yielded to the event loop");
});

Deno.test("createLinuxReader() refuses a batch size that is not a positive integer", () => {
  assert.throws(
    () => createLinuxReader({ batchSize: 0 }),
    (error) =>
      error instanceof RangeError &&
      error.message === "batchSize must be a positive integer: current value is 0",
  );
});
