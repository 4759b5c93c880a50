/** Command lines of each sandbox, built from a fixed host layout (macOS ones cannot run here). */
import assert from "node:assert/strict";
import { bwrapLaunch } from "../../lib/sandbox/_bwrap.ts";
import type { HostLayout } from "../../lib/sandbox/_host.ts";
import { LaunchError, type LaunchSpec } from "../../lib/sandbox/_launch.ts";
import { seatbeltLaunch, seatbeltProfile } from "../../lib/sandbox/_seatbelt.ts";
import { unshareLaunch, unshareScript } from "../../lib/sandbox/_unshare.ts";
import { unsafeLaunch } from "../../lib/sandbox/_unsafe.ts";
import { DEFAULT_SANDBOX_LIMITS } from "../../lib/sandbox/mod.ts";

const TOOLS = {
  bwrap: "/usr/bin/bwrap",
  unshare: "/usr/bin/unshare",
  prlimit: "/usr/bin/prlimit",
  setpriv: "/usr/bin/setpriv",
  sh: "/usr/bin/sh",
  true: "/usr/bin/true",
  mount: "/usr/bin/mount",
  umount: "/usr/bin/umount",
  pivot_root: "/usr/sbin/pivot_root",
};

function linuxHost(uid: number): HostLayout {
  return {
    platform: "linux",
    uid,
    tools: TOOLS,
    systemEntries: [
      { path: "/usr", symlink: null },
      { path: "/bin", symlink: "usr/bin" },
      { path: "/etc", symlink: null },
    ],
    home: "/root",
  };
}

function spec(host: HostLayout): LaunchSpec {
  return {
    hostDir: "/tmp/edge-sandbox-x",
    inner: ["/opt/py/bin/python3", "-c", "pass"],
    env: { PATH: "/usr/bin:/bin", HOME: "/sandbox" },
    readDirs: ["/opt/py", "/usr/lib/python3.11", "/"],
    limits: { ...DEFAULT_SANDBOX_LIMITS, timeoutMs: 4500 },
    host,
    sandboxUid: 2_000_000_123,
  };
}

/** The arguments after `flag`, `count` of them. */
function after(args: string[], flag: string, count = 1): string[] {
  const index = args.indexOf(flag);
  assert.ok(index >= 0, `${flag} is missing`);
  return args.slice(index + 1, index + 1 + count);
}

