/** The process runner under the sandboxes: memory watch, output cap, kill of the whole group. */
import assert from "node:assert/strict";
import { runLaunch } from "../../lib/sandbox/_process.ts";

const clock = () => performance.now();

function shLaunch(script: string) {
  return { cmd: "/bin/sh", args: ["-c", script], env: { PATH: "/usr/bin:/bin" }, cwd: "/" };
}

Deno.test("runLaunch() kills the process when the memory watch reads more than the limit", async () => {
  const samples: number[] = [];
  const start = performance.now();
  const outcome = await runLaunch(shLaunch("sleep 30"), {
    timeoutMs: 20_000,
    maxOutputBytes: 100,
    clock,
    memoryWatch: {
      limitBytes: 1000,
      intervalMs: 10,
      sample: (pid) => {
        samples.push(pid);
        return Promise.resolve(samples.length < 3 ? 10 : 5000); // over the limit on the third read
      },
    },
  });
  assert.equal(outcome.memoryExceeded, true);
  assert.equal(outcome.timedOut, false);
  assert.equal(outcome.signal, "SIGKILL");
  assert.equal(samples.length, 3);
  assert.ok(performance.now() - start < 5000);
});

Deno.test("runLaunch() kills every process of the group at the timeout", async () => {
  const token = `edge-sandbox-group-${crypto.randomUUID()}`;
  const outcome = await runLaunch(
    shLaunch(`sh -c 'sleep 30; : ${token}' & sh -c 'sleep 30; : ${token}' & wait`),
    { timeoutMs: 300, maxOutputBytes: 100, clock },
  );
  assert.equal(outcome.timedOut, true);
  assert.ok(outcome.durationMs >= 300 && outcome.durationMs < 2300, `${outcome.durationMs}`);
  const ps = await new Deno.Command("ps", { args: ["-eo", "stat=,args="] }).output();
  const alive = new TextDecoder().decode(ps.stdout).split("\n")
    .filter((line) => line.includes(token) && !line.trim().startsWith("Z"));
  assert.deepEqual(alive, []);
});

Deno.test("runLaunch() keeps the first bytes and a tail of a long output and counts it all", async () => {
  const outcome = await runLaunch(
    shLaunch("i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done"),
    { timeoutMs: 10_000, maxOutputBytes: 12, clock },
  );
  const text = new TextDecoder();
  assert.equal(text.decode(outcome.stdout.head), "line0\nline1\n");
  assert.ok(text.decode(outcome.stdout.tail).endsWith("line1998\nline1999\n"));
  // 10 lines of 6 bytes, 90 of 7, 900 of 8, 1000 of 9 bytes: 60 + 630 + 7200 + 9000.
  assert.equal(outcome.stdout.total, 16_890);
  assert.equal(outcome.exitCode, 0);
});

Deno.test({
  name: "psRss() sums the resident memory of a process and its descendants",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const { psRss } = await import("../../lib/sandbox/_process.ts");
    const child = new Deno.Command("/bin/sh", {
      args: ["-c", "sleep 30 & sleep 30 & wait"],
      stdin: "null",
    }).spawn();
    try {
      await new Promise((r) => setTimeout(r, 300));
      const out = await new Deno.Command("/bin/ps", {
        args: ["-axo", "pid=,ppid=,rss="],
        stdout: "piped",
      }).output();
      const rows = new TextDecoder().decode(out.stdout).trim().split("\n")
        .map((l) => l.trim().split(/\s+/).map(Number));
      const own = rows.filter(([p, pp]) => p === child.pid || pp === child.pid);
      assert.equal(own.length, 3, "sh and its two sleeps");
      const total = await psRss(child.pid);
      const expected = own.reduce((s, [, , kb]) => s + kb * 1024, 0);
      // Read a moment apart: resident sizes of idle processes move by a few pages at most.
      assert.ok(
        total !== null && Math.abs(total - expected) < 256 * 1024,
        `${total} vs ${expected}`,
      );
      assert.equal(await psRss(2 ** 30), null);
    } finally {
      await new Deno.Command("pkill", { args: ["-KILL", "-P", String(child.pid)] }).output();
      await child.status; // sh's wait returns once its sleeps are gone
    }
  },
});
