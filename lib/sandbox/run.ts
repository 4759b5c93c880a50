/** Running model-written Python inside the sandbox. @module */
import { execute } from "./_execute.ts";
import { hostLayout } from "./_host.ts";
import { PROGRAM_FILE } from "./_launch.ts";
import type { RssSampler } from "./_process.ts";
import { resolvePython } from "./_python.ts";
import { seccompFilter } from "./_seccomp.ts";
import { classify } from "./_status.ts";
import {
  DEFAULT_SANDBOX_LIMITS,
  type SandboxKind,
  type SandboxLimits,
  type SandboxResult,
} from "./_types.ts";
import { detectOnce } from "./detect.ts";
import { SandboxUnavailableError, UNSAFE_NO_SANDBOX_FLAG } from "./errors.ts";

/** Options for {@linkcode runPythonSandboxed}. */
export interface RunSandboxedOptions {
  /** Resource bounds; missing fields take their defaults. @default DEFAULT_SANDBOX_LIMITS */
  limits?: Partial<SandboxLimits>;
  /** Python interpreter on the host (name on PATH or path). @default "python3" */
  python?: string;
  /**
   * Run without isolation (resource limits and the timeout only) when no sandbox works here,
   * instead of throwing {@linkcode SandboxUnavailableError}; the CLI flag is
   * `--unsafe-no-sandbox`. @default false
   */
  allowUnsafe?: boolean;
  /**
   * Use this isolation instead of detecting one; `none` needs `allowUnsafe`.
   * @default the detected sandbox
   */
  sandbox?: SandboxKind | "none";
  /** Finds the sandbox to use. @default detectSandbox() on this machine, once per process */
  detect?: () => Promise<SandboxKind | null>;
  /** Monotonic clock in milliseconds. @default performance.now */
  clock?: () => number;
  /** Aborting kills the program and rejects with the abort reason. @default none */
  signal?: AbortSignal;
  /** Resident-memory sampler of the macOS memory watch. @default `ps -o rss=` */
  sampleRss?: RssSampler;
  /**
   * Folder in which each run's fresh temporary folder is made (and removed afterwards).
   * @default the system temp folder
   */
  tempDir?: string;
}

/** Limits with defaults filled in; a non-positive or fractional field is a `RangeError`. */
export function resolveLimits(limits: Partial<SandboxLimits> = {}): SandboxLimits {
  const resolved = { ...DEFAULT_SANDBOX_LIMITS, ...limits };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(
        `Cannot run the sandbox: limit '${key}' must be a positive integer: current value is ${value}`,
      );
    }
  }
  return resolved;
}

/**
 * Python code that installs the seccomp filter (`_seccomp.ts`) on itself through ctypes, for
 * sandboxes whose tools cannot load one (util-linux `unshare`): no_new_privs, then
 * `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)`; if either fails the program never starts.
 */
function seccompInstaller(filter: Uint8Array): string[] {
  const hex = [...filter].map((b) => b.toString(16).padStart(2, "0")).join("");
  return [
    "import ctypes",
    "_libc = ctypes.CDLL(None, use_errno=True)",
    `_code = bytes.fromhex(${JSON.stringify(hex)})`,
    "_buf = ctypes.create_string_buffer(_code, len(_code))",
    "class _Prog(ctypes.Structure):",
    '    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]',
    "_prog = _Prog(len(_code) // 8, ctypes.cast(_buf, ctypes.c_void_p))",
    "_u = ctypes.c_ulong",
    "if (_libc.prctl(38, _u(1), _u(0), _u(0), _u(0)) != 0 or",
    "        _libc.prctl(22, _u(2), ctypes.byref(_prog), _u(0), _u(0)) != 0):",
    '    sys.stderr.write("edge-sandbox: cannot install the seccomp filter: errno %d\\n"',
    "                     % ctypes.get_errno())",
    "    os._exit(125)",
    "del _libc, _code, _buf, _Prog, _prog, _u",
  ];
}

/**
 * Python code run with `-c`: closes every inherited descriptor above stderr, installs the
 * seccomp filter when asked, marks the start on stderr, then runs the program as `__main__`.
 */