Deno.test("bwrapLaunch() as root drops to the sandbox uid with setpriv, inside new namespaces", () => {
  const launch = bwrapLaunch(spec(linuxHost(0)));
  assert.equal(launch.cmd, "/usr/bin/bwrap");
  const args = launch.args;
  for (const flag of ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--die-with-parent"]) {
    assert.ok(args.includes(flag), flag);
  }
  assert.ok(!args.includes("--unshare-user"));
  assert.ok(args.includes("--clearenv"));
  assert.deepEqual(after(args, "--setenv", 2), ["PATH", "/usr/bin:/bin"]);
  const command = args.slice(args.indexOf("--") + 1);
  assert.deepEqual(command, [
    "/usr/bin/setpriv",
    "--reuid=2000000123",
    "--regid=2000000123",
    "--clear-groups",
    "--no-new-privs",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--pdeathsig", // set after the uid switch, which clears it
    "SIGKILL",
    "--",
    "/usr/bin/prlimit",
    `--as=${512 * 1024 * 1024}`,
    "--cpu=6", // ceil(4500 ms / 1000) + 1 s
    "--nproc=32",
    `--fsize=${64 * 1024 * 1024}`,
    "--core=0",
    "--",
    "/opt/py/bin/python3",
    "-c",
    "pass",
  ]);
  assert.deepEqual(launch.env, { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" });
});

Deno.test("bwrapLaunch() binds system folders read-only and makes parents of extra folders traversable", () => {
  const args = bwrapLaunch(spec(linuxHost(0))).args;
  const text = args.slice(0, args.indexOf("--cap-add")).join(" ");
  assert.ok(text.includes("--ro-bind /usr /usr"));
  assert.ok(text.includes("--symlink usr/bin /bin"));
  assert.ok(text.includes("--perms 0755 --dir /opt --ro-bind /opt/py /opt/py"));
  // Covered by /usr, and / itself is never bound.
  assert.ok(!text.includes("/usr/lib/python3.11"));
  assert.ok(!text.includes("--ro-bind / /"));
  assert.ok(text.includes("--perms 1777 --size 67108864 --tmpfs /tmp"));
  assert.ok(text.includes("--ro-bind /tmp/edge-sandbox-x/main.py /sandbox/main.py"));
  assert.ok(!text.includes("--bind /tmp"), "no host folder is writable");
  assert.ok(text.endsWith("--remount-ro /dev --remount-ro / --chdir /sandbox"));
});

Deno.test("bwrapLaunch() as a normal user adds a user namespace and needs no setpriv", () => {
  const args = bwrapLaunch(spec(linuxHost(1000))).args;
  assert.ok(args.includes("--unshare-user"));
  assert.ok(!args.includes("/usr/bin/setpriv"));
  assert.equal(args[args.indexOf("--") + 1], "/usr/bin/prlimit");
});

Deno.test("bwrapLaunch() loads the seccomp filter from fd 3, opened by sh from the host file", () => {
  const launch = bwrapLaunch({ ...spec(linuxHost(0)), seccompFile: "/tmp/edge-sandbox-x/f.bpf" });
  assert.equal(launch.cmd, "/usr/bin/sh");
  assert.deepEqual(launch.args.slice(0, 5), [
    "-c",
    'f=$1; shift; exec "$@" 3<"$f"',
    "sh",
    "/tmp/edge-sandbox-x/f.bpf",
    "/usr/bin/bwrap",
  ]);
  assert.deepEqual(after(launch.args, "--seccomp"), ["3"]);
  // The filter file is never bound into the sandbox.
  assert.ok(!launch.args.slice(5).some((a) => a.includes("f.bpf")));
  assert.ok(!bwrapLaunch(spec(linuxHost(0))).args.includes("--seccomp"));
});

Deno.test("bwrapLaunch() as a normal user forbids nested user namespaces where bubblewrap can", () => {
  const host = (bwrapVersion: number[] | null) => ({ ...linuxHost(1000), bwrapVersion });
  const args = bwrapLaunch(spec(host([0, 8, 0]))).args;
  assert.deepEqual(args.slice(0, 2), ["--unshare-user", "--disable-userns"]);
  assert.ok(!bwrapLaunch(spec(host([0, 7, 0]))).args.includes("--disable-userns"));
  assert.ok(!bwrapLaunch(spec(host(null))).args.includes("--disable-userns"));
  // As root there is no user namespace to restrict: the seccomp filter denies new ones.
  assert.ok(
    !bwrapLaunch(spec({ ...linuxHost(0), bwrapVersion: [0, 8, 0] })).args.includes(
      "--disable-userns",
    ),
  );
});

Deno.test("bwrapLaunch() shows only the listed entries of /etc, never /etc itself", () => {
  const host: HostLayout = {
    ...linuxHost(0),
    systemEntries: [{ path: "/usr", symlink: null }],
    etcEntries: [
      { path: "/etc/ld.so.cache", kind: "file", symlink: null },
      { path: "/etc/localtime", kind: "symlink", symlink: "/usr/share/zoneinfo/Etc/UTC" },
    ],
  };
  const text = bwrapLaunch(spec(host)).args.join(" ");
  assert.ok(text.includes("--perms 0755 --dir /etc"));
  assert.ok(text.includes("--ro-bind /etc/ld.so.cache /etc/ld.so.cache"));
  assert.ok(text.includes("--symlink /usr/share/zoneinfo/Etc/UTC /etc/localtime"));
  assert.ok(!text.includes("--ro-bind /etc /etc"));
  assert.ok(!text.includes("passwd"));
});

Deno.test("bwrapLaunch() without bwrap says to install bubblewrap", () => {
  const host = linuxHost(0);
  const { bwrap: _, ...tools } = TOOLS;
  assert.throws(
    () => bwrapLaunch(spec({ ...host, tools })),
    (error) =>
      error instanceof LaunchError &&
      error.message === "Cannot build the sandbox: 'bwrap' was not found: install bubblewrap " +
          "(apt-get install bubblewrap)",
  );
});

Deno.test("unshareScript() pivots into a read-only root and unmounts the host tree", () => {
  const script = unshareScript(spec(linuxHost(0)));
  const lines = script.split("\n");
  assert.equal(lines[0], "set -eu");
  assert.ok(lines.includes(`'/usr/bin/mount' --rbind '/usr' "$R"'/usr'`));
  assert.ok(lines.includes(`'/usr/bin/mount' --rbind '/opt/py' "$R"'/opt/py'`));
  assert.ok(!script.includes("/usr/lib/python3.11"));
  assert.ok(lines.includes(`ln -s 'usr/bin' "$R"'/bin'`));
  assert.ok(lines.includes(`for m in $ms; do '/usr/bin/mount' -o remount,bind,ro "$m"; done`));
  // The only writable mounts are the fresh tmpfs scratch folders, mounted after the remount.
  const remount = lines.findIndex((line) => line.startsWith("for m in $ms"));
  const scratch = lines.findIndex((line) => line.includes("edge-sandbox-tmp"));
  assert.ok(remount > 0 && scratch > remount);
  const pivot = lines.indexOf(`'/usr/sbin/pivot_root' . .old`);
  assert.ok(pivot > 0 && lines[pivot + 1] === `'/usr/bin/umount' -l /.old`);
  assert.equal(lines.at(-1), 'exec "$@"');
});

Deno.test("unshareLaunch() maps a user namespace only when not root", () => {
  const root = unshareLaunch(spec(linuxHost(0))).args;
  assert.ok(!root.includes("--user"));
  assert.ok(root.includes("--reuid=2000000123"));
  const user = unshareLaunch(spec(linuxHost(1000))).args;
  assert.deepEqual(user.slice(0, 2), ["--user", "--map-root-user"]);
  assert.ok(!user.some((arg) => arg.startsWith("--reuid")));
  assert.ok(user.includes("--bounding-set=-all"));
});

Deno.test("unshareScript() builds /etc from the listed entries only, before the read-only remount", () => {
  const host: HostLayout = {
    ...linuxHost(0),
    systemEntries: [{ path: "/usr", symlink: null }],
    etcEntries: [
      { path: "/etc/ld.so.cache", kind: "file", symlink: null },
      { path: "/etc/ld.so.conf.d", kind: "dir", symlink: null },
      { path: "/etc/localtime", kind: "symlink", symlink: "/usr/share/zoneinfo/Etc/UTC" },
    ],
  };
  const lines = unshareScript(spec(host)).split("\n");
  const file = lines.indexOf(`'/usr/bin/mount' --bind '/etc/ld.so.cache' "$R"'/etc/ld.so.cache'`);
  assert.ok(file > 0 && lines[file - 1] === `: > "$R"'/etc/ld.so.cache'`);
  assert.ok(lines.includes(`'/usr/bin/mount' --rbind '/etc/ld.so.conf.d' "$R"'/etc/ld.so.conf.d'`));
  assert.ok(lines.includes(`ln -s '/usr/share/zoneinfo/Etc/UTC' "$R"'/etc/localtime'`));
  assert.ok(file < lines.findIndex((line) => line.startsWith("for m in $ms")));
  assert.ok(!lines.some((line) => line.includes("--rbind '/etc' ")));
});

Deno.test("unshareScript() refuses paths that mountinfo would escape", () => {
  const withSpace = { ...spec(linuxHost(0)), readDirs: ["/opt/my python"] };
  assert.throws(
    () => unshareScript(withSpace),
    (error) =>
      error instanceof LaunchError &&
      error.message === "Cannot build the unshare sandbox: path contains whitespace or a " +
          "backslash: '/opt/my python'",
  );
});

Deno.test("seatbeltProfile() denies network, writes outside the work folder, forks and the home folder", () => {
  const profile = seatbeltProfile({
    workDir: "/private/var/folders/x/edge-sandbox-1",
    executables: ["/opt/homebrew/bin/python3"],
    pythonDirs: ["/opt/homebrew/Cellar/python@3.12"],
    home: "/Users/ada",
  });
  const lines = profile.trim().split("\n");
  assert.deepEqual(lines.slice(0, 5), [
    "(version 1)",
    "(allow default)",
    "(deny network*)",
    "(deny file-write*)",
    '(allow file-write* (subpath "/private/var/folders/x/edge-sandbox-1"))',
  ]);
  assert.ok(lines.includes('(deny file-read* (subpath "/Users/ada"))'));
  assert.ok(lines.includes("(deny process-fork)"));
  assert.ok(
    lines.includes(
      '(allow process-exec* (literal "/opt/homebrew/bin/python3") ' +
        '(subpath "/opt/homebrew/Cellar/python@3.12"))',
    ),
  );
  // Later rules win in SBPL: every allow comes after the deny it narrows.
  assert.ok(
    lines.indexOf("(deny process-exec*)") <
      lines.findIndex((l) => l.startsWith("(allow process-exec*")),
  );
  assert.ok(lines.includes("(allow signal (target self))"));
});

Deno.test("seatbeltProfile() escapes quotes and backslashes in paths", () => {
  const profile = seatbeltProfile({
    workDir: '/tmp/a"b\\c',
    executables: [],
    pythonDirs: [],
    home: null,
  });
  assert.ok(profile.includes('(allow file-write* (subpath "/tmp/a\\"b\\\\c"))'));
  assert.ok(!profile.includes("file-read*"));
});

Deno.test("seatbeltLaunch() sets CPU and file limits in sh, then execs sandbox-exec", () => {
  const host: HostLayout = {
    platform: "darwin",
    uid: 501,
    tools: { sh: "/bin/sh", "sandbox-exec": "/usr/bin/sandbox-exec" },
    systemEntries: [],
    home: "/Users/ada",
  };
  const launch = seatbeltLaunch(spec(host), {
    workDir: "/private/tmp/w",
    executables: ["/opt/py/bin/python3"],
    pythonDirs: ["/opt/py"],
    home: "/Users/ada",
  });
  assert.equal(launch.cmd, "/bin/sh");
  assert.equal(launch.args[1], 'ulimit -c 0; ulimit -f 131072; ulimit -t 6; exec "$@"');
  assert.deepEqual(launch.args.slice(3, 5), ["/usr/bin/sandbox-exec", "-p"]);
  assert.deepEqual(launch.args.slice(-3), ["/opt/py/bin/python3", "-c", "pass"]);
});

Deno.test("unsafeLaunch() on Linux bounds memory, CPU and files but not processes", () => {
  const launch = unsafeLaunch(spec(linuxHost(0)));
  assert.equal(launch.cmd, "/usr/bin/prlimit");
  assert.deepEqual(launch.args.slice(0, 5), [
    `--as=${512 * 1024 * 1024}`,
    "--cpu=6",
    `--fsize=${64 * 1024 * 1024}`,
    "--core=0",
    "--",
  ]);
});
