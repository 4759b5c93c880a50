/**
 * Incremental server-sent events scanning over raw bytes: each byte is looked at once (linear
 * time, whatever the event size or how the network splits it), a complete line is decoded straight
 * from the network buffer, and only a line split across network chunks is copied (into one buffer
 * that doubles as needed). Events hold their `data:` lines joined by `\n`; other fields and
 * comments are ignored; a line ends at `\n` (a `\r` before it is dropped).
 * @module
 */

/** An event (its data lines so far plus the line being received) grew past the limit. */
export class SseEventTooLargeError extends Error {
  /** The limit, in bytes. */
  readonly limit: number;
  constructor(limit: number) {
    super(`an event exceeds ${limit} bytes`);
    this.name = "SseEventTooLargeError";
    this.limit = limit;
  }
}

const NL = 10;
const CR = 13;
const SPACE = 32;

/** Scans an SSE byte stream pushed in pieces; calls `onEvent(data, arrivedAt)` per event with data. */
export class SseScanner {
  #onEvent: (data: string, arrivedAt: number) => void;
  #maxEventBytes: number;
  #decoder = new TextDecoder();
  #part = new Uint8Array(1024);
  #partLen = 0;
  #data: string | null = null;
  #eventBytes = 0;

  constructor(onEvent: (data: string, arrivedAt: number) => void, maxEventBytes: number) {
    this.#onEvent = onEvent;
    this.#maxEventBytes = maxEventBytes;
  }

  /** Scan `buf[start..end)`, which arrived at `arrivedAt`. */
  push(buf: Uint8Array, start: number, end: number, arrivedAt: number): void {
    // A reused read buffer holds stale bytes past `end`: search only up to it.
    const view = end === buf.length ? buf : buf.subarray(0, end);
    let i = start;
    while (i < end) {
      const nl = view.indexOf(NL, i);
      if (nl === -1) {
        this.#keep(buf, i, end);
        return;
      }
      if (this.#partLen > 0) {
        this.#keep(buf, i, nl);
        this.#line(this.#part, 0, this.#partLen, arrivedAt);
        this.#partLen = 0;
      } else {
        this.#line(buf, i, nl, arrivedAt);
      }
      i = nl + 1;
    }
  }

  /** The stream ended: an event still open (no blank line after it) is dispatched. */
  end(arrivedAt: number): void {
    if (this.#partLen > 0) {
      this.#line(this.#part, 0, this.#partLen, arrivedAt);
      this.#partLen = 0;
    }
    this.#dispatch(arrivedAt);
  }

  #keep(buf: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n === 0) return;
    if (this.#eventBytes + this.#partLen + n > this.#maxEventBytes) {
      throw new SseEventTooLargeError(this.#maxEventBytes);
    }
    if (this.#partLen + n > this.#part.length) {
      let size = this.#part.length * 2;
      while (size < this.#partLen + n) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#part.subarray(0, this.#partLen));
      this.#part = grown;
    }
    this.#part.set(buf.subarray(start, end), this.#partLen);
    this.#partLen += n;
  }

  #line(buf: Uint8Array, start: number, end: number, arrivedAt: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) {
      this.#dispatch(arrivedAt);
      return;
    }
    // `data:` (d a t a :), then one optional space.
    if (
      end - start < 5 || buf[start] !== 100 || buf[start + 1] !== 97 ||
      buf[start + 2] !== 116 || buf[start + 3] !== 97 || buf[start + 4] !== 58
    ) return;
    let from = start + 5;
    if (from < end && buf[from] === SPACE) from++;
    this.#eventBytes += end - from;
    if (this.#eventBytes > this.#maxEventBytes) {
      throw new SseEventTooLargeError(this.#maxEventBytes);
    }
    const value = this.#decoder.decode(buf.subarray(from, end));
    this.#data = this.#data === null ? value : `${this.#data}\n${value}`;
  }

  #dispatch(arrivedAt: number): void {
    const data = this.#data;
    this.#data = null;
    this.#eventBytes = 0;
    if (data) this.#onEvent(data, arrivedAt);
  }
}
