/** A local HTTP server on 127.0.0.1 standing in for raw.githubusercontent.com. */
export interface LocalServer {
  /** fetch that sends `https://raw.githubusercontent.com/<path>` to the local server instead. */
  fetch: typeof fetch;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serve `routes` (URL path -> body bytes) on 127.0.0.1, port 0. Bodies are streamed in chunks of
 * `chunkBytes` with a Content-Length header, so a download sees several chunks.
 */
export function serveLocal(routes: Map<string, Uint8Array>, chunkBytes = 64 * 1024): LocalServer {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    requests.push(path);
    const body = routes.get(path);
    if (!body) return new Response("not found", { status: 404, statusText: "Not Found" });
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= body.byteLength) return controller.close();
        controller.enqueue(body.slice(offset, offset + chunkBytes));
        offset += chunkBytes;
      },
    });
    return new Response(stream, { headers: { "content-length": String(body.byteLength) } });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const localFetch: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== "https://raw.githubusercontent.com") {
      return Promise.reject(new TypeError(`test fetch refuses ${url.href}`));
    }
    return fetch(base + url.pathname, init);
  };
  return { fetch: localFetch, requests, close: () => server.shutdown() };
}

/** The URL path of a manifest URL (what the local server is asked for). */
export function pathOf(url: string): string {
  return new URL(url).pathname;
}
