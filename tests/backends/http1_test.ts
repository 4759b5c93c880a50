/**
 * The harness's HTTP/1.1 client (lib/backends/_http1.ts) against SCRIPTED FAKE servers on
 * 127.0.0.1 that write exact bytes over TCP (Deno.listen), so chunk boundaries, encodings,
 * keep-alive and failures are known; plus Deno.serve (hyper) as a real HTTP server, over TLS too
 * (a self-signed certificate made with openssl) for the https path, which goes through fetch.
 */
import assert from "node:assert/strict";
import {
  closeIdleConnections,
  Http1Error,
  http1Request,
  type Http1Response,
  usesHttp1,
} from "../../lib/backends/_http1.ts";
import { BackendError, streamChatCompletion } from "../../lib/backends/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP server: `script` gets each connection and the request heads it has read so far. */
function tcpServer(script: (conn: Deno.Conn, index: number) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  let connections = 0;
  const tasks: Promise<void>[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      const i = connections++;
      tasks.push(
        script(conn, i).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch { /* closed by the script */ }
        }),
      );
    }
  })().catch(() => {});
  return {
    url: (path = "/x") => new URL(`http://127.0.0.1:${port}${path}`),
    get connections() {
      return connections;
    },
    async close() {
      listener.close();
      await loop;
      await Promise.all(tasks);
    },
  };
}

