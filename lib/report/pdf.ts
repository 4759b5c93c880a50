/** The HTML report printed to PDF by headless Chromium (Chrome on macOS). @module */
import { pathToFileURL } from "node:url";

/** Chromium cannot be found or did not write the PDF. */
export class PdfError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PdfError";
  }
}

const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

/** The browser to print with: `$CHROMIUM`, else the first of the usual paths that exists, else null. */
export function findChromium(
  env: (name: string) => string | undefined = Deno.env.get,
): string | null {
  const explicit = env("CHROMIUM");
  if (explicit) return explicit;
  for (const path of CANDIDATES) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not here */ }
  }
  return null;
}

/** Options for {@linkcode printPdf}. */
export interface PrintPdfOptions {
  /** Browser executable. @default findChromium() */
  chromium?: string;
  /** @default 120000 */
  timeoutMs?: number;
}

/**
 * Print `htmlPath` to `pdfPath` with headless Chromium (`--print-to-pdf`, no network, no
 * profile left behind). Throws {@linkcode PdfError} naming how to install Chromium when none is
 * found, or with Chromium's last output when it wrote nothing.
 */
export async function printPdf(
  htmlPath: string,
  pdfPath: string,
  options: PrintPdfOptions = {},
): Promise<void> {
  const chromium = options.chromium ?? findChromium();
  if (!chromium) {
    throw new PdfError(
      "Cannot print the report to PDF: no Chromium found (set CHROMIUM, or install it: 'apt-get install chromium' on Debian/Ubuntu, Google Chrome on macOS)",
    );
  }
  const profile = await Deno.makeTempDir({ prefix: "edge-bench-pdf-" });
  try {
    await Deno.remove(pdfPath).catch(() => {});
    const child = new Deno.Command(chromium, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        "--no-pdf-header-footer",
        `--print-to-pdf=${pdfPath}`,
        pathToFileURL(htmlPath).href,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, options.timeoutMs ?? 120_000);
    const out = await child.output();
    clearTimeout(timer);
    let size = 0;
    try {
      size = (await Deno.stat(pdfPath)).size;
    } catch { /* not written */ }
    if (size === 0) {
      throw new PdfError(
        `Chromium (${chromium}) wrote no PDF at ${pdfPath} (exit ${out.code}): ${
          new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ")
        }`,
      );
    }
  } catch (error) {
    if (error instanceof PdfError) throw error;
    throw new PdfError(`Cannot run ${chromium} to print the report: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}
