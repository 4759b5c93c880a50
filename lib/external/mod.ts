/**
 * Measurements made by other runners (e.g. fllama on a phone): the line schema and the import that
 * turns a JSONL file of them into perf records (`backend: "external"`, `runner` set) computed with
 * lib/perf's definitions, so they join every table and figure. Sits above lib/results and lib/perf.
 * @module
 */
export { type ExternalPerf, ExternalPerfSchema } from "./_schema.ts";
export { importExternalPerf, type ImportOptions, type ImportResult } from "./import.ts";
