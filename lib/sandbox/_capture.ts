/** Reading a child's output with a byte cap, without ever blocking the child. @module */

/** Bytes of the end of a stream kept for classification even when the head was cut. */
export const TAIL_BYTES = 4096;

/** What was kept of one output stream. */
export interface Captured {
  /** The first `max` bytes. */
  head: Uint8Array;
  /** The last {@linkcode TAIL_BYTES} bytes (the whole stream when shorter). */
  tail: Uint8Array;
  /** Total bytes the stream carried. */
  total: number;
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** A stream being drained: `done` resolves with what was kept; `cancel` stops reading early. */
export interface Capture {
  done: Promise<Captured>;
  cancel(): void;
}

/** Drains `stream` to its end, keeping its first `max` bytes and a short tail. */
export function captureStream(stream: ReadableStream<Uint8Array>, max: number): Capture {
  const reader = stream.getReader();
  const head: Uint8Array[] = [];
  let headSize = 0;
  let tail = new Uint8Array(0);
  let total = 0;
  const done = (async () => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (headSize < max) {
          const part = value.subarray(0, max - headSize);
          head.push(part.slice());
          headSize += part.byteLength;
        }
        const joined = new Uint8Array(tail.byteLength + value.byteLength);
        joined.set(tail);
        joined.set(value, tail.byteLength);
        tail = joined.slice(Math.max(0, joined.byteLength - TAIL_BYTES));
      }
    } catch {
      // Cancelled or broken pipe: keep what arrived.
    }
    return { head: concat(head, headSize), tail, total };
  })();
  return {
    done,
    cancel() {
      reader.cancel().catch(() => {});
    },
  };
}