/** Read one request (head and content-length body) from a connection. */
async function readRequest(conn: Deno.Conn): Promise<{ head: string; body: string } | null> {
  let data = new Uint8Array(0);
  const buf = new Uint8Array(4096);
  for (;;) {
    const text = dec.decode(data);
    const end = text.indexOf("\r\n\r\n");
    if (end !== -1) {
      const length = Number(/content-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (data.length >= end + 4 + length) {
        return { head: text.slice(0, end), body: text.slice(end + 4, end + 4 + length) };
      }
    }
    const n = await conn.read(buf);
    if (n === null) return null;
    const merged = new Uint8Array(data.length + n);
    merged.set(data);
    merged.set(buf.subarray(0, n), data.length);
    data = merged;
  }
}

async function write(conn: Deno.Conn, text: string) {
  const bytes = enc.encode(text);
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

async function bodyOf(res: Http1Response): Promise<{ text: string; stamps: number[] }> {
  const parts: string[] = [];
  const stamps: number[] = [];
  await res.consume((buf, start, end, at) => {
    parts.push(dec.decode(buf.subarray(start, end)));
    stamps.push(at);
  });
  return { text: parts.join(""), stamps };
}

const post = (url: URL, body = "{}", signal?: AbortSignal) =>
  http1Request({
    method: "POST",
    url,
    headers: { "content-type": "application/json" },
    body: enc.encode(body),
    signal,
    now: () => performance.now(),
  });

Deno.test("usesHttp1() takes plain http to loopback addresses and localhost, nothing else", () => {
  for (const u of ["http://127.0.0.1:1234/v1", "http://localhost:1234", "http://[::1]:8080"]) {
    assert.equal(usesHttp1(new URL(u)), true, u);
  }
  for (
    const u of ["https://127.0.0.1/v1", "http://10.0.0.5/v1", "http://app.localhost/", "http://x/"]
  ) {
    assert.equal(usesHttp1(new URL(u)), false, u);
  }
});

Deno.test("http1Request() decodes chunked bodies split anywhere, with extensions and trailers, and stamps each read", async () => {
  const srv = tcpServer(async (conn) => {
    const req = await readRequest(conn);
    assert.ok(req?.head.startsWith("POST /x HTTP/1.1\r\nhost: 127.0.0.1:"));
    assert.equal(req?.body, '{"q":1}');
    // Head and the first chunk's size line in one write, the rest split mid-size and mid-data.
    await write(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhel");
    await sleep(60);
    await write(conn, "lo\r\n1");
    await sleep(60);
    await write(conn, "0\r\n world, abcdefgh\r\n0\r\nX-Trailer: t\r\n\r\n");
  });
  try {
    const t0 = performance.now();
    const res = await post(srv.url(), '{"q":1}');
    assert.equal(res.status, 200);
    const { text, stamps } = await bodyOf(res);
    assert.equal(text, "hello world, abcdefgh");
    assert.ok(stamps.at(-1)! - t0 >= 110, `last span stamped at its arrival: ${stamps}`);
  } finally {
    closeIdleConnections();
    await srv.close();
  }
});

Deno.test("http1Request() keeps the connection alive for the next request, and opens a new one after Connection: close", async () => {
  const srv = tcpServer(async (conn, index) => {
    for (let i = 0;; i++) {
      const req = await readRequest(conn);
      if (!req) return;
      const close = index === 0 && i === 1;
      await write(
        conn,
        `HTTP/1.1 200 OK\r\nContent-Length: 3\r\n${
          close ? "Connection: close\r\n" : ""
        }\r\nc${index}${i}`,
      );
      if (close) return;
    }
  });
  try {
    const texts: string[] = [];
    for (let i = 0; i < 4; i++) texts.push((await bodyOf(await post(srv.url()))).text);
    assert.deepEqual(texts, ["c00", "c01", "c10", "c11"]);
    assert.equal(srv.connections, 2);
  } finally {
    closeIdleConnections();
    await srv.close();
  }
});

Deno.test("http1Request() retries once on a new connection when a pooled one was closed while idle", async () => {
  const srv = tcpServer(async (conn, index) => {
    const req = await readRequest(conn);
    if (!req) return;
    await write(conn, `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nc${index}`);
    // Keep-alive in the answer, but the server drops the connection right after.
  });
  try {
    assert.equal((await bodyOf(await post(srv.url()))).text, "c0");
    await sleep(50);
    assert.equal((await bodyOf(await post(srv.url()))).text, "c1");
    assert.equal(srv.connections, 2);
  } finally {
    closeIdleConnections();
    await srv.close();
  }
});

Deno.test("http1Request() reads a body that ends at close, skips a 100 Continue, and never pools either", async () => {
  const srv = tcpServer(async (conn, index) => {
    await readRequest(conn);
    if (index === 0) {
      await write(conn, "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: 1\n\n");
      await sleep(30);
      await write(conn, "data: 2\n\n");
    } else {
      await write(
        conn,
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
      );
    }
  });
  try {
    assert.equal((await bodyOf(await post(srv.url()))).text, "data: 1\n\ndata: 2\n\n");
    const res = await post(srv.url());
    assert.equal(res.status, 200);
    assert.equal((await bodyOf(res)).text, "ok");
    assert.equal(srv.connections, 2);
  } finally {
    closeIdleConnections();
    await srv.close();
  }
});

Deno.test("http1Request() fails clearly: refused port, malformed answers, a body cut short", async () => {
  const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadUrl = new URL(`http://127.0.0.1:${(dead.addr as Deno.NetAddr).port}/x`);
  dead.close();
  await assert.rejects(
    post(deadUrl),
    (e: unknown) => e instanceof Http1Error && e.beforeResponse && /refused/i.test(e.message),
  );
  const srv = tcpServer(async (conn, index) => {
    await readRequest(conn);
    if (index === 0) await write(conn, "SPDY/3 200 OK\r\n\r\n");
    if (index === 1) {
      await write(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    }
    if (index === 2) await write(conn, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  });
  try {
    await assert.rejects(post(srv.url()), { name: "Http1Error", message: /malformed status line/ });
    await assert.rejects(bodyOf(await post(srv.url())), {
      name: "Http1Error",
      message: /malformed chunk size/,
    });
    await assert.rejects(bodyOf(await post(srv.url())), {
      name: "Http1Error",
      message: "the server closed the connection before the end of the response",
    });
  } finally {
    closeIdleConnections();
    await srv.close();
  }
});

Deno.test("http1Request() aborts mid-body when its signal fires, with the signal's reason", async () => {
  const srv = tcpServer(async (conn) => {
    await readRequest(conn);
    await write(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    await sleep(600);
  });
  try {
    const t0 = performance.now();
    const res = await post(srv.url(), "{}", AbortSignal.timeout(150));
    await assert.rejects(
      bodyOf(res),
      (e: unknown) =>
        e instanceof Http1Error && (e.cause as Error)?.name === "TimeoutError" &&
        !e.beforeResponse,
    );
    const waited = performance.now() - t0;
    assert.ok(waited >= 140 && waited < 1000, `aborted after ${waited} ms`);
  } finally {
    closeIdleConnections();
    await srv.close();
  }
});

Deno.test("http1Request() talks to Deno.serve (hyper): chunked streaming and keep-alive", async () => {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    requests++;
    const body = await req.text();
    const stream = new ReadableStream<Uint8Array>({
      async start(c) {
        for (const piece of ["a", "b", body]) {
          c.enqueue(enc.encode(piece));
          await sleep(5);
        }
        c.close();
      },
    });
    return new Response(stream);
  });
  try {
    const url = new URL(`http://localhost:${server.addr.port}/y`);
    for (let i = 0; i < 3; i++) {
      assert.equal((await bodyOf(await post(url, `#${i}`))).text, `ab#${i}`);
    }
    assert.equal(requests, 3);
  } finally {
    closeIdleConnections();
    await server.shutdown();
  }
});

Deno.test("http1Request() rejects when the server resets the connection mid-body, and when no head comes before the timeout", async () => {
  const srv = tcpServer(async (conn, index) => {
    if (index === 0) {
      // The request is left unread, so closing sends a TCP reset (RST), not a clean FIN.
      await sleep(30);
      await write(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      await sleep(50);
      await write(conn, "5\r\nhel");
      await sleep(20);
      conn.close();
      return;
    }
    await readRequest(conn);
    await sleep(500);
  });
  try {
    const res = await post(srv.url(), "x".repeat(100_000));
    assert.equal(res.status, 200);
    await assert.rejects(
      bodyOf(res),
      (e: unknown) =>
        e instanceof Http1Error && !e.beforeResponse &&
        /reset|closed the connection before the end/i.test(e.message),
    );
    const t0 = performance.now();
    await assert.rejects(
      post(srv.url(), "{}", AbortSignal.timeout(100)),
      (e: unknown) =>
        e instanceof Http1Error && e.beforeResponse &&
        (e.cause as Error)?.name === "TimeoutError",
    );
    assert.ok(performance.now() - t0 < 450, "the timeout ends the wait for the head");
  } finally {
    closeIdleConnections();
    await srv.close();
  }
});

Deno.test("http1Request() reads a non-200 answer's body and keeps the connection for the next request", async () => {
  const srv = tcpServer(async (conn) => {
    for (let i = 0;; i++) {
      if (!(await readRequest(conn))) return;
      await write(
        conn,
        i === 0
          ? 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 16\r\n\r\n{"error":"busy"}'
          : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
      );
    }
  });
  try {
    const busy = await post(srv.url());
    assert.equal(busy.status, 503);
    assert.equal(busy.statusText, "Service Unavailable");
    assert.equal(await busy.text(), '{"error":"busy"}');
    assert.equal((await bodyOf(await post(srv.url()))).text, "ok");
    assert.equal(srv.connections, 1);
  } finally {
    closeIdleConnections();
    await srv.close();
  }
});

Deno.test("the streamed chat path reuses one kept-alive connection to a real Deno.serve server and turns a reset into 'broke off'", async () => {
  const ports = new Set<number>();
  let reset = false;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req, info) => {
      ports.add((info.remoteAddr as Deno.NetAddr).port);
      await req.body?.cancel();
      const event = (delta: unknown, finish: string | null = null) =>
        enc.encode(`data: ${JSON.stringify({ choices: [{ delta, finish_reason: finish }] })}\n\n`);
      const stream = new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(event({ content: "one" }));
          await sleep(5);
          if (reset) {
            c.error(new Error("engine died"));
            return;
          }
          c.enqueue(event({ content: " two" }, "stop"));
          c.enqueue(enc.encode("data: [DONE]\n\n"));
          c.close();
        },
      });
      return new Response(stream, { headers: { "content-type": "text/event-stream" } });
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}/v1/chat/completions`;
  try {
    for (let i = 0; i < 5; i++) {
      const r = await streamChatCompletion(url, { model: "m", messages: [] });
      assert.equal(r.text, "one two");
      assert.equal(r.finishReason, "stop");
    }
    assert.equal(ports.size, 1, "five requests over one connection");
    reset = true;
    await assert.rejects(
      streamChatCompletion(url, { model: "m", messages: [] }),
      (e: unknown) => e instanceof BackendError && /broke off/.test(e.message),
    );
  } finally {
    closeIdleConnections();
    await server.shutdown();
  }
});

Deno.test("https goes through fetch (TLS), plain loopback http never does", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edge-bench-tls-" });
  const keyPath = `${dir}/key.pem`;
  const certPath = `${dir}/cert.pem`;
  const caPath = `${dir}/ca.pem`;
  // A throwaway CA and a server certificate for 127.0.0.1 signed by it (rustls refuses a CA
  // certificate used as the server's own).
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
  );
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const steps = [
    ["req", "-x509", ...ec, "-days", "1", "-subj", "/CN=edge-bench test CA"]
      .concat(["-keyout", `${dir}/ca.key`, "-out", caPath]),
    ["req", ...ec, "-subj", "/CN=localhost", "-keyout", keyPath, "-out", `${dir}/leaf.csr`],
    ["x509", "-req", "-in", `${dir}/leaf.csr`, "-CA", caPath, "-CAkey", `${dir}/ca.key`]
      .concat(["-CAcreateserial", "-days", "1", "-extfile", `${dir}/ext.cnf`, "-out", certPath]),
  ];
  for (const args of steps) {
    const made = await new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" })
      .output();
    assert.ok(made.success, `openssl ${args[0]}: ${dec.decode(made.stderr)}`);
  }
  const cert = await Deno.readTextFile(certPath);
  const key = await Deno.readTextFile(keyPath);
  const answer = (req: Request) => {
    req.body?.cancel();
    return new Response(
      `data: ${
        JSON.stringify({ choices: [{ delta: { content: "secure" }, finish_reason: "stop" }] })
      }\n\ndata: [DONE]\n\n`,
      { headers: { "content-type": "text/event-stream" } },
    );
  };
  const tls = Deno.serve({ hostname: "127.0.0.1", port: 0, cert, key, onListen() {} }, answer);
  const plain = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, answer);
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(caPath)] });
  const original = globalThis.fetch;
  const fetched: string[] = [];
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    fetched.push(String(input));
    return original(input, { ...init, client } as RequestInit);
  }) as typeof fetch;
  try {
    const secure = await streamChatCompletion(
      `https://127.0.0.1:${tls.addr.port}/v1/chat/completions`,
      { model: "m", messages: [] },
    );
    assert.equal(secure.text, "secure");
    assert.deepEqual(fetched, [`https://127.0.0.1:${tls.addr.port}/v1/chat/completions`]);
    const raw = await streamChatCompletion(
      `http://127.0.0.1:${plain.addr.port}/v1/chat/completions`,
      { model: "m", messages: [] },
    );
    assert.equal(raw.text, "secure");
    assert.equal(fetched.length, 1, "loopback http went through the raw client");
  } finally {
    globalThis.fetch = original;
    client.close();
    closeIdleConnections();
    await Promise.all([tls.shutdown(), plain.shutdown()]);
    await Deno.remove(dir, { recursive: true });
  }
});
