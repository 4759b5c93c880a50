/** The viewer's HTTP server: routes, the index kept fresh while runs append, loopback only. @module */
import { basename } from "node:path";
import { DEFAULT_PROBES_DIR, loadProbeSets, type ProbeCatalogue } from "../compliance/mod.ts";
import { complianceAnalysis } from "../report/mod.ts";
import { bindAddress, isLoopbackHostHeader } from "./_bind.ts";
import { loadEvalRun, sampleFilter } from "./_eval_data.ts";
import { listFiles, RecordFiles } from "./_files.ts";
import { h, page } from "./_html.ts";
import { buildIndex, type ResultsIndex } from "./_index.ts";
import { comparePage } from "./_page_compare.ts";
import {
  compliancePage,
  complianceRecords,
  type ComplianceRunData,
  complianceWarnings,
  probePage,
} from "./_page_compliance.ts";
import { evalRunPage } from "./_page_eval.ts";
import { samplePage } from "./_page_sample.ts";
import { loadPerfRun, perfRunPage, requestPage } from "./_page_perf.ts";
import { filesPage, runsPage } from "./_page_runs.ts";

/** The default port of `deno task view`. */
export const DEFAULT_VIEWER_PORT = 8765;

/** Options for {@linkcode serveViewer}. */
export interface ViewerOptions {
  /** Results folder to show (read only). */
  resultsDir: string;
  /** Port; 0 picks a free one. @default 8765 */
  port?: number;
  /** Loopback address to bind (127.0.0.0/8, ::1, localhost); anything else throws. @default "127.0.0.1" */
  hostname?: string;
  /** Folder of the YAML configs used to score compliance runs. @default "<project>/configs" */
  configDir?: string;
  /** Folder of the compliance probe sets (their prompts). @default "<project>/data/compliance" */
  probesDir?: string;
  /** Stops the server when aborted. @default never */
  signal?: AbortSignal;
  /** Called when a page fails to build (the page says so too). @default ignored */
  onError?: (error: unknown, request: Request) => void;
}

/** A running viewer. */
export interface ViewerServer {
  /** `http://<host>:<port>` */
  url: string;
  hostname: string;
  port: number;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
  /** Stop serving and wait until stopped. */
  shutdown(): Promise<void>;
}

const STATIC: Record<string, string> = {
  "viewer.css": "text/css; charset=utf-8",
  "viewer.js": "text/javascript; charset=utf-8",
};

const HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
};

function respond(body: string, status = 200, type = "text/html; charset=utf-8"): Response {
  return new Response(body, { status, headers: { ...HEADERS, "content-type": type } });
}

class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFound";
  }
}

class BadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequest";
  }
}

/** The index and the derived data, rebuilt when a file of the results folder changes. */
class ViewerState {
  readonly files = new RecordFiles();
  #stamp = "";
  #index: Promise<ResultsIndex> | null = null;
  #catalogue: Promise<ProbeCatalogue> | null = null;
  #analyses = new Map<string, Promise<ComplianceRunData["analysis"]>>();

  constructor(readonly options: ViewerOptions) {}

  async index(): Promise<ResultsIndex> {
    const stamp = (await listFiles(this.options.resultsDir)).map((f) => `${f.path}:${f.stamp}`)
      .join("\n");
    if (stamp !== this.#stamp || !this.#index) {
      this.#stamp = stamp;
      this.#analyses.clear();
      this.#index = buildIndex(this.options.resultsDir, { files: this.files });
      this.#index.catch(() => (this.#index = null));
    }
    return this.#index;
  }

  catalogue(): Promise<ProbeCatalogue> {
    this.#catalogue ??= loadProbeSets(this.options.probesDir ?? DEFAULT_PROBES_DIR);
    this.#catalogue.catch(() => (this.#catalogue = null));
    return this.#catalogue;
  }

