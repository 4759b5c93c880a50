/** Facts about the host that sandbox command lines depend on, read once per process. @module */

/** A top-level system folder as the sandbox should see it: bound read-only, or a symlink. */
export interface SystemEntry {
  /** Absolute path, such as `/usr` or `/lib64`. */
  path: string;
  /** Target when the path is a symlink (`usr/lib` on merged-/usr systems), else null. */
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

/** Top-level folders a Linux sandbox exposes read-only (those that exist). */
const LINUX_SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"];

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
  if (Deno.build.os === "linux") {
    for (const dir of LINUX_SYSTEM_DIRS) {
      const entry = await systemEntry(dir);
      if (entry) systemEntries.push(entry);
    }
  }
  return {
    platform: Deno.build.os,
    uid: Deno.uid(),
    tools,
    systemEntries,
    home: Deno.env.get("HOME") ?? null,
  };
}

let cachedLayout: Promise<HostLayout> | null = null;

/** The host layout, read on first use and shared afterwards. */
export function hostLayout(): Promise<HostLayout> {
  cachedLayout ??= readHostLayout();
  return cachedLayout;
}
