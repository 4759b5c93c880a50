/**
 * Headless Chromium (Debian's /usr/bin/chromium) driven over the DevTools protocol on 127.0.0.1:
 * open a page, collect console errors, exceptions and requests, evaluate, screenshot.
 */

import { type CdpMessage, CHROMIUM_FLAGS } from "../../lib/report/_pdf_printer.ts";

export const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";

/** What happened while a page loaded. */
export interface PageVisit {
  consoleErrors: string[];
  requests: string[];
  evaluate<T>(expression: string): Promise<T>;
  screenshot(width: number, height: number): Promise<Uint8Array>;
}

type Message = CdpMessage;

/** Launch Chromium, open `url`, run `fn` on the loaded page, then close everything. */
export async function visit<T>(url: string, fn: (page: PageVisit) => Promise<T>): Promise<T> {
  const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
  const child = new Deno.Command(CHROMIUM, {
    args: [
      ...CHROMIUM_FLAGS,
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let wsUrl: string | null = null;
  const deadline = Date.now() + 30_000;
  while (!wsUrl) {
    const { value, done } = await reader.read();
    if (done || Date.now() > deadline) {
      throw new Error(`Chromium did not start: ${buffer.slice(-500)}`);
    }
    buffer += value;
    wsUrl = buffer.match(/DevTools listening on (ws:\/\/\S+)/)?.[1] ?? null;
  }
  const drain = (async () => {
    try {
      while (!(await reader.read()).done) { /* keep the pipe from filling */ }
    } catch { /* closed */ }
  })();
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const listeners: ((m: Message) => void)[] = [];
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data as string) as Message;
    if (m.id !== undefined && pending.has(m.id)) {
      const p = pending.get(m.id)!;
      pending.delete(m.id);
      m.error ? p.reject(new Error(m.error.message)) : p.resolve(m);
    } else listeners.forEach((l) => l(m));
  };
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
    new Promise<Message>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  try {
    const { result: created } = await send("Target.createTarget", { url: "about:blank" });
    const { result: attached } = await send("Target.attachToTarget", {
      targetId: created!.targetId,
      flatten: true,
    });
    const session = attached!.sessionId as string;
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    let loaded: () => void = () => {};
    const load = new Promise<void>((resolve) => loaded = resolve);
    listeners.push((m) => {
      if (m.sessionId !== session) return;
      const p = m.params ?? {};
      if (m.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "assert")) {
        consoleErrors.push(JSON.stringify(p.args));
      } else if (m.method === "Runtime.exceptionThrown") {
        consoleErrors.push(JSON.stringify(p.exceptionDetails));
      } else if (
        m.method === "Log.entryAdded" && (p.entry as { level: string }).level === "error"
      ) {
        consoleErrors.push((p.entry as { text: string }).text);
      } else if (m.method === "Network.requestWillBeSent") {
        requests.push((p.request as { url: string }).url);
      } else if (m.method === "Page.loadEventFired") loaded();
    });
    for (const domain of ["Page", "Runtime", "Log", "Network"]) {
      await send(`${domain}.enable`, {}, session);
    }
    await send("Page.navigate", { url }, session);
    await Promise.race([
      load,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error("page load timed out")), 30_000)
      ),
    ]);
    const page: PageVisit = {
      consoleErrors,
      requests,
      async evaluate<R>(expression: string): Promise<R> {
        const { result } = await send(
          "Runtime.evaluate",
          { expression, returnByValue: true },
          session,
        );
        return (result!.result as { value: R }).value;
      },
      async screenshot(width: number, height: number): Promise<Uint8Array> {
        await send("Emulation.setDeviceMetricsOverride", {
          width,
          height,
          deviceScaleFactor: 1,
          mobile: false,
        }, session);
        const { result } = await send("Page.captureScreenshot", { format: "png" }, session);
        return Uint8Array.from(atob(result!.data as string), (c) => c.charCodeAt(0));
      },
    };
    return await fn(page);
  } finally {
    try {
      await Promise.race([send("Browser.close"), new Promise((r) => setTimeout(r, 3000))]);
    } catch { /* already closing */ }
    ws.close();
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
    await drain;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** Decode an 8-bit RGB/RGBA PNG into pixels (for checking a screenshot is not blank). */
export async function decodePng(
  png: Uint8Array,
): Promise<{ width: number; height: number; channels: number; pixels: Uint8Array }> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  let width = 0, height = 0, channels = 0;
  const idat: Uint8Array[] = [];
  while (at < png.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const depth = data[8], colour = data[9];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || data[12] !== 0) {
        throw new Error(
          `unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${data[12]}`,
        );
      }
      channels = colour === 6 ? 4 : 3;
    } else if (type === "IDAT") idat.push(data);
    at += 12 + length;
  }
  const stream = new Blob(idat as BlobPart[]).stream().pipeThrough(
    new DecompressionStream("deflate"),
  );
  const raw = new Uint8Array(await new Response(stream).arrayBuffer());
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels };
}
