// deno-lint-ignore-file no-console
/**
 * `deno task view [--results DIR] [--port N] [--host 127.0.0.1] [--config-dir DIR]`
 * @module
 */
import { relative, resolve } from "node:path";
import { DEFAULT_VIEWER_PORT, NonLoopbackBindError, serveViewer } from "../viewer/mod.ts";
import { dirFlag, intFlag, parseFlags, runMain, UsageError } from "./_common.ts";

const HELP = `Usage: deno task view [options]

Serves a read-only web page over a results folder on this machine only (127.0.0.1): every run,
eval samples, side by side comparisons, compliance findings, perf requests. Ctrl-C stops it.

  --results DIR      results folder (default: results/)
  --port N           port (default: ${DEFAULT_VIEWER_PORT}; 0 picks a free one)
  --host ADDR        loopback address to bind (default: 127.0.0.1; anything else is refused)
  --config-dir DIR   YAML configs used to score compliance runs (default: configs/)
  --help`;

/** Entry point; resolves when the server stops (the exit code). */
export async function main(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    results: { type: "string", default: "results" },
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    "config-dir": { type: "string" },
    help: { type: "boolean" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = intFlag("port", values.port, { min: 0, max: 65535 }) ?? DEFAULT_VIEWER_PORT;
  const configDir = dirFlag("config-dir", values["config-dir"], { mustExist: true });
  const dir = resolve(values.results);
  let isDir = false;
  try {
    isDir = (await Deno.stat(dir)).isDirectory;
  } catch { /* reported below */ }
  if (!isDir) {
    throw new UsageError(
      `Flag --results must be a results folder: current value is ${
        JSON.stringify(values.results)
      } (not a folder)`,
    );
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  let viewer;
  try {
    viewer = await serveViewer({
      resultsDir: dir,
      port,
      hostname: values.host,
      configDir: configDir ? resolve(configDir) : undefined,
      signal: controller.signal,
      onError: (error, request) =>
        console.error(
          `error: ${new URL(request.url).pathname}: ${
            error instanceof Error ? error.message : error
          }`,
        ),
    });
  } catch (error) {
    if (error instanceof NonLoopbackBindError) {
      throw new UsageError(`Flag --host: ${error.message}`);
    }
    if (error instanceof Deno.errors.AddrInUse) {
      throw new UsageError(
        `Flag --port: port ${port} is in use on ${values.host}: choose another (--port 0 picks a free one)`,
      );
    }
    throw error;
  }
  console.log(
    `Viewer of ${
      relative(Deno.cwd(), dir) || "."
    } on ${viewer.url}/ (this machine only; Ctrl-C stops it)`,
  );
  await viewer.finished;
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
