import { PROJECT_ROOT } from "../config/mod.ts";
import { captureEnvironment } from "../env/mod.ts";

/** Options for {@linkcode captureRunEnvironment}. */
export interface CaptureRunEnvironmentOptions {
  /** The LM Studio URL may be non-loopback (the run allowed it). @default false */
  allowRemote?: boolean;
}

/**
 * The environment recorded in a run manifest: hardware and software, git state of the project,
 * and LM Studio's reachability and version when the run uses it (`lmstudioBaseUrl` non-null;
 * refused by the endpoint policy unless loopback or `allowRemote`).
 */
export async function captureRunEnvironment(
  lmstudioBaseUrl: string | null,
  options: CaptureRunEnvironmentOptions = {},
): Promise<Record<string, unknown>> {
  return (await captureEnvironment({
    lmstudioBaseUrl: lmstudioBaseUrl ?? undefined,
    lmstudioAllowRemote: options.allowRemote,
    cwd: PROJECT_ROOT,
  })) as unknown as Record<string, unknown>;
}
