import { PROJECT_ROOT } from "../config/mod.ts";
import { captureEnvironment } from "../env/mod.ts";

/**
 * The environment recorded in a run manifest: hardware and software, git state of the project,
 * and LM Studio's reachability and version when the run uses it (`lmstudioBaseUrl` non-null).
 */
export async function captureRunEnvironment(
  lmstudioBaseUrl: string | null,
): Promise<Record<string, unknown>> {
  return (await captureEnvironment({
    lmstudioBaseUrl: lmstudioBaseUrl ?? undefined,
    cwd: PROJECT_ROOT,
  })) as unknown as Record<string, unknown>;
}