function bootstrap(marker: string, filter: Uint8Array | null): string {
  return [
    "import os, runpy, sys",
    "os.closerange(3, 1 << 16)",
    ...(filter ? seccompInstaller(filter) : []),
    "__edge_sandbox__ = 1",
    `sys.stderr.write(${JSON.stringify(`${marker}\n`)})`,
    "sys.stderr.flush()",
    `sys.argv = [${JSON.stringify(PROGRAM_FILE)}]`,
    `runpy.run_path(${JSON.stringify(PROGRAM_FILE)}, run_name="__main__")`,
  ].join("\n");
}

async function chooseKind(options: RunSandboxedOptions): Promise<SandboxKind | "none"> {
  if (options.sandbox === "none" && !options.allowUnsafe) {
    throw new TypeError(
      "Cannot run without a sandbox: sandbox 'none' needs allowUnsafe: true " +
        `(the ${UNSAFE_NO_SANDBOX_FLAG} flag): current value is ${options.allowUnsafe}`,
    );
  }
  if (options.sandbox) return options.sandbox;
  const report = options.detect
    ? { kind: await options.detect(), failures: [] }
    : await detectOnce();
  if (report.kind) return report.kind;
  if (options.allowUnsafe) return "none";
  throw new SandboxUnavailableError(Deno.build.os, report.failures);
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** The text cut to its first `max` bytes of UTF-8. */
function cut(text: string, max: number): string {
  const bytes = new TextEncoder().encode(text);
  return bytes.byteLength <= max ? text : decode(bytes.subarray(0, max));
}

/**
 * Runs a Python program in a fresh temporary folder inside the sandbox: separate namespaces or
 * profile, no network, no writes outside scratch space, a scrubbed environment, memory, process
 * and wall-clock limits; output is cut to `maxOutputBytes`. A program that fails, times out or
 * runs out of memory is a result, not an exception.
 *
 * @throws {SandboxUnavailableError} when no sandbox works here and `allowUnsafe` is not set.
 * @example
 * ```ts ignore
 * const result = await runPythonSandboxed("assert 1 + 1 == 2", { limits: { timeoutMs: 5000 } });
 * result.status; // "passed"
 * ```
 */
export async function runPythonSandboxed(
  program: string,
  options: RunSandboxedOptions = {},
): Promise<SandboxResult> {
  const limits = resolveLimits(options.limits);
  const kind = await chooseKind(options);
  const python = await resolvePython(options.python ?? "python3");
  const host = await hostLayout();
  const marker = `edge-sandbox-start-${crypto.randomUUID()}`;
  const outcome = await execute({
    kind,
    program,
    inner: () => [
      python.executable,
      ...["-I", "-B", "-X", "utf8", "-c"],
      // bwrap loads the filter itself (--seccomp); util-linux unshare cannot.
      bootstrap(marker, kind === "unshare" ? seccompFilter() : null),
    ],
    readDirs: python.dirs,
    executables: [python.executable, python.realExecutable],
    // Room for the start marker, which is removed before stderr is cut to the limit.
    limits: { ...limits, maxOutputBytes: limits.maxOutputBytes + marker.length + 1 },
    host,
    clock: options.clock ?? (() => performance.now()),
    signal: options.signal,
    sampleRss: options.sampleRss,
    tempDir: options.tempDir,
  });
  if ("error" in outcome) {
    return {
      status: "error",
      exitCode: null,
      signal: null,
      stdout: "",
      stdoutTail: "",
      stderr: outcome.error,
      outputTruncated: false,
      durationMs: 0,
      sandbox: kind,
    };
  }
  const stderrHead = decode(outcome.stderr.head);
  const started = stderrHead.includes(`${marker}\n`);
  const stderrTotal = outcome.stderr.total - (started ? marker.length + 1 : 0);
  const status = classify({
    timedOut: outcome.timedOut,
    memoryExceeded: outcome.memoryExceeded,
    started,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    stderrTail: decode(outcome.stderr.tail),
  });
  return {
    status,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    stdout: cut(decode(outcome.stdout.head), limits.maxOutputBytes),
    stdoutTail: decode(outcome.stdout.tail),
    stderr: cut(
      started ? stderrHead.replace(`${marker}\n`, "") : stderrHead,
      limits.maxOutputBytes,
    ),
    outputTruncated: outcome.stdout.total > limits.maxOutputBytes ||
      stderrTotal > limits.maxOutputBytes,
    durationMs: outcome.durationMs,
    sandbox: kind,
  };
}
