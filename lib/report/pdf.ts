/** The HTML report printed to PDF by headless Chromium (Chrome on macOS). @module */
import { PdfError, PdfPrinter } from "./_pdf_printer.ts";

export { PdfError, PdfPrinter, type PdfPrinterOptions } from "./_pdf_printer.ts";

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
  /** A browser already running (started early, see {@linkcode PdfPrinter}). @default one started here */
  printer?: PdfPrinter;
}

/**
 * Print `htmlPath` to `pdfPath` with headless Chromium (over its DevTools protocol on 127.0.0.1,
 * no network, no profile left behind): with `printer`, that running browser; else one started for
 * this print and ended after it. Throws {@linkcode PdfError} naming how to install Chromium when
 * none is found, or with Chromium's last output when it did not print.
 */
export async function printPdf(
  htmlPath: string,
  pdfPath: string,
  options: PrintPdfOptions = {},
): Promise<void> {
  await Deno.remove(pdfPath).catch(() => {});
  if (options.printer) return await options.printer.print(htmlPath, pdfPath);
  const chromium = options.chromium ?? findChromium();
  if (!chromium) {
    throw new PdfError(
      "Cannot print the report to PDF: no Chromium found (set CHROMIUM, or install it: 'apt-get install chromium' on Debian/Ubuntu, Google Chrome on macOS)",
    );
  }
  const printer = new PdfPrinter(chromium, { timeoutMs: options.timeoutMs });
  try {
    await printer.print(htmlPath, pdfPath);
  } finally {
    await printer.close();
  }
}
