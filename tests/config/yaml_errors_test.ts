/**
 * YAML syntax errors name the file, the line and column, say what is wrong in words (a duplicate
 * key and its name, a tab, an unclosed bracket or quote) and quote the offending line as the
 * current value, never the file's first line.
 */
import assert from "node:assert/strict";
import { ConfigError, parseYamlText, selectNames, UnknownNameError } from "../../lib/config/mod.ts";

const cases: [string, string, RegExp][] = [
  [
    "a duplicate key",
    "seed: 42\nruns: 20\nwarmup: 3\nruns: 5\n",
    /^Cannot load config x\.yaml: 'line 4, column 1' is not valid YAML: the key 'runs' appears twice in the same mapping \(parser: Map keys must be unique\): current value is "runs: 5"$/,
  ],
  [
    "a tab as indentation",
    "seed: 42\nmemory:\n\tinterval_ms: 100\n",
    /^Cannot load config x\.yaml: 'line 3, column 1' is not valid YAML: a tab is used for indentation \(YAML allows spaces only\) \(parser: Tabs are not allowed as indentation\): current value is "\\tinterval_ms: 100"$/,
  ],
  [
    "an unclosed bracket",
    "seed: 42\nscenarios: [a, b\nruns: 3\n",
    /^Cannot load config x\.yaml: 'line 3, column 1' is not valid YAML: the indentation is wrong or a bracket is not closed \(parser: Flow sequence in block collection must be sufficiently indented and end with a \]\): current value is "runs: 3"$/,
  ],
  [
    "an unclosed quote",
    'seed: 42\nname: "abc\n',
    /^Cannot load config x\.yaml: 'line \d+, column \d+' is not valid YAML: a closing character \(quote or bracket\) is missing \(parser: Missing closing "quote\): current value is /,
  ],
  [
    "a mapping nested on one line",
    "seed: 42\nname: a: b\n",
    /^Cannot load config x\.yaml: 'line 2, column 7' is not valid YAML: a mapping is nested on one line .*: current value is "name: a: b"$/,
  ],
];

for (const [what, text, message] of cases) {
  Deno.test(`parseYamlText() names the line, the problem and the line's text for ${what}`, () => {
    assert.throws(
      () => parseYamlText(text, "x.yaml"),
      (e: Error) =>
        e instanceof ConfigError && message.test(e.message) && !e.message.includes("seed: 42"),
    );
  });
}

Deno.test("parseYamlText() returns the data of valid YAML", () => {
  assert.deepEqual(parseYamlText("a: 1\nb: [x, y]\n", "x.yaml"), { a: 1, b: ["x", "y"] });
});

Deno.test("selectNames() refuses a selection that names nothing instead of taking all", () => {
  for (const selection of ["", ",", " , ", []]) {
    assert.throws(
      () => selectNames("model", { a: 1, b: 2 }, selection),
      (e: Error) => e instanceof UnknownNameError && /available are a, b, all$/.test(e.message),
    );
  }
});
