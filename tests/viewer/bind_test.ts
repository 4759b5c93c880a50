/** The viewer listens on loopback only and answers only requests addressed to loopback. */
import assert from "node:assert/strict";
import { isLoopbackHost, NonLoopbackBindError, serveViewer } from "../../lib/viewer/mod.ts";
import { runCli } from "../helpers/mod.ts";

Deno.test("isLoopbackHost() accepts 127.0.0.0/8, ::1 and localhost and nothing else", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "LOCALHOST"]) {
    assert.ok(isLoopbackHost(h), h);
  }
  for (
    const h of [
      "0.0.0.0",
      "::",
      "192.168.1.20",
      "10.0.0.5",
      "127.0.0.256",
      "example.com",
      "127.0.0.1.example.com",
      "",
    ]
  ) {
    assert.ok(!isLoopbackHost(h), h);
  }
});

Deno.test("serveViewer() refuses a non-loopback bind address before anything listens", async () => {
  const dir = await Deno.makeTempDir({ prefix: "viewer-bind-" });
  for (const hostname of ["0.0.0.0", "::", "192.168.1.20", "example.com"]) {
    await assert.rejects(
      () => serveViewer({ resultsDir: dir, hostname, port: 0 }),
      (e: unknown) =>
        e instanceof NonLoopbackBindError && e.name === "NonLoopbackBindError" &&
        e.message.includes(`refused bind address ${JSON.stringify(hostname)}`),
    );
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task view --host 0.0.0.0 exits 2 with one line naming the flag and the address", async () => {
  const dir = await Deno.makeTempDir({ prefix: "viewer-bind-" });
  for (const host of ["0.0.0.0", "192.168.1.20"]) {
    const out = await runCli("lib/cli/view.ts", ["--results", dir, "--port", "0", "--host", host]);
    assert.equal(out.code, 2, out.stderr);
    assert.equal(
      out.stderr.trim(),
      `error: Flag --host: The viewer serves on 127.0.0.1 only (loopback: 127.0.0.0/8, ::1, localhost): refused bind address "${host}"`,
    );
    assert.equal(out.stdout, "");
  }
  const missing = await runCli("lib/cli/view.ts", ["--results", `${dir}/nope`, "--port", "0"]);
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    /Flag --results must be a results folder: current value is ".*nope" \(not a folder\)/,
  );
  const port = await runCli("lib/cli/view.ts", ["--results", dir, "--port", "http"]);
  assert.equal(port.code, 2);
  assert.match(
    port.stderr,
    /Flag --port must be an integer from 0 to 65535: current value is "http"/,
  );
  await Deno.remove(dir, { recursive: true });
});

async function rawGet(port: number, host: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
  );
  return await new Response(conn.readable).text();
}

Deno.test("the viewer on 127.0.0.1 answers GET, refuses writes, and refuses a Host that is not loopback (DNS rebinding)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "viewer-bind-" });
  const viewer = await serveViewer({ resultsDir: dir, port: 0 });
  try {
    assert.equal(viewer.hostname, "127.0.0.1");
    const ok = await fetch(`${viewer.url}/`);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /No run in this folder yet/);
    const post = await fetch(`${viewer.url}/`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
    // fetch() sets Host itself: send the request over a raw connection.
    assert.match(await rawGet(viewer.port, "attacker.example:8765"), /^HTTP\/1\.1 403 /);
    assert.match(await rawGet(viewer.port, `127.0.0.1:${viewer.port}`), /^HTTP\/1\.1 200 /);
    const missing = await fetch(`${viewer.url}/run/nope`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /No run &#39;nope&#39; in /);
  } finally {
    await viewer.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
