/** Capture the machine's hardware and software facts for a run manifest. @module */
import { checkEndpoint } from "../config/mod.ts";
import { captureLinux } from "./_capture_linux.ts";
import { captureMacos } from "./_capture_macos.ts";
import { positiveInt, type SystemFacts } from "./_facts.ts";
import { captureGit } from "./_git.ts";
import {
  type CommandRunner,
  commandRunner,
  type DirectoryLister,
  type FileReader,
  listDirectory,
  stdoutOf,
  trimmedOrNull,
} from "./_io.ts";
import { lmstudioReachable, lmsVersion } from "./_lmstudio.ts";
import { type Environment, EnvironmentSchema } from "./_schema.ts";

/** Options for {@linkcode captureEnvironment}. */
export interface CaptureEnvironmentOptions {
  /**
   * Runs a command and returns its exit code and stdout; rejecting counts as "not available".
   * @default {`Deno.Command`, killed after `commandTimeoutMs`}
   */
  run?: CommandRunner;
  /**
   * Timeout of each command run by the default runner, in milliseconds.
   * @default {10000}
   */
  commandTimeoutMs?: number;
  /**
   * Reads a text file (Linux /proc, /sys and os-release).
   * @default {Deno.readTextFile}
   */
  readTextFile?: FileReader;
  /**
   * Lists a directory's entry names (Linux /sys/class/power_supply).
   * @default {Deno.readDir}
   */
  readDir?: DirectoryLister;
  /**
   * Directory whose git commit and dirty state are recorded.
   * @default {Deno.cwd()}
   */
  cwd?: string;
  /**
   * LM Studio base URL (http or https). Only when given is LM Studio asked anything: GET
   * `/v1/models` decides `reachable`, and `lms version` gives `version`.
   * @default {undefined (LM Studio is not contacted; version and reachable are null)}
   */
  lmstudioBaseUrl?: string;
  /**
   * Accept a non-loopback `lmstudioBaseUrl` (the model's allow_remote or `--allow-remote`); else
   * such a URL is refused by the endpoint policy before anything is asked.
   * @default {false}
   */
  lmstudioAllowRemote?: boolean;
  /**
   * Timeout of the LM Studio request, in milliseconds.
   * @default {1500}
   */
  lmstudioTimeoutMs?: number;
  /**
   * Which platform's commands and files to read ("darwin", "linux", ...). When it is not the
   * platform Deno runs on, nothing is taken from Deno's own view of the host except the
   * hostname and Deno's versions.
   * @default {Deno.build.os}
   */
  platform?: string;
  /**
   * Clock for `captured_at`.
   * @default {() => new Date()}
   */
  now?: () => Date;
  /**
   * Home directory, where `~/.lmstudio/bin/lms` is looked for when `lms` is not on PATH.
   * @default {the HOME environment variable}
   */
  home?: string | null;
}

/**
 * Capture OS, CPU, memory, host, Deno, git, power and LM Studio facts. Never throws because a
 * command or file is missing: that field becomes null (or "unknown"). Throws only for a bad
 * `lmstudioBaseUrl`: an EndpointError when it is not http(s), or not loopback without
 * `lmstudioAllowRemote`.
 *
 * On macOS it runs `sysctl`, `system_profiler SPHardwareDataType`, `sw_vers`, `uname`,
 * `pmset -g batt` and `pmset -g`; on Linux it reads /proc/cpuinfo, /proc/meminfo, os-release and
 * /sys/class/power_supply; everywhere `git -C <cwd> rev-parse HEAD` and `git status --porcelain`.
 *
 * @example
 * ```ts ignore
 * import { captureEnvironment, powerWarnings } from "./mod.ts";
 * const env = await captureEnvironment({ lmstudioBaseUrl: "http://localhost:1234" });
 * for (const warning of powerWarnings(env)) onProgress(warning);
 * ```
 */
export async function captureEnvironment(
  options: CaptureEnvironmentOptions = {},
): Promise<Environment> {
  const lmstudioBase = options.lmstudioBaseUrl === undefined
    ? null
    : checkEndpoint(options.lmstudioBaseUrl, {
      source: "captureEnvironment()",
      field: "lmstudioBaseUrl",
      allowRemote: options.lmstudioAllowRemote,
    });
  const platform = options.platform ?? Deno.build.os;
  const native = platform === Deno.build.os;
  const run = options.run ?? commandRunner(options.commandTimeoutMs ?? 10_000);
  const read = options.readTextFile ?? Deno.readTextFile;
  const readDir = options.readDir ?? listDirectory;
  const cwd = options.cwd ?? Deno.cwd();
  const home = options.home !== undefined ? options.home : envVar("HOME");

  const [system, git, hostname, lmstudio] = await Promise.all([
    platform === "darwin"
      ? captureMacos(run)
      : platform === "linux"
      ? captureLinux(run, read, readDir)
      : Promise.resolve(emptySystem()),
    captureGit(run, cwd),
    captureHostname(run),
    lmstudioBase === null ? Promise.resolve({ version: null, reachable: null }) : Promise.all([
      lmsVersion(run, home),
      lmstudioReachable(lmstudioBase, options.lmstudioTimeoutMs ?? 1500),
    ]).then(([version, reachable]) => ({ version, reachable })),
  ]);

  if (native) fillFromDeno(system);
  return EnvironmentSchema.parse({
    os: { platform, ...system.os },
    cpu: system.cpu,
    machine: system.machine,
    memory_bytes: system.memory_bytes,
    hostname,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    git,
    power: system.power,
    lmstudio,
    captured_at: (options.now?.() ?? new Date()).toISOString(),
  });
}

async function captureHostname(run: CommandRunner): Promise<string> {
  try {
    return Deno.hostname();
  } catch {
    return trimmedOrNull(await stdoutOf(run, "hostname", [])) ?? "unknown";
  }
}

function emptySystem(): SystemFacts {
  return {
    os: { release: null, version: null, arch: null },
    cpu: {
      model: null,
      cores_physical: null,
      cores_logical: null,
      cores_performance: null,
      cores_efficiency: null,
      chip: null,
    },
    machine: { model_name: null, model_identifier: null },
    memory_bytes: null,
    power: { source: "unknown", low_power_mode: null, battery_percent: null },
  };
}

/** Fill what the commands and files did not give from Deno's own view of this host. */
function fillFromDeno(system: SystemFacts): void {
  system.os.release ??= attempt(() => Deno.osRelease());
  system.os.arch ??= Deno.build.arch;
  system.cpu.cores_logical ??= positiveInt(String(navigator.hardwareConcurrency ?? ""));
  system.memory_bytes ??= attempt(() => Deno.systemMemoryInfo().total) || null;
}

function attempt<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

function envVar(name: string): string | null {
  try {
    return Deno.env.get(name) ?? null;
  } catch {
    return null;
  }
}