  analysis(runId: string): Promise<ComplianceRunData["analysis"]> {
    let p = this.#analyses.get(runId);
    if (!p) {
      p = complianceAnalysis(this.options.resultsDir, {
        configDir: this.options.configDir,
        runId,
      }).then((a) => a.riskAnalysis);
      this.#analyses.set(runId, p);
      p.catch(() => this.#analyses.delete(runId));
    }
    return p;
  }
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function complianceData(state: ViewerState, index: ResultsIndex, runId: string) {
  const run = index.byId.get(runId)!;
  const data: ComplianceRunData = {
    run,
    records: complianceRecords(index, runId),
    catalogue: null,
    catalogueError: null,
    analysis: null,
    analysisError: null,
    warnings: complianceWarnings(index, run),
  };
  const [catalogue, analysis] = await Promise.allSettled([
    state.catalogue(),
    state.analysis(runId),
  ]);
  if (catalogue.status === "fulfilled") data.catalogue = catalogue.value;
  else data.catalogueError = message(catalogue.reason);
  if (analysis.status === "fulfilled") data.analysis = analysis.value;
  else data.analysisError = `The risk analysis could not be computed: ${message(analysis.reason)}`;
  return data;
}

async function route(state: ViewerState, url: URL): Promise<Response> {
  const parts = url.pathname.split("/").filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw new BadRequest(`Bad URL segment ${JSON.stringify(p)}`);
    }
  });
  if (parts[0] === "static" && parts.length === 2 && STATIC[parts[1]]) {
    const text = await Deno.readTextFile(new URL(`./static/${parts[1]}`, import.meta.url));
    return respond(text, 200, STATIC[parts[1]]);
  }
  const index = await state.index();
  if (parts.length === 0) return respond(runsPage(index));
  if (parts[0] === "files" && parts.length === 1) return respond(filesPage(index));
  if (parts[0] === "api" && parts[1] === "runs" && parts.length === 2) {
    return respond(
      JSON.stringify({ dir: index.dir, runs: index.runs, warnings: index.warnings }, null, 2),
      200,
      "application/json; charset=utf-8",
    );
  }
  if (parts[0] === "compare" && parts.length === 1) {
    const a = url.searchParams.get("a") ?? "";
    const b = url.searchParams.get("b") ?? "";
    const [da, db] = [
      await loadEvalRun(index, state.files, a),
      await loadEvalRun(index, state.files, b),
    ];
    if (!da || !db) {
      throw new NotFound(
        `Side by side needs two eval runs (?a=<run id>&b=<run id>): ${
          !da ? `'${a}'` : `'${b}'`
        } is not an eval run of this folder`,
      );
    }
    if (da.run.task !== db.run.task) {
      throw new BadRequest(
        `Side by side compares runs of the same task: ${a} is ${da.run.task}, ${b} is ${db.run.task}`,
      );
    }
    return respond(comparePage(index, da, db, url.searchParams));
  }
  if (parts[0] !== "run" || parts.length < 2) throw new NotFound(`No page at ${url.pathname}`);
  const runId = parts[1];
  const run = index.byId.get(runId);
  if (!run) throw new NotFound(`No run '${runId}' in ${index.dir}`);
  const rest = parts.slice(2);
  if (run.kind === "eval") {
    const data = (await loadEvalRun(index, state.files, runId))!;
    const filter = sampleFilter(url.searchParams);
    if (rest.length === 0) {
      return respond(
        evalRunPage(index, data, filter, Number(url.searchParams.get("page") ?? 1) || 1),
      );
    }
    if (rest[0] === "sample" && rest.length === 2) {
      const record = data.records.find((r) => r.sample_id === rest[1]);
      if (!record) throw new NotFound(`No sample '${rest[1]}' in run ${runId}`);
      const elsewhere = [];
      for (const other of index.runs) {
        if (other.kind !== "eval" || other.task !== run.task || other.run_id === runId) continue;
        const od = await loadEvalRun(index, state.files, other.run_id);
        const rec = od?.records.find((r) => r.sample_id === record.sample_id);
        if (od && rec) elsewhere.push({ run: other, record: rec });
      }
      return respond(samplePage(index, data, record, filter, elsewhere));
    }
  }
  if (run.kind === "perf" || run.kind === "rounds") {
    const data = (await loadPerfRun(index, state.files, runId))!;
    if (rest.length === 0) return respond(perfRunPage(index, data));
    if (rest[0] === "request" && rest.length === 3) {
      const q = data.requests.find((x) =>
        basename(x.file) === rest[1] && String(x.line) === rest[2]
      );
      if (!q) throw new NotFound(`No request at ${rest[1]}:${rest[2]} in run ${runId}`);
      return respond(requestPage(index, data, q));
    }
  }
  if (run.kind === "compliance") {
    const data = await complianceData(state, index, runId);
    if (rest.length === 0) return respond(compliancePage(index, data));
    if (rest[0] === "probe" && rest.length === 3) {
      const r = data.records.find((x) => x.model_key === rest[1] && x.probe_id === rest[2]);
      if (!r) throw new NotFound(`No probe '${rest[2]}' of model '${rest[1]}' in run ${runId}`);
      return respond(probePage(index, data, r));
    }
  }
  throw new NotFound(`No page at ${url.pathname}`);
}

function errorPage(state: ViewerState, status: number, title: string, text: string): Response {
  return respond(
    page(
      { title, resultsDir: state.options.resultsDir },
      h`<p>${text}</p><p><a href="/">All runs</a></p>`,
    ),
    status,
  );
}

/** The request handler (GET and HEAD only; requests whose Host is not loopback are refused). */
function handler(state: ViewerState) {
  return async (request: Request): Promise<Response> => {
    if (!isLoopbackHostHeader(request.headers.get("host"))) {
      return new Response("The viewer answers requests addressed to 127.0.0.1 only.\n", {
        status: 403,
        headers: { ...HEADERS, "content-type": "text/plain; charset=utf-8" },
      });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Read only: GET and HEAD only.\n", {
        status: 405,
        headers: { ...HEADERS, allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" },
      });
    }
    try {
      return await route(state, new URL(request.url));
    } catch (error) {
      if (error instanceof NotFound) return errorPage(state, 404, "Not found", error.message);
      if (error instanceof BadRequest) return errorPage(state, 400, "Bad request", error.message);
      state.options.onError?.(error, request);
      return errorPage(state, 500, "This page could not be built", message(error));
    }
  };
}

/**
 * Serve the viewer over a results folder on a loopback address (127.0.0.1 by default). Throws
 * {@linkcode NonLoopbackBindError} for any other address, before anything listens.
 */
export async function serveViewer(options: ViewerOptions): Promise<ViewerServer> {
  const hostname = bindAddress(options.hostname ?? "127.0.0.1");
  const info = await Deno.stat(options.resultsDir);
  if (!info.isDirectory) {
    throw new Deno.errors.NotADirectory(`${options.resultsDir} is not a folder`);
  }
  const state = new ViewerState(options);
  await state.index(); // a folder that cannot be indexed fails here, not on the first page
  const server = Deno.serve({
    hostname,
    port: options.port ?? DEFAULT_VIEWER_PORT,
    signal: options.signal,
    onListen: () => {},
  }, handler(state));
  const addr = server.addr as Deno.NetAddr;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    url: `http://${host}:${addr.port}`,
    hostname: addr.hostname,
    port: addr.port,
    finished: server.finished,
    shutdown: () => server.shutdown(),
  };
}
