/**
 * The command-line plumbing every command shares: flags (negative numbers, empty values,
 * optional values, folders) and the rule that maps an error to its exit code and its one line.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  dirFlag,
  errorLines,
  exitCodeOf,
  intFlag,
  parseFlags,
  parseFlagsWithResume,
  UsageError,
} from "../../lib/cli/_common.ts";
import { BackendError } from "../../lib/backends/mod.ts";
import { ConfigError, UnknownNameError } from "../../lib/config/mod.ts";
import { ManifestError, ResultsWriteError } from "../../lib/results/mod.ts";

const OPTIONS = {
  runs: { type: "string" },
  models: { type: "string" },
  resume: { type: "boolean" },
  quiet: { type: "boolean" },
} as const;

Deno.test("parseFlags() reads '--runs -3' as the value -3, never as a flag", () => {
  assert.equal(parseFlags(["--runs", "-3"], OPTIONS).runs, "-3");
  assert.equal(parseFlags(["--runs", "-0.5"], OPTIONS).runs, "-0.5");
  assert.equal(parseFlags(["--runs=-3"], OPTIONS).runs, "-3");
});

Deno.test("parseFlags() says what is wrong with a flag, naming it and the value", () => {
  const cases: [string[], string][] = [
    [["--models", ""], 'Flag --models is empty: current value is ""'],
    [["--models", "  "], 'Flag --models is empty: current value is "  "'],
    [["--runs"], "Flag --runs needs a value (e.g. --runs VALUE)"],
    [["--quiet=yes"], 'Flag --quiet takes no value: current value is "yes"'],
    [["--bogus"], "Unknown option '--bogus' (see --help for the flags of this command)"],
    [["-x"], "Unknown option '-x' (see --help for the flags of this command)"],
    [["stray"], 'Unexpected argument "stray" (see --help)'],
    [
      ["--models", "-x"],
      `Flag --models needs a value, but it is followed by "-x", which reads as a flag (write --models=VALUE for a value starting with '-')`,
    ],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => parseFlags(args, OPTIONS),
      (e: Error) => e instanceof UsageError && e.message === message,
      args.join(" "),
    );
  }
});

Deno.test("parseFlagsWithResume() takes an optional run id after --resume, and refuses an empty one", () => {
  assert.equal(parseFlagsWithResume(["--resume", "run_1", "--quiet"], OPTIONS).resume, "run_1");
  assert.equal(parseFlagsWithResume(["--resume", "--quiet"], OPTIONS).resume, true);
  assert.equal(parseFlagsWithResume(["--quiet"], OPTIONS).resume, undefined);
  assert.throws(() => parseFlagsWithResume(["--resume", ""], OPTIONS), /Flag --resume is empty/);
});

Deno.test("intFlag() checks integers and their range, showing the value as given", () => {
  assert.equal(intFlag("runs", "20", { min: 1 }), 20);
  assert.equal(intFlag("runs", undefined, { min: 1 }), undefined);
  assert.equal(intFlag("port", "0", { min: 0, max: 65535 }), 0);
  const cases: [string, Parameters<typeof intFlag>[2], string][] = [
    ["-3", { min: 1 }, "Flag --x must be an integer of at least 1: current value is -3"],
    ["2.5", { min: 1 }, 'Flag --x must be an integer of at least 1: current value is "2.5"'],
    ["1e3", {}, 'Flag --x must be an integer: current value is "1e3"'],
    [
      "99999999999999999999",
      { min: 1 },
      'Flag --x must be an integer of at least 1: current value is "99999999999999999999"',
    ],
    [
      "70000",
      { min: 0, max: 65535 },
      "Flag --x must be an integer from 0 to 65535: current value is 70000",
    ],
  ];
  for (const [value, range, message] of cases) {
    assert.throws(() => intFlag("x", value, range), (e: Error) => e.message === message, value);
  }
});

Deno.test("dirFlag() refuses a file, and a missing folder that must exist; it creates nothing", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "f");
  await Deno.writeTextFile(file, "x");
  assert.equal(dirFlag("results-dir", dir), dir);
  assert.equal(dirFlag("results-dir", join(dir, "new")), join(dir, "new"));
  assert.throws(
    () => dirFlag("results-dir", file),
    (e: Error) =>
      e instanceof UsageError &&
      e.message ===
        `Flag --results-dir must be a folder, but it names a file: current value is ${
          JSON.stringify(file)
        }`,
  );
  assert.throws(
    () => dirFlag("data-dir", join(dir, "none"), { mustExist: true }),
    /^UsageError: Flag --data-dir must be an existing folder, but there is no such folder/,
  );
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["f"]);
});

Deno.test("exitCodeOf() gives bad input 2, the environment 1, and a bug null (its stack is shown)", () => {
  const os = new Error("Read-only file system (os error 30): mkdir '/r'");
  (os as Error & { code: string }).code = "EROFS";
  const cases: [unknown, 1 | 2 | null][] = [
    [new UsageError("x"), 2],
    [new ConfigError("f.yaml", "runs", 0, "must be positive"), 2],
    [new ManifestError("m.json", "runs", 0, "is invalid"), 2],
    [new UnknownNameError("model", "x", ["a"]), 2],
    [new RangeError("bad argument"), 2],
    [new BackendError("LM Studio is not reachable"), 1],
    [new ResultsWriteError("/r/x.json", "creating its temporary file", os), 1],
    [new Deno.errors.PermissionDenied("Permission denied (os error 13)"), 1],
    [new Deno.errors.NotADirectory("Not a directory (os error 20)"), 1],
    [os, 1],
    [new TypeError("Cannot read properties of undefined"), null],
    [new Error("a bug"), null],
    ["a string", null],
  ];
  for (const [error, code] of cases) assert.equal(exitCodeOf(error), code, String(error));
});

Deno.test("errorLines() adds the manifest's failure after the first error", () => {
  const first = new Error(
    "Cannot write /r/s.json: creating its temporary file s.json.tmp-1-0 failed",
  );
  assert.deepEqual(errorLines(first), [`error: ${first.message}`]);
  (first as Error & { manifestError?: unknown }).manifestError = new Error(
    "Cannot write /r/m.json",
  );
  assert.deepEqual(errorLines(first), [
    `error: ${first.message}`,
    "note: the run's manifest could not be updated either: Cannot write /r/m.json",
  ]);
});
