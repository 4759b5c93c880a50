/** Facts about the host that sandbox command lines depend on, read once per process. @module */

/** A top-level system folder as the sandbox should see it: bound read-only, or a symlink. */
export interface SystemEntry {
  /** Absolute path, such as `/usr` or `/lib64`. */
  path: string;
  /** Target when the path is a symlink (`usr/lib` on merged-/usr systems), else null. */
  symlink: string | null;
}

/** An entry of /etc the Linux sandboxes expose: a file or folder bound read-only, or a symlink. */
export interface EtcEntry {
  /** Absolute path, such as `/etc/ld.so.cache`. */
  path: string;
  kind: "file" | "dir" | "symlink";
  /** Target when `kind` is `symlink`, else null. */
  symlink: string | null;
}

/** The host facts that sandbox command lines are built from. */
export interface HostLayout {
  /** `Deno.build.os`. */
  platform: string;
  /** Real user id of this process, or null where there is none (Windows). */
  uid: number | null;
  /** Absolute paths of the helper programs found, by name; missing ones are absent. */
  tools: Record<string, string>;
  /** Top-level system folders that exist, in a stable order. */
  systemEntries: SystemEntry[];
  /** The user's home folder, hidden from the program on macOS; null when unknown. */
  home: string | null;
  /**
   * The only /etc entries a Linux sandbox shows (those of {@linkcode ETC_ENTRIES} that exist):
   * no passwd, group, shadow, hosts or anything else. @default none
   */
  etcEntries?: EtcEntry[];
  /** bubblewrap's version as numbers (`bwrap --version`), or null when unknown. @default null */
  bwrapVersion?: number[] | null;
}

/** Helper programs the sandboxes call, looked up in the system folders (never through PATH). */
export const TOOL_NAMES = [
  "bwrap",
  "unshare",
  "prlimit",
  "setpriv",
  "sh",
  "true",
  "mount",
  "umount",
  "pivot_root",
  "sandbox-exec",
] as const;

/** Where helper programs are looked for, in order. */
const TOOL_DIRS = ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"];

/** Top-level folders a Linux sandbox exposes read-only (those that exist); /etc is not one. */
const LINUX_SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/**
 * What Python needs of /etc: the dynamic loader's cache and configuration, and the local time
 * zone. Nothing else of /etc (no passwd, group, shadow, hosts, resolv.conf, ssl) is visible.
 */
export const ETC_ENTRIES: readonly string[] = [
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/localtime",
];

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

async function systemEntry(path: string): Promise<SystemEntry | null> {
  try {
    const info = await Deno.lstat(path);
    if (info.isSymlink) return { path, symlink: await Deno.readLink(path) };
    return info.isDirectory ? { path, symlink: null } : null;
  } catch {
    return null;
  }
}

async function etcEntry(path: string): Promise<EtcEntry | null> {
  try {
    const info = await Deno.lstat(path);
    if (info.isSymlink) return { path, kind: "symlink", symlink: await Deno.readLink(path) };
    if (info.isDirectory) return { path, kind: "dir", symlink: null };
    return info.isFile ? { path, kind: "file", symlink: null } : null;
  } catch {
    return null;
  }
}

/** `bwrap --version` ("bubblewrap 0.8.0") as numbers, or null. */
async function bwrapVersion(bwrap: string | undefined): Promise<number[] | null> {
  if (!bwrap) return null;
  try {
    const out = await new Deno.Command(bwrap, {
      args: ["--version"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(5000),
    }).output();
    const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(new TextDecoder().decode(out.stdout));
    return match ? match.slice(1).map((n) => Number(n ?? 0)) : null;
  } catch {
    return null;
  }
}

/** Reads the host layout: uid, helper programs, system folders, home. */
export async function readHostLayout(): Promise<HostLayout> {
  const tools: Record<string, string> = {};
  for (const name of TOOL_NAMES) {
    for (const dir of TOOL_DIRS) {
      if (await isExecutableFile(`${dir}/${name}`)) {
        tools[name] = `${dir}/${name}`;
        break;
      }
    }
  }
  const systemEntries: SystemEntry[] = [];
  const etcEntries: EtcEntry[] = [];
  if (Deno.build.os === "linux") {
    for (const dir of LINUX_SYSTEM_DIRS) {
      const entry = await systemEntry(dir);
      if (entry) systemEntries.push(entry);
    }
    for (const path of ETC_ENTRIES) {
      const entry = await etcEntry(path);
      if (entry) etcEntries.push(entry);
    }
  }
  return {
    platform: Deno.build.os,
    uid: Deno.uid(),
    tools,
    systemEntries,
    home: Deno.env.get("HOME") ?? null,
    etcEntries,
    bwrapVersion: await bwrapVersion(tools.bwrap),
  };
}

let cachedLayout: Promise<HostLayout> | null = null;

/** The host layout, read on first use and shared afterwards. */
export function hostLayout(): Promise<HostLayout> {
  cachedLayout ??= readHostLayout();
  return cachedLayout;
}
