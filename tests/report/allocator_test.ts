/**
 * The allocator settings of a large report load (lib/report/_allocator.ts): on this Linux/glibc
 * machine they take effect through FFI, and without the FFI permission they do nothing (no error,
 * no prompt), as in a notebook run without `--allow-ffi`.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { fixMmapThreshold, trim } from "../../lib/report/_allocator.ts";

Deno.test("on Linux with glibc the mmap threshold is fixed and the heaps trimmed", () => {
  if (Deno.build.os !== "linux") return;
  assert.equal(fixMmapThreshold(), true);
  assert.equal(trim(), true);
});

Deno.test("without the FFI permission both calls do nothing and say so", async () => {
  const module = new URL("../../lib/report/_allocator.ts", import.meta.url).href;
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(
    script,
    `import { fixMmapThreshold, trim } from ${JSON.stringify(module)};
console.log(JSON.stringify([fixMmapThreshold(), trim()]));`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      `--allow-read=${fileURLToPath(new URL("../..", import.meta.url))}`,
      script,
    ],
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), [false, false]);
  await Deno.remove(script);
});
