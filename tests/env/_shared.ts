/** Where the read-only shared folder (fixtures) lives: EDGE_BENCH_SHARED_DIR or `<project>/../shared`. */
export const SHARED_DIR: string = Deno.env.get("EDGE_BENCH_SHARED_DIR") ??
  decodeURIComponent(new URL("../../../shared", import.meta.url).pathname);

/** Read a published sample output from shared/fixtures (see its INDEX.md for provenance). */
export function readFixture(name: string): Promise<string> {
  return Deno.readTextFile(`${SHARED_DIR}/fixtures/${name}`);
}
