/**
 * Subprocess of tests/report/write_test.ts: prints one page with a PdfPrinter, closes it, says
 * "closed" and returns from its module: the process should end at once (nothing left pending).
 */
import { join } from "node:path";
import { PdfPrinter } from "../../lib/report/pdf.ts";

const dir = await Deno.makeTempDir({ prefix: "printer-exit-" });
await Deno.writeTextFile(join(dir, "page.html"), "<!doctype html><p>One page.</p>");
const printer = new PdfPrinter(Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium");
await printer.print(join(dir, "page.html"), join(dir, "page.pdf"));
await printer.close();
await Deno.remove(dir, { recursive: true });
console.log("closed");
