/**
 * Hostile programs against the real sandboxes of this platform (bwrap and unshare on Linux,
 * sandbox-exec on macOS). Each attack must be contained and reported as a failure, and the host
 * is checked afterwards. Where it is safe, a control run without isolation shows the same
 * attack succeeds, so a test cannot pass because the attack was broken.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { runPythonSandboxed, type SandboxKind, type SandboxResult } from "../../lib/sandbox/mod.ts";
import type { SandboxLimits } from "../../lib/sandbox/mod.ts";
import {
  assertHostResponsive,
  exists,
  listNames,
  platformKinds,
  processesOfUid,
  processesWithToken,
  requireSandbox,
} from "./_helpers.ts";

const KINDS = platformKinds();
const AS_ROOT = Deno.uid() === 0;

/** Host paths a test owns: a folder outside the sandbox with a sentinel, and the temp parent. */
interface Fixture {
  /** A folder the sandboxed program should neither see nor change. */
  outside: string;
  /** A file inside `outside` that must survive unchanged. */
  sentinel: string;
  sentinelText: string;
  /** Parent of each run's temporary folder; must be empty after every run. */
  tempParent: string;
  /** Unique text, for markers and process names. */
  token: string;
}

async function withFixture(fn: (fixture: Fixture) => Promise<void>): Promise<void> {
  const outside = await Deno.makeTempDir({ prefix: "edge-sandbox-outside-" });
  const tempParent = await Deno.makeTempDir({ prefix: "edge-sandbox-parent-" });
  const token = `edgetok${crypto.randomUUID().replaceAll("-", "")}`;
  const sentinel = `${outside}/keep.txt`;
  const sentinelText = `sentinel ${token}\n`;
  await Deno.writeTextFile(sentinel, sentinelText);
  await Deno.chmod(outside, 0o755);
  await Deno.chmod(sentinel, 0o644);
  try {
    await fn({ outside, sentinel, sentinelText, tempParent, token });
  } finally {
    await Deno.remove(outside, { recursive: true });
    await Deno.remove(tempParent, { recursive: true });
  }
}

/** Prints the program's uid first, so the host can look for its processes afterwards. */
const PRELUDE = 'import os as _os\nprint("UID=%d" % _os.getuid(), flush=True)\n';

async function runHostile(
  kind: SandboxKind,
  fixture: Fixture,
  program: string,
  limits: Partial<SandboxLimits> = {},
): Promise<SandboxResult> {
  await requireSandbox(kind);
  const result = await runPythonSandboxed(PRELUDE + program, {
    sandbox: kind,
    limits: { timeoutMs: 10_000, ...limits },
    tempDir: fixture.tempParent,
  });
  assert.equal(result.sandbox, kind);
  assert.notEqual(result.status, "passed", `a hostile program passed:\n${result.stdout}`);
  assert.notEqual(result.status, "error", `the sandbox did not start:\n${result.stderr}`);
  await assertHostUnharmed(fixture, result);
  return result;
}

async function assertHostUnharmed(fixture: Fixture, result: SandboxResult): Promise<void> {
  assert.deepEqual(await listNames(fixture.tempParent), [], "the run's temp folder was left");
  assert.equal(await Deno.readTextFile(fixture.sentinel), fixture.sentinelText);
  assert.deepEqual(
    await processesWithToken(fixture.token),
    [],
    "a marked process outlived the run",
  );
  const uid = /^UID=(\d+)$/m.exec(result.stdout)?.[1];
  assert.ok(uid !== undefined, `the program did not report its uid: ${result.stdout}`);
  if (AS_ROOT && Deno.build.os === "linux") {
    assert.notEqual(Number(uid), 0, "the sandboxed program ran as root");
    assert.deepEqual(await processesOfUid(Number(uid)), [], "a process of the sandbox survived");
  }
  await assertHostResponsive();
}

/** A run without isolation, to show the attack itself works. */
function runUnsafe(fixture: Fixture, program: string): Promise<SandboxResult> {
  return runPythonSandboxed(program, {
    sandbox: "none",
    allowUnsafe: true,
    limits: { timeoutMs: 10_000 },
    tempDir: fixture.tempParent,
  });
}

const py = JSON.stringify;

