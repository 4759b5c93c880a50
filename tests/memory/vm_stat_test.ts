import assert from "node:assert/strict";
import { MemoryParseError, parseVmStat, VM_STAT_COUNTER_KEYS } from "../../lib/memory/mod.ts";
import { readFixture } from "../helpers/mod.ts";

const INTEL = "vm_stat_intel_4096_wazuh.txt";
const APPLE_TRUNCATED = "vm_stat_apple_silicon_16384_hmcl_TRUNCATED.txt";

Deno.test("parseVmStat() reads the 4096-byte page size and every counter of a full Intel report", async () => {
  const stat = parseVmStat(await readFixture(INTEL));
  assert.equal(stat.page_size_bytes, 4096);
  assert.equal(stat.counters.pages_free, 6127229);
  assert.equal(stat.counters.translation_faults, 11477162);
  assert.equal(stat.counters.file_backed_pages, 1080348);
  assert.equal(stat.counters.pages_copy_on_write, 356264);
  assert.equal(stat.counters.pageins, 280307);
  assert.equal(stat.counters.swapouts, 0);
  for (const key of VM_STAT_COUNTER_KEYS) assert.equal(typeof stat.counters[key], "number", key);
});

Deno.test("parseVmStat() computes used memory as app + wired + compressed on the Intel report", async () => {
  const stat = parseVmStat(await readFixture(INTEL));
  // app = (Anonymous 464333 − purgeable 11820) = 452513 pages × 4096 = 1 853 493 248
  assert.equal(stat.app_memory_bytes, 1_853_493_248);
  // wired = 715958 × 4096 = 2 932 563 968
  assert.equal(stat.wired_bytes, 2_932_563_968);
  // compressed = 0 pages occupied by compressor
  assert.equal(stat.compressed_bytes, 0);
  // used = (452513 + 715958 + 0) = 1168471 pages × 4096 = 4 786 057 216
  assert.equal(stat.used_bytes, 4_786_057_216);
});

Deno.test("parseVmStat() reads the 16384-byte page size and 10-digit counters of the truncated Apple Silicon report", async () => {
  const stat = parseVmStat(await readFixture(APPLE_TRUNCATED));
  assert.equal(stat.page_size_bytes, 16384);
  assert.equal(stat.counters.translation_faults, 8_667_427_138);
  assert.equal(stat.counters.pages_zero_filled, 4_902_315_421);
  assert.equal(stat.counters.decompressions, 591_661_242);
  assert.equal(stat.counters.pages_stored_in_compressor, 1_943_619);
});

Deno.test("parseVmStat() gives null, not NaN, for the rows a truncated report lacks", async () => {
  const stat = parseVmStat(await readFixture(APPLE_TRUNCATED));
  for (const key of ["compressions", "pageins", "pageouts", "swapins", "swapouts"]) {
    assert.equal(stat.counters[key], null, key);
  }
  for (const value of Object.values(stat.counters)) {
    assert.ok(value === null || Number.isFinite(value), String(value));
  }
});

Deno.test("parseVmStat() computes used memory from the rows a truncated report still has", async () => {
  const stat = parseVmStat(await readFixture(APPLE_TRUNCATED));
  // app = (Anonymous 596147 − purgeable 17340) = 578807 pages × 16384 = 9 483 173 888
  assert.equal(stat.app_memory_bytes, 9_483_173_888);
  // wired = 181483 × 16384 = 2 973 417 472
  assert.equal(stat.wired_bytes, 2_973_417_472);
  // compressed = 442179 × 16384 = 7 244 660 736
  assert.equal(stat.compressed_bytes, 7_244_660_736);
  // used = (578807 + 181483 + 442179) = 1202469 pages × 16384 = 19 701 252 096
  assert.equal(stat.used_bytes, 19_701_252_096);
});

Deno.test("parseVmStat() gives a null used memory when a counter it needs is missing", async () => {
  const text = (await readFixture(INTEL)).split("\n").filter((line) =>
    !line.startsWith("Pages purgeable:")
  ).join("\n");
  const stat = parseVmStat(text);
  assert.equal(stat.counters.pages_purgeable, null);
  assert.equal(stat.app_memory_bytes, null);
  assert.equal(stat.used_bytes, null);
  assert.equal(stat.wired_bytes, 2_932_563_968); // 715958 × 4096, unaffected
});

Deno.test("parseVmStat() gives null byte figures when the page-size header is missing", async () => {
  const text = (await readFixture(APPLE_TRUNCATED)).split("\n").slice(1).join("\n");
  const stat = parseVmStat(text);
  assert.equal(stat.page_size_bytes, null);
  assert.equal(stat.counters.pages_active, 446206);
  assert.equal(stat.wired_bytes, null);
  assert.equal(stat.used_bytes, null);
});

Deno.test("parseVmStat() floors app memory at zero when purgeable exceeds anonymous pages", () => {
  const stat = parseVmStat(
    "Mach Virtual Memory Statistics: (page size of 4096 bytes)\n" +
      "Pages wired down: 3.\nPages purgeable: 9.\nAnonymous pages: 5.\nPages occupied by compressor: 2.\n",
  );
  assert.equal(stat.app_memory_bytes, 0);
  assert.equal(stat.used_bytes, (0 + 3 + 2) * 4096);
});

Deno.test("parseVmStat() rejects text that is not vm_stat output", () => {
  assert.throws(
    () => parseVmStat("command not found: vm_stat"),
    (error) =>
      error instanceof MemoryParseError &&
      error.message ===
        "Cannot parse vm_stat output: no 'Mach Virtual Memory Statistics' header and no counter rows: current value is 'command not found: vm_stat'",
  );
});
