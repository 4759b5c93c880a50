/**
 * Headless Chromium kept open to print HTML files to PDF over the DevTools protocol (on
 * 127.0.0.1): the browser takes about a second to start, so the report command starts it while
 * the tables are computed and prints once the HTML is written: Letter in landscape, default
 * margins, backgrounds (the band colours), no header or footer, scaled down to fit the widest table
 * (not below 0.6).
 * @module
 */
import { Buffer } from "node:buffer";
import { pathToFileURL } from "node:url";

/** Chromium cannot be found, did not start, or did not print. */
export class PdfError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PdfError";
  }
}

/** The flags every headless run gets (no network of its own, no profile left behind). */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A DevTools protocol message (a command's reply, or an event). */
export interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/** Options for {@linkcode PdfPrinter}. */
export interface PdfPrinterOptions {
  /** Longest a start or one print may take before the browser is killed. @default 120000 */
  timeoutMs?: number;
}

/**
 * One headless Chromium, started at construction (in the background), printing any number of
 * HTML files; `close()` ends it. A start that fails is reported by the first `print`.
 */
export class PdfPrinter {
  readonly #chromium: string;
  readonly #timeoutMs: number;
  #child: Deno.ChildProcess | null = null;
  #ws: WebSocket | null = null;
  #profile: string | null = null;
  #stderr = "";
  #drain: Promise<void> | null = null;
  #nextId = 1;
  #pending = new Map<number, { resolve: (m: CdpMessage) => void; reject: (e: Error) => void }>();
  #listeners = new Set<(m: CdpMessage) => void>();
  #ready: Promise<void>;
  #closed = false;

  constructor(chromium: string, options: PdfPrinterOptions = {}) {
    this.#chromium = chromium;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#ready = this.#start();
    // Reported by print(); a printer closed unused must not leave an unhandled rejection.
    this.#ready.catch(() => {});
  }

  /** The browser's temporary profile folder (removed by `close()`); null before it started. */
  get profile(): string | null {
    return this.#profile;
  }

  async #start(): Promise<void> {
    this.#profile = await Deno.makeTempDir({ prefix: "edge-bench-pdf-" });
    try {
      this.#child = new Deno.Command(this.#chromium, {
        args: [
          ...CHROMIUM_FLAGS,
          "--remote-debugging-address=127.0.0.1",
          "--remote-debugging-port=0",
          `--user-data-dir=${this.#profile}`,
          "about:blank",
        ],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      throw new PdfError(
        `Cannot run ${this.#chromium} to print the report: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const reader = this.#child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    const url = await this.#within("Chromium to start", async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          const status = await this.#child!.status;
          throw new PdfError(
            `Cannot run ${this.#chromium} to print the report: it exited (code ${status.code}) before opening its DevTools port: ${
              this.#stderr.trim().split("\n").slice(-3).join(" | ")
            }`,
          );
        }
        this.#stderr = (this.#stderr + value).slice(-4000);
        const found = this.#stderr.match(/DevTools listening on (ws:\/\/\S+)/)?.[1];
        if (found) return found;
      }
    });
    // Keep reading its messages so the pipe never fills.
    this.#drain = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          this.#stderr = (this.#stderr + value).slice(-4000);
        }
      } catch { /* closed */ }
    })();
    if (new URL(url).hostname !== "127.0.0.1") {
      throw new PdfError(`Chromium's DevTools port is not on 127.0.0.1: ${url}`);
    }
    const ws = new WebSocket(url);
    await this.#within(
      "Chromium's DevTools connection",
      () =>
        new Promise<void>((resolve, reject) => {
          ws.onopen = () => resolve();
          ws.onerror = () => reject(new PdfError(`Cannot connect to Chromium at ${url}`));
        }),
    );
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data as string) as CdpMessage;
      const waiting = m.id === undefined ? undefined : this.#pending.get(m.id);
      if (waiting) {
        this.#pending.delete(m.id!);
        if (m.error) waiting.reject(new PdfError(`Chromium: ${m.error.message}`));
        else waiting.resolve(m);
      } else for (const l of this.#listeners) l(m);
    };
    ws.onclose = () => {
      for (const p of this.#pending.values()) {
        p.reject(new PdfError("Chromium closed its connection"));
      }
      this.#pending.clear();
    };
    this.#ws = ws;
  }

  /** `work()`, or a PdfError once the timeout passed (the caller closes the printer). */
  async #within<T>(what: string, work: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        work(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new PdfError(`${what} took more than ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  #send(method: string, params: Record<string, unknown> = {}, sessionId?: string) {
    return new Promise<CdpMessage>((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { resolve, reject });
      this.#ws!.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  /** Print `htmlPath` to `pdfPath` (written only when Chromium returned a PDF). */
  async print(htmlPath: string, pdfPath: string): Promise<void> {
    if (this.#closed) throw new PdfError("the PDF printer is closed");
    await this.#ready;
    await this.#within(`Printing ${htmlPath}`, async () => {
      const { result: target } = await this.#send("Target.createTarget", { url: "about:blank" });
      const targetId = target!.targetId as string;
      try {
        const { result: attached } = await this.#send("Target.attachToTarget", {
          targetId,
          flatten: true,
        });
        const session = attached!.sessionId as string;
        let loaded = () => {};
        const load = new Promise<void>((resolve) => loaded = resolve);
        const listener = (m: CdpMessage) => {
          if (m.sessionId === session && m.method === "Page.loadEventFired") loaded();
        };
        this.#listeners.add(listener);
        try {
          await this.#send("Page.enable", {}, session);
          await this.#send("Page.navigate", { url: pathToFileURL(htmlPath).href }, session);
          await load;
        } finally {
          this.#listeners.delete(listener);
        }
        // Landscape Letter, scaled down (not below 0.6) when the widest table is wider than the
        // printable width: a page must not cut a table's last columns off.
        const printable = Math.round((11 - 2 * 0.4) * 96);
        await this.#send("Emulation.setEmulatedMedia", { media: "print" }, session);
        await this.#send("Emulation.setDeviceMetricsOverride", {
          width: printable,
          height: 800,
          deviceScaleFactor: 1,
          mobile: false,
        }, session);
        const { result: measured } = await this.#send("Runtime.evaluate", {
          expression: "document.documentElement.scrollWidth",
          returnByValue: true,
        }, session);
        const width = Number((measured!.result as { value: unknown }).value) || printable;
        const { result } = await this.#send("Page.printToPDF", {
          displayHeaderFooter: false,
          printBackground: true,
          landscape: true,
          scale: Math.max(0.6, Math.min(1, printable / width)),
        }, session);
        const pdf = Buffer.from(result!.data as string, "base64");
        if (pdf.length === 0 || pdf.subarray(0, 5).toString() !== "%PDF-") {
          throw new PdfError(`Chromium (${this.#chromium}) returned no PDF for ${htmlPath}`);
        }
        await Deno.writeFile(pdfPath, pdf);
      } finally {
        await this.#send("Target.closeTarget", { targetId }).catch(() => {});
      }
    });
  }

  /** End the browser and remove its profile. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await this.#ready;
      await Promise.race([
        this.#send("Browser.close").catch(() => {}),
        new Promise((r) => timer = setTimeout(r, 3000)),
      ]);
    } catch { /* it did not start */ }
    // A pending timer would keep the process alive for 3 s after the report is done.
    clearTimeout(timer);
    this.#ws?.close();
    try {
      this.#child?.kill("SIGKILL");
    } catch { /* gone */ }
    await this.#child?.status.catch(() => {});
    await this.#drain;
    if (this.#profile) await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }
}