Deno.test("the sandboxes of this platform are installed and start a program", async () => {
  assert.ok(KINDS.length > 0, `no sandbox is supported on ${Deno.build.os}`);
  for (const kind of KINDS) await requireSandbox(kind);
});

for (const kind of KINDS) {
  Deno.test(`${kind}: a TCP connection to a server on the host's 127.0.0.1 never arrives`, async () => {
    await withFixture(async (fixture) => {
      const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      let accepted = 0;
      const accepting = (async () => {
        try {
          for await (const conn of server) {
            accepted++;
            conn.close();
          }
        } catch {
          // Listener closed.
        }
      })();
      const program = [
        "import socket",
        `s = socket.create_connection(("127.0.0.1", ${server.addr.port}), timeout=3)`,
        's.sendall(b"pwned")',
        'print("connected")',
      ].join("\n");
      try {
        const result = await runHostile(kind, fixture, program);
        assert.equal(result.status, "failed");
        assert.doesNotMatch(result.stdout, /connected/);
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(accepted, 0);
        const control = await runUnsafe(fixture, program);
        assert.equal(control.status, "passed", control.stderr);
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(accepted, 1);
      } finally {
        server.close();
        await accepting;
      }
    });
  });

  Deno.test(`${kind}: a DNS query to a resolver on the host's 127.0.0.1 never arrives`, async () => {
    await withFixture(async (fixture) => {
      const resolver = dgram.createSocket("udp4");
      let queries = 0;
      resolver.on("message", (message, remote) => {
        queries++;
        const reply = Buffer.from(message);
        reply[2] |= 0x80; // QR: this is a response (no answers: enough for the client)
        resolver.send(reply, remote.port, remote.address);
      });
      await new Promise<void>((resolve) => resolver.bind(0, "127.0.0.1", resolve));
      const port = resolver.address().port;
      const program = [
        "import socket, struct",
        'labels = b"".join(bytes([len(p)]) + p.encode() for p in "example.com".split("."))',
        'query = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + labels + b"\\0"',
        'query += struct.pack(">HH", 1, 1)',
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "s.settimeout(2)",
        `s.sendto(query, ("127.0.0.1", ${port}))`,
        "data, _ = s.recvfrom(512)",
        'print("resolved", data[:2].hex())',
      ].join("\n");
      try {
        const result = await runHostile(kind, fixture, program);
        assert.equal(result.status, "failed");
        assert.doesNotMatch(result.stdout, /resolved/);
        assert.equal(queries, 0);
        const control = await runUnsafe(fixture, program);
        assert.equal(control.status, "passed", control.stderr);
        assert.equal(queries, 1);
      } finally {
        await new Promise<void>((resolve) => resolver.close(() => resolve()));
      }
    });
  });

  Deno.test(`${kind}: a secret in the parent's environment is invisible to the program`, async () => {
    await withFixture(async (fixture) => {
      const name = `EDGE_SANDBOX_TEST_SECRET_${fixture.token}`;
      const secret = `s3cr3t-${crypto.randomUUID()}`;
      Deno.env.set(name, secret);
      try {
        // The parent really holds it: a plain child process inherits it.
        const plain = await new Deno.Command("python3", {
          args: ["-c", `import os; print(os.environ[${py(name)}])`],
        }).output();
        assert.equal(new TextDecoder().decode(plain.stdout).trim(), secret);
        const program = [
          "import glob, os",
          `name = ${py(name)}`,
          "found = [os.environ[name]] if name in os.environ else []",
          'for path in glob.glob("/proc/*/environ"):',
          "    try:",
          '        data = open(path, "rb").read()',
          "    except OSError:",
          "        continue",
          "    for item in data.split(b'\\0'):",
          "        if item.startswith(name.encode() + b'='):",
          "            found.append(item.decode())",
          "print(found)",
          "raise SystemExit(0 if found else 1)",
        ].join("\n");
        const result = await runHostile(kind, fixture, program);
        assert.equal(result.status, "failed");
        assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret));
        assert.match(result.stdout, /^\[\]$/m);
      } finally {
        Deno.env.delete(name);
      }
    });
  });

  Deno.test(`${kind}: writes outside the scratch space fail and leave nothing on the host`, async () => {
    await withFixture(async (fixture) => {
      const prefix = new TextDecoder().decode(
        (await new Deno.Command("python3", { args: ["-c", "import sys; print(sys.prefix)"] })
          .output()).stdout,
      ).trim();
      const targets = [
        `${fixture.outside}/pwned.txt`,
        `${prefix}/edge-sandbox-pwned-${fixture.token}`,
        `/etc/edge-sandbox-pwned-${fixture.token}`,
        // Inside the sandbox these are its own root and /dev: read-only as well.
        `/edge-sandbox-pwned-${fixture.token}`,
        `/dev/edge-sandbox-pwned-${fixture.token}`,
      ];
      const hostTmpMarker = `/tmp/edge-sandbox-marker-${fixture.token}`;
      const program = (paths: string[]) =>
        [
          "try:",
          `    open(${py(hostTmpMarker)}, "w").write("scratch")  # private /tmp on Linux`,
          "except OSError as error:",
          "    print(error)",
          "wrote = []",
          `for path in ${py(paths)}:`,
          "    try:",
          '        open(path, "w").write("pwned")',
          "        wrote.append(path)",
          "    except OSError as error:",
          "        print(error)",
          "print('wrote', wrote)",
          "raise SystemExit(0 if wrote else 1)",
        ].join("\n");
      try {
        const result = await runHostile(kind, fixture, program(targets));
        assert.equal(result.status, "failed");
        for (const target of [...targets, hostTmpMarker]) {
          assert.equal(await exists(target), false, `${target} was written`);
        }
        const control = await runUnsafe(fixture, program([targets[0]]));
        assert.equal(control.status, "passed", control.stderr);
        assert.equal(await Deno.readTextFile(targets[0]), "pwned");
      } finally {
        for (const target of [...targets, hostTmpMarker]) {
          await Deno.remove(target).catch(() => {});
        }
      }
    });
  });

  Deno.test(`${kind}: deleting host files fails and the files stay`, async () => {
    await withFixture(async (fixture) => {
      const program = (dir: string) =>
        [
          "import os, shutil",
          "done = []",
          "try:",
          `    os.remove(${py(`${dir}/keep.txt`)})`,
          '    done.append("remove")',
          "except OSError as error:",
          "    print(error)",
          "try:",
          `    shutil.rmtree(${py(dir)})`,
          '    done.append("rmtree")',
          "except OSError as error:",
          "    print(error)",
          "raise SystemExit(0 if done else 1)",
        ].join("\n");
      const result = await runHostile(kind, fixture, program(fixture.outside));
      assert.equal(result.status, "failed");
      assert.equal(await Deno.readTextFile(fixture.sentinel), fixture.sentinelText);
      const victim = await Deno.makeTempDir({ prefix: "edge-sandbox-victim-" });
      await Deno.writeTextFile(`${victim}/keep.txt`, "doomed");
      try {
        const control = await runUnsafe(fixture, program(victim));
        assert.equal(control.status, "passed", control.stderr);
        assert.equal(await exists(victim), false);
      } finally {
        await Deno.remove(victim, { recursive: true }).catch(() => {});
      }
    });
  });

  Deno.test(`${kind}: a shell spawned by the program cannot write a marker outside`, async () => {
    await withFixture(async (fixture) => {
      const marker = `${fixture.outside}/shell-marker`;
      const program = [
        "import os, subprocess",
        `rc1 = os.system(${py(`echo pwned > ${marker}`)})`,
        "try:",
        `    rc2 = subprocess.run(["/bin/sh", "-c", ${py(`echo pwned >> ${marker}`)}]).returncode`,
        "except OSError as error:",
        "    print(error)",
        "    rc2 = 1",
        "print(rc1, rc2)",
        "raise SystemExit(0 if rc1 == 0 or rc2 == 0 else 1)",
      ].join("\n");
      const result = await runHostile(kind, fixture, program);
      assert.equal(result.status, "failed");
      assert.equal(await exists(marker), false);
      const control = await runUnsafe(fixture, program);
      assert.equal(control.status, "passed", control.stderr);
      assert.equal(await Deno.readTextFile(marker), "pwned\npwned\n");
    });
  });

  Deno.test(`${kind}: host files outside the sandbox cannot be read`, async () => {
    await withFixture(async (fixture) => {
      const secretFile = `${fixture.outside}/secret.txt`;
      const secret = `private-${crypto.randomUUID()}`;
      await Deno.writeTextFile(secretFile, secret);
      await Deno.chmod(secretFile, 0o644);
      const program = (paths: string[]) =>
        [
          "read = []",
          `for path in ${py(paths)}:`,
          "    try:",
          "        read.append(open(path).read())",
          "    except OSError as error:",
          "        print(error)",
          "print(read)",
          "raise SystemExit(0 if read else 1)",
        ].join("\n");
      const hostFiles = [secretFile, "/etc/shadow", "/etc/passwd", "/etc/group", "/etc/hostname"];
      const result = await runHostile(kind, fixture, program(hostFiles));
      assert.equal(result.status, "failed");
      assert.ok(!result.stdout.includes(secret));
      assert.doesNotMatch(result.stdout, /root:/);
      assert.match(result.stdout, /^\[\]$/m, "a host file was read");
      const control = await runUnsafe(fixture, program([secretFile, "/etc/passwd"]));
      assert.equal(control.status, "passed", control.stderr);
      assert.ok(control.stdout.includes(secret));
      assert.match(control.stdout, /root:/);
    });
  });

  Deno.test(`${kind}: of /etc only the loader's and time zone entries are visible`, async () => {
    await withFixture(async (fixture) => {
      const program = [
        "import os",
        'names = sorted(os.listdir("/etc"))',
        "print(names)",
        'allowed = {"ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime"}',
        "raise SystemExit(0 if set(names) - allowed else 1)",
      ].join("\n");
      const result = await runHostile(kind, fixture, program);
      assert.equal(result.status, "failed", result.stdout);
      const control = await runUnsafe(fixture, program);
      assert.equal(control.status, "passed", control.stderr);
    });
  });

  Deno.test(`${kind}: no user namespace (nor any other) can be created inside`, async () => {
    await withFixture(async (fixture) => {
      const program = [
        "import ctypes, os, subprocess",
        "libc = ctypes.CDLL(None, use_errno=True)",
        "made = []",
        "for name, flag in [('user', 0x10000000), ('net', 0x40000000), ('mount', 0x00020000)]:",
        "    if libc.unshare(flag) == 0:",
        "        made.append(name)",
        "    else:",
        "        print(name, os.strerror(ctypes.get_errno()))",
        'for tool in ["/usr/bin/unshare", "/bin/unshare"]:',
        "    if os.path.exists(tool):",
        '        if subprocess.run([tool, "--user", "--map-root-user", "true"]).returncode == 0:',
        '            made.append("unshare --user")',
        "        break",
        "print('made', made)",
        "raise SystemExit(0 if made else 1)",
      ].join("\n");
      const result = await runHostile(kind, fixture, program);
      assert.equal(result.status, "failed");
      assert.match(result.stdout, /^made \[\]$/m);
      assert.match(result.stdout, /^user Operation not permitted$/m);
      // Run as root here, the same calls succeed without the sandbox.
      if (AS_ROOT) {
        const control = await runUnsafe(fixture, program);
        assert.equal(control.status, "passed", control.stderr);
        assert.match(control.stdout, /made \['user', 'net', 'mount'/);
      }
    });
  });

  Deno.test(`${kind}: a seccomp filter denies keyrings and io_uring with EPERM`, async () => {
    await withFixture(async (fixture) => {
      // Raw syscalls the namespaces do not stop: keyctl(KEYCTL_GET_KEYRING_ID, 0, 0) and
      // io_uring_setup(1, NULL) fail with EINVAL/EFAULT outside, with EPERM under the filter.
      const program = [
        "import ctypes, os, platform",
        "libc = ctypes.CDLL(None, use_errno=True)",
        'nr = {"x86_64": (250, 425), "aarch64": (219, 425)}[platform.machine()]',
        "errnos = []",
        "for number, args in [(nr[0], (0, 0, 0)), (nr[1], (1, None))]:",
        "    ctypes.set_errno(0)",
        "    libc.syscall(number, *args)",
        "    errnos.append(ctypes.get_errno())",
        "print('errnos', errnos)",
        "raise SystemExit(0 if any(e != 1 for e in errnos) else 1)",
      ].join("\n");
      const result = await runHostile(kind, fixture, program);
      assert.equal(result.status, "failed");
      assert.match(result.stdout, /^errnos \[1, 1\]$/m);
      const control = await runUnsafe(fixture, program);
      assert.equal(control.status, "passed", control.stderr);
      assert.doesNotMatch(control.stdout, /errnos \[1, 1\]/);
    });
  });

  Deno.test(`${kind}: host processes are out of reach, even for signal 0`, async () => {
    await withFixture(async (fixture) => {
      const program = [
        "import os",
        "try:",
        `    os.kill(${Deno.pid}, 0)`,
        "except OSError as error:",
        "    print(error)",
        "    raise SystemExit(1)",
        'print("reached the test process")',
      ].join("\n");
      const result = await runHostile(kind, fixture, program);
      assert.equal(result.status, "failed");
      const control = await runUnsafe(fixture, program);
      assert.equal(control.status, "passed", control.stderr);
    });
  });

  Deno.test(`${kind}: new processes are capped at maxProcesses and none outlives the run`, async () => {
    await withFixture(async (fixture) => {
      const program = [
        "import os",
        "count = 0",
        "for _ in range(200):",
        "    try:",
        "        pid = os.fork()",
        "    except OSError as error:",
        '        print("fork failed:", error)',
        "        break",
        "    if pid == 0:",
        `        os.execv("/bin/sh", ["sh", "-c", "sleep 30", ${py(fixture.token)}])`,
        "    count += 1",
        'print("forked", count)',
        "raise SystemExit(0 if count == 200 else 1)",
      ].join("\n");
      const start = performance.now();
      const result = await runHostile(kind, fixture, program, { maxProcesses: 16 });
      assert.equal(result.status, "failed");
      const forked = Number(/forked (\d+)/.exec(result.stdout)?.[1]);
      assert.ok(forked < 16, `forked ${forked} processes with maxProcesses 16`);
      assert.ok(performance.now() - start < 8000, "the capped run took too long");
    });
  });

  Deno.test(`${kind}: a fork bomb is bounded and killed at the timeout`, async () => {
    await withFixture(async (fixture) => {
      const program = [
        "import os",
        "while True:",
        "    try:",
        "        os.fork()",
        "    except OSError:",
        "        pass",
      ].join("\n");
      const start = performance.now();
      const result = await runHostile(kind, fixture, program, { timeoutMs: 3000 });
      const elapsed = performance.now() - start;
      assert.ok(result.status === "timeout" || result.status === "failed", result.status);
      assert.ok(elapsed < 3000 + 3000, `the fork bomb run took ${elapsed.toFixed(0)} ms`);
    });
  });

  Deno.test(`${kind}: an infinite loop ends with status timeout at the limit`, async () => {
    await withFixture(async (fixture) => {
      const start = performance.now();
      const result = await runHostile(kind, fixture, "while True:\n    pass\n", {
        timeoutMs: 1500,
      });
      const elapsed = performance.now() - start;
      assert.equal(result.status, "timeout");
      assert.equal(result.signal, "SIGKILL");
      assert.ok(result.durationMs >= 1500, `durationMs ${result.durationMs}`);
      assert.ok(result.durationMs < 1500 + 1000, `durationMs ${result.durationMs}`);
      assert.ok(elapsed < 1500 + 2000, `the call took ${elapsed.toFixed(0)} ms`);
    });
  });

  Deno.test(`${kind}: a huge allocation ends with status memory`, async () => {
    await withFixture(async (fixture) => {
      const limits = { memoryBytes: 256 * 1024 * 1024 };
      const huge = await runHostile(kind, fixture, 'x = b"x" * (8 << 30)\n', limits);
      assert.equal(huge.status, "memory", huge.stderr);
      const growing = [
        "chunks = []",
        "while True:",
        '    chunks.append(b"x" * (32 << 20))',
      ].join("\n");
      const grown = await runHostile(kind, fixture, growing, limits);
      assert.equal(grown.status, "memory", grown.stderr);
    });
  });
}
