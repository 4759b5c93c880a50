import assert from "node:assert/strict";
import { MemoryParseError, parseFootprint } from "../../lib/memory/mod.ts";
import { readFixture } from "../helpers/mod.ts";

const TRUNCATED = "footprint_p_ruby_applesilicon_socketry3_TRUNCATED.txt";

Deno.test("parseFootprint() reads the banner of the truncated ruby report", async () => {
  assert.deepEqual(parseFootprint(await readFixture(TRUNCATED)), {
    process_name: "ruby",
    pid: 3644,
    footprint_bytes: 44_040_192, // 42 MB × 1024 × 1024
    page_size_bytes: 16384,
    total_dirty_bytes: null, // truncated before the TOTAL row
    phys_footprint_bytes: null, // and before the auxiliary data
    phys_footprint_peak_bytes: null,
  });
});

// The tail of a complete report, in the layout of published full `footprint -p` captures
// (a `---` rule, the TOTAL row, then "Auxiliary data:"); the fixture itself stops before it.
const TAIL = [
  "    ---        ---          ---        ---    ---",
  "  43 MB      16 KB      1440 KB        588    TOTAL",
  "",
  "Auxiliary data:",
  "    phys_footprint: 42 MB",
  "    phys_footprint_peak: 1,024 MB",
  "",
].join("\n");

Deno.test("parseFootprint() reads the TOTAL row and phys_footprint lines of a complete report", async () => {
  const report = parseFootprint(`${await readFixture(TRUNCATED)}${TAIL}`);
  assert.equal(report.total_dirty_bytes, 45_088_768); // 43 × 1 048 576
  assert.equal(report.phys_footprint_bytes, 44_040_192); // 42 × 1 048 576
  assert.equal(report.phys_footprint_peak_bytes, 1_073_741_824); // 1,024 MB = 1024 × 1 048 576
});

Deno.test("parseFootprint() reads fractional and byte-formatted banners", () => {
  const gb = parseFootprint(
    "LM Studio Helper (GPU) [812]: 64-bit    Footprint: 2.5 GB (16384 bytes per page)",
  );
  assert.equal(gb.process_name, "LM Studio Helper (GPU)");
  assert.equal(gb.pid, 812);
  assert.equal(gb.footprint_bytes, 2_684_354_560); // 2.5 × 1 073 741 824
  const bytes = parseFootprint("node [9]: 64-bit    Footprint: 209715200 B (16384 bytes per page)");
  assert.equal(bytes.footprint_bytes, 209_715_200);
});

Deno.test("parseFootprint() rejects output without a Footprint banner", () => {
  assert.throws(
    () => parseFootprint("footprint: task_for_pid(1) failed\n"),
    (error) =>
      error instanceof MemoryParseError &&
      error.message ===
        "Cannot parse footprint output: no 'name [pid]: ... Footprint: N MB' banner line: current value is 'footprint: task_for_pid(1) failed'",
  );
});
