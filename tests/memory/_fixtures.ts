/** Where the read-only shared folder is: `$EDGE_BENCH_SHARED_DIR`, else `<project root>/../shared`. */
const PROJECT_ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname);
export const SHARED_DIR: string = Deno.env.get("EDGE_BENCH_SHARED_DIR") ??
  `${PROJECT_ROOT}../shared`;

/** Text of one file of `shared/fixtures/`, read in place. */
export function readFixture(name: string): Promise<string> {
  return Deno.readTextFile(`${SHARED_DIR}/fixtures/${name}`);
}
