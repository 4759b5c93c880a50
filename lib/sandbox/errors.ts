/** Errors of the sandbox. @module */

/** The command-line flag that lets model-written code run without isolation. */
export const UNSAFE_NO_SANDBOX_FLAG = "--unsafe-no-sandbox";

/** What to install or enable on a platform so that a sandbox exists. */
function remedy(platform: string): string {
  switch (platform) {
    case "linux":
      return "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: " +
        "dnf install bubblewrap; Arch: pacman -S bubblewrap) and allow user namespaces " +
        "(sysctl kernel.unprivileged_userns_clone=1 where that setting exists)";
    case "darwin":
      return "sandbox-exec is built into macOS at /usr/bin/sandbox-exec; check that it exists " +
        "and runs";
    default:
      return `no sandbox is supported on ${platform}; run on Linux or macOS`;
  }
}

/**
 * Thrown when model-written code would have to run without isolation and `allowUnsafe` is not
 * set. The message names the platform, what was tried, what to install, and the explicit unsafe
 * flag; `cause` holds the probe failures.
 */
export class SandboxUnavailableError extends Error {
  /** The platform (`Deno.build.os`) that has no working sandbox. */
  readonly platform: string;

  constructor(platform: string, failures: readonly string[] = [], options?: ErrorOptions) {
    const tried = failures.length > 0 ? ` (${failures.join("; ")})` : "";
    super(
      `Cannot run model-written code: no sandbox is available on ${platform}${tried}: ` +
        `${remedy(platform)}, or pass ${UNSAFE_NO_SANDBOX_FLAG} to run it without isolation`,
      { cause: options?.cause ?? (failures.length > 0 ? [...failures] : undefined) },
    );
    this.name = "SandboxUnavailableError";
    this.platform = platform;
  }
}
