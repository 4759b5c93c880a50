import assert from "node:assert/strict";
import { extractCode } from "../../lib/sandbox/mod.ts";

const FUNCTION = "def add(a, b):\n    return a + b";

Deno.test("extractCode() takes the code of a fenced python block and drops the prose", () => {
  const answer = `Sure! Here is the function:\n\n\`\`\`python\n${FUNCTION}\n\`\`\`\n\nIt adds.`;
  assert.equal(extractCode(answer, "add"), FUNCTION);
});

Deno.test("extractCode() accepts untagged, py and tilde fences", () => {
  for (const fence of ["```\n", "```py\n", "```Python3\n", "~~~python\n"]) {
    const close = fence.startsWith("~") ? "~~~" : "```";
    assert.equal(extractCode(`Code:\n${fence}${FUNCTION}\n${close}\n`, "add"), FUNCTION);
  }
});

Deno.test("extractCode() picks the block that defines the entry point among several", () => {
  const answer = [
    "First a helper idea:",
    "```python",
    "def helper(x):",
    "    return x",
    "```",
    "Then the solution:",
    "```python",
    "import math",
    "",
    FUNCTION,
    "```",
    "Usage:",
    "```python",
    "print(add(1, 2))",
    "```",
  ].join("\n");
  assert.equal(extractCode(answer, "add"), `import math\n\n${FUNCTION}`);
});

Deno.test("extractCode() prefers python blocks over blocks in other languages", () => {
  const answer = "```bash\npip install nothing\n```\n```python\n    return a + b\n```";
  // No block defines add: the first Python block is the body.
  assert.equal(extractCode(answer, "add"), "return a + b");
});

Deno.test("extractCode() keeps a bare function and drops the prose around it", () => {
  const answer = `Here's my solution:\n${FUNCTION}\n\nThis works because addition commutes.`;
  assert.equal(extractCode(answer, "add"), FUNCTION);
});

Deno.test("extractCode() keeps helpers, imports and decorators but drops example calls", () => {
  const answer = [
    "from typing import List",
    "import functools",
    "",
    "LIMIT = 10",
    "",
    "def helper(x):",
    '    """Doc',
    "with a column-0 line",
    '"""',
    "    return x",
    "",
    "@functools.lru_cache(maxsize=None)",
    "def add(a, b):",
    "    values = [",
    "        a,",
    "        b,",
    "    ]",
    "    return helper(sum(values))",
    "",
    "print(add(1, 2))",
    "assert add(1, 2) == 4",
    'if __name__ == "__main__":',
    "    print(add(2, 3))",
  ].join("\n");
  const expected = [
    "from typing import List",
    "import functools",
    "",
    "LIMIT = 10",
    "",
    "def helper(x):",
    '    """Doc',
    "with a column-0 line",
    '"""',
    "    return x",
    "",
    "@functools.lru_cache(maxsize=None)",
    "def add(a, b):",
    "    values = [",
    "        a,",
    "        b,",
    "    ]",
    "    return helper(sum(values))",
  ].join("\n");
  assert.equal(extractCode(answer, "add"), expected);
});

Deno.test("extractCode() drops closed <think> reasoning before looking for code", () => {
  const answer =
    `<think>\nMaybe def add(a, b): return a - b?\n\`\`\`python\ndef add(a, b):\n    return a - b\n\`\`\`\n</think>\n\`\`\`python\n${FUNCTION}\n\`\`\``;
  assert.equal(extractCode(answer, "add"), FUNCTION);
});

Deno.test("extractCode() takes an unterminated final fence to the end of the answer", () => {
  assert.equal(extractCode(`\`\`\`python\n${FUNCTION}\n`, "add"), FUNCTION);
});

Deno.test("extractCode() dedents a uniformly indented function", () => {
  const indented = FUNCTION.split("\n").map((line) => `    ${line}`).join("\n");
  assert.equal(extractCode(`Answer:\n${indented}\n`, "add"), FUNCTION);
});

Deno.test("extractCode() returns a bare body from its first indented line", () => {
  const answer = "The body is:\n    total = a + b\n    return total\nThat is all.";
  assert.equal(extractCode(answer, "add"), "    total = a + b\n    return total");
});

Deno.test("extractCode() does not mistake another function with the same prefix", () => {
  const answer = "```python\ndef add_one(x):\n    return x + 1\n```\n```python\n" + FUNCTION +
    "\n```";
  assert.equal(extractCode(answer, "add"), FUNCTION);
});

Deno.test("extractCode() rejects an entry point that is not an identifier", () => {
  assert.throws(
    () => extractCode(FUNCTION, "add(x)"),
    (error) =>
      error instanceof TypeError &&
      error.message === "Cannot use entry point: it must be a Python identifier: current value " +
          "is 'add(x)'",
  );
});
