/**
 * The results viewer: a read-only local web page over a results folder, served on 127.0.0.1 only
 * (`deno task view`). Pages: every run with its status; an eval run's summary, confusion matrix
 * and samples (filters: wrong, invalid, label, text) and each sample's whole exchange; two eval
 * runs side by side, disagreements first; a compliance run's probes, verdicts and evidence by
 * OWASP item with the risk analysis and its NIST mapping; a perf run's requests with their
 * timelines. Records are read through lib/results' schemas and lib/report's loader; a bad line is
 * skipped and named (file:line), never fatal. Server-rendered HTML, a local stylesheet and a small
 * plain script: no build step, no CDN, works offline.
 *
 * Stable URLs: `/run/<run id>`, `/run/<id>/sample/<sample id>`, `/run/<id>/request/<file>/<line>`,
 * `/run/<id>/probe/<model key>/<probe id>`, `/compare?a=<run id>&b=<run id>`, `/files`,
 * `/api/runs` (JSON); every segment URL-encoded.
 *
 * @example
 * ```ts ignore
 * import { serveViewer } from "./mod.ts";
 * const viewer = await serveViewer({ resultsDir: "results", port: 0 });
 * console.log(`${viewer.url}/`);
 * await viewer.shutdown();
 * ```
 * @module
 */
export { bindAddress, isLoopbackHost, NonLoopbackBindError } from "./_bind.ts";
export {
  DEFAULT_VIEWER_PORT,
  serveViewer,
  type ViewerOptions,
  type ViewerServer,
} from "./_server.ts";
export { runHref } from "./_html.ts";
export {
  buildIndex,
  type BuildIndexOptions,
  type ResultsIndex,
  type RunInfo,
  type RunKind,
  type RunModel,
} from "./_index.ts";
export { type ChunkTimes, chunkTimes } from "./_timeline.ts";
