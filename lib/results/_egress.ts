/** Endpoints and data-egress findings in a run manifest. @module */
import { egressNotes, type ModelEndpoint } from "../config/mod.ts";
import type { RunEntry } from "./_manifest.ts";

/**
 * Record the endpoints a run reaches in its plan (`plan.endpoints`, keyed by model) and each
 * data-egress finding (a non-loopback endpoint that was allowed) in its notes, once. Mutates
 * `run`; writes nothing.
 */
export function recordEndpoints(run: RunEntry, endpoints: Record<string, ModelEndpoint>): void {
  run.plan = { ...run.plan, endpoints };
  for (const note of egressNotes(endpoints)) if (!run.notes.includes(note)) run.notes.push(note);
}
