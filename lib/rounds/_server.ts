import type { ServerLaunch } from "../config/mod.ts";
import { checkEndpoint, resolveProjectPath } from "../config/mod.ts";
import { spawnGuarded } from "../process/mod.ts";

/** A server started for a round. */
export interface LaunchedServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  pid: number;
  /** The full command line it was started with. */
  argv: string[];
  /** What the server says about its settings (llama-server `GET /props`), when it answers. */
  props: Record<string, unknown> | null;
  /** Wall time from spawn to a healthy answer (ms). */
  startupMs: number;
  stop(): Promise<void>;
}

/** A server that did not come up; its output tail is in the message. */
export class ServerLaunchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ServerLaunchError";
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Start a llama-server-like program on 127.0.0.1 with `--host 127.0.0.1 --port P -m MODEL`, the
 * launch's own args and the round's flags; wait until its health path answers 200; read `/props`.
 * The server gets a lifeline (lib/process): it does not outlive this process.
 */
export async function launchServer(launch: ServerLaunch, flags: string[]): Promise<LaunchedServer> {
  const port = freePort();
  const origin = `http://127.0.0.1:${port}`;
  checkEndpoint(origin, { source: "launchServer()", field: "--host 127.0.0.1 --port" });
  const [cmd, ...lead] = launch.command;
  const argv = [
    ...lead,
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "-m",
    resolveProjectPath(launch.model_path),
    ...launch.args,
    ...flags,
  ];
  const t0 = performance.now();
  let child: Deno.ChildProcess;
  try {
    // With a lifeline: the server ends with this process, even after a kill -9.
    child = spawnGuarded(cmd, { args: argv, stdout: "piped", stderr: "piped" });
  } catch (error) {
    throw new ServerLaunchError(`Cannot start '${cmd}': ${(error as Error).message}`, {
      cause: error,
    });
  }
  let tail = "";
  const keep = (stream: ReadableStream<Uint8Array>) =>
    stream.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write(t) {
          tail = (tail + t).slice(-2000);
        },
      }),
    ).catch(() => {});
  const drained = Promise.all([keep(child.stdout), keep(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await status;
      clearTimeout(timer);
    }
    await drained;
  };
  while (true) {
    if (exited) {
      await drained;
      throw new ServerLaunchError(
        `'${[cmd, ...argv].join(" ")}' exited with ${(await status).code} before it was healthy: ${
          tail.trim().slice(-600)
        }`,
      );
    }
    if (performance.now() - t0 > launch.startup_timeout_ms) {
      await stop();
      throw new ServerLaunchError(
        `'${cmd}' was not healthy on ${origin}${launch.health_path} after ${launch.startup_timeout_ms} ms`,
      );
    }
    const ok = await fetch(`${origin}${launch.health_path}`, { signal: AbortSignal.timeout(1000) })
      .then(async (r) => {
        await r.body?.cancel();
        return r.ok;
      }, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const startupMs = performance.now() - t0;
  const props = await fetch(`${origin}/props`, { signal: AbortSignal.timeout(2000) })
    .then((r) => (r.ok ? r.json() : (r.body?.cancel(), null)), () => null);
  return { origin, pid: child.pid, argv: [cmd, ...argv], props, startupMs, stop };
}
