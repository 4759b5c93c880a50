import assert from "node:assert/strict";
import { captureEnvironment, parseLmsVersion } from "../../lib/env/mod.ts";
import { failingRunner, fakeRunner } from "./_fakes.ts";

/** A local stand-in for LM Studio's /v1/models on 127.0.0.1. */
function serveModels(status: number, delayMs = 0) {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    if (delayMs > 0) await Promise.race([held, new Promise((r) => setTimeout(r, delayMs))]);
    const path = new URL(request.url).pathname;
    return path === "/v1/models"
      ? new Response('{"data":[],"object":"list"}', { status })
      : new Response("not found", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async close() {
      release();
      await server.shutdown();
    },
  };
}

Deno.test("captureEnvironment() records LM Studio as reachable with the lms CLI version", async () => {
  const server = serveModels(200);
  try {
    // Documentation-shaped: the first line `lms` printed in LM Studio's CLI docs.
    const { run, calls } = fakeRunner({ "lms version": "lms - LM Studio CLI - v0.2.22\n" });
    const env = await captureEnvironment({ lmstudioBaseUrl: server.url, run });
    assert.deepEqual(env.lmstudio, { version: "0.2.22", reachable: true });
    assert.ok(calls.includes("lms version"));
  } finally {
    await server.close();
  }
});

Deno.test("captureEnvironment() records LM Studio as unreachable on a non-200 answer or no server", async () => {
  const server = serveModels(503);
  let port = "";
  try {
    const env = await captureEnvironment({ lmstudioBaseUrl: server.url, run: failingRunner });
    assert.deepEqual(env.lmstudio, { version: null, reachable: false });
    port = server.url;
  } finally {
    await server.close();
  }
  const closed = await captureEnvironment({ lmstudioBaseUrl: port, run: failingRunner });
  assert.deepEqual(closed.lmstudio, { version: null, reachable: false });
});

Deno.test("captureEnvironment() gives up on a slow LM Studio after the timeout", async () => {
  const server = serveModels(200, 5000);
  try {
    const started = performance.now();
    const env = await captureEnvironment({
      lmstudioBaseUrl: server.url,
      lmstudioTimeoutMs: 150,
      run: failingRunner,
    });
    assert.equal(env.lmstudio.reachable, false);
    assert.ok(performance.now() - started < 3000, "timeout not honoured");
  } finally {
    await server.close();
  }
});

Deno.test("captureEnvironment() finds lms under ~/.lmstudio/bin when it is not on PATH", async () => {
  const { run } = fakeRunner({ "/home/r/.lmstudio/bin/lms version": "v0.3.30\n" });
  const server = serveModels(200);
  try {
    const env = await captureEnvironment({ lmstudioBaseUrl: server.url, run, home: "/home/r" });
    assert.equal(env.lmstudio.version, "0.3.30");
  } finally {
    await server.close();
  }
});

Deno.test("captureEnvironment() rejects an lmstudioBaseUrl that is not an http(s) URL", async () => {
  await assert.rejects(() => captureEnvironment({ lmstudioBaseUrl: "localhost:1234" }), {
    name: "EndpointError",
    message: "Refusing endpoint from captureEnvironment(): 'lmstudioBaseUrl' must be an http:// " +
      'or https:// URL (localhost: is never used): current value is "localhost:1234"',
  });
  await assert.rejects(() => captureEnvironment({ lmstudioBaseUrl: "not a url" }), {
    name: "EndpointError",
    message: /current value is "not a url"/,
  });
});

Deno.test("captureEnvironment() asks a non-loopback LM Studio nothing unless allowed", async () => {
  const { run, calls } = fakeRunner({});
  await assert.rejects(
    () => captureEnvironment({ lmstudioBaseUrl: "http://10.0.0.5:1234", run }),
    { name: "EndpointError", message: /'lmstudioBaseUrl' names the address '10\.0\.0\.5'/ },
  );
  assert.deepEqual(calls, [], "no command ran before the refusal");
});

Deno.test("parseLmsVersion() finds the version in the CLI's banners", () => {
  // Documentation-shaped lines from LM Studio's CLI docs (old and new banners).
  assert.equal(parseLmsVersion("lms - LM Studio CLI - v0.2.22\nGitHub: ..."), "0.2.22");
  assert.equal(
    parseLmsVersion(
      "lms is LM Studio's CLI utility for your models, server, and inference runtime. (v0.0.47)",
    ),
    "0.0.47",
  );
  // Constructed: a coloured version and a commit-only banner.
  assert.equal(parseLmsVersion("\x1b[37mv0.3.13\x1b[39m\n"), "0.3.13");
  assert.equal(parseLmsVersion("\n  CLI commit: 4f1c2ab\n"), "CLI commit: 4f1c2ab");
  assert.equal(parseLmsVersion("  \n"), null);
});
