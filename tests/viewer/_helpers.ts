/** Viewer tests: the `deno task view` subprocess on 127.0.0.1, page navigation, screenshots. */
import { join } from "node:path";
import { ROOT } from "../helpers/mod.ts";
import type { PageVisit } from "../report/_chromium.ts";

/** A running `lib/cli/view.ts`. */
export interface ViewerProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>;
}

/** Start `lib/cli/view.ts --results <dir> --port 0` and wait for the URL it prints. */
export async function startViewer(
  resultsDir: string,
  extra: string[] = [],
): Promise<ViewerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      join(ROOT, "lib/cli/view.ts"),
      "--results",
      resultsDir,
      "--port",
      "0",
      ...extra,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let url: string | null = null;
  while (!url) {
    const { value, done } = await reader.read();
    if (done) {
      const err = await new Response(child.stderr).text();
      await child.status;
      throw new Error(`viewer exited before listening: ${buffer}\n${err}`);
    }
    buffer += value;
    url = buffer.match(/on (http:\/\/127\.0\.0\.1:\d+)\//)?.[1] ?? null;
  }
  const drainOut = (async () => {
    try {
      while (!(await reader.read()).done) { /* keep the pipe from filling */ }
    } catch { /* closed */ }
  })();
  const stderr = new Response(child.stderr).text();
  return {
    url,
    port: Number(new URL(url).port),
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      const status = await child.status;
      await drainOut;
      await stderr;
      return status.code;
    },
  };
}

/** Navigate the page (by URL or by clicking a selector) and wait until the new page has loaded. */
export async function go(page: PageVisit, how: { url: string } | { click: string }): Promise<void> {
  await page.evaluate(`window.__viewerTestMarker = true`);
  const action = "url" in how
    ? `location.href = ${JSON.stringify(how.url)}`
    : `(() => { const el = document.querySelector(${
      JSON.stringify(how.click)
    }); if (!el) throw new Error("no element ${how.click.replaceAll('"', "'")}"); el.click(); })()`;
  await page.evaluate(action);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`navigation timed out (${JSON.stringify(how)})`);
    await new Promise((r) => setTimeout(r, 100));
    try {
      const done = await page.evaluate<boolean>(
        `window.__viewerTestMarker === undefined && document.readyState === "complete"`,
      );
      if (done) return;
    } catch { /* the old page is going away */ }
  }
}

/** Where screenshots go: EDGE_BENCH_VIEWER_SHOTS, or a temporary folder (printed). */
export async function shotsDir(): Promise<string> {
  const dir = Deno.env.get("EDGE_BENCH_VIEWER_SHOTS") ??
    await Deno.makeTempDir({ prefix: "viewer-shots-" });
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

/** Screenshot the whole page (up to 3000 px tall) at 1440 px wide; returns the file written. */
export async function screenshot(page: PageVisit, dir: string, name: string): Promise<string> {
  await page.screenshot(1440, 900); // lay the page out at the screenshot's width first
  const height = Math.min(
    3000,
    Math.max(700, await page.evaluate<number>(`document.documentElement.scrollHeight`)),
  );
  const png = await page.screenshot(1440, height);
  const path = join(dir, `${name}.png`);
  await Deno.writeFile(path, png);
  return path;
}
