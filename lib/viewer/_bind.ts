/** The viewer binds to the loopback interface only. @module */

/** A bind address other than loopback was asked for: the viewer never listens beyond this machine. */
export class NonLoopbackBindError extends Error {
  /** The address asked for. */
  readonly host: string;
  constructor(host: string, options?: ErrorOptions) {
    super(
      `The viewer serves on 127.0.0.1 only (loopback: 127.0.0.0/8, ::1, localhost): refused bind address ${
        JSON.stringify(host)
      }`,
      options,
    );
    this.name = "NonLoopbackBindError";
    this.host = host;
  }
}

/** Whether a host name or address is loopback (`localhost`, 127.0.0.0/8, `::1`). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const m = h.match(/^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  return m !== null && m.slice(1).every((x) => Number(x) <= 255);
}

/** The address to bind for `host`: `localhost` binds 127.0.0.1; anything not loopback throws. */
export function bindAddress(host: string): string {
  if (!isLoopbackHost(host)) throw new NonLoopbackBindError(host);
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" ? "127.0.0.1" : h === "0:0:0:0:0:0:0:1" ? "::1" : h;
}

/**
 * Whether a request's Host header names this machine (loopback), so a web page elsewhere cannot
 * read the results through DNS rebinding. A missing header is refused.
 */
export function isLoopbackHostHeader(header: string | null): boolean {
  if (!header) return false;
  const host = header.startsWith("[")
    ? header.slice(0, header.indexOf("]") + 1)
    : header.split(":")[0];
  return isLoopbackHost(host);
}
