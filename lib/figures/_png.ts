/** PNG chunks: size, validity and `tEXt` metadata (the figure's sources travel with the image). @module */

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One chunk of a PNG file. */
export interface PngChunk {
  type: string;
  data: Uint8Array;
}

/** A PNG that does not parse: says what and where. */
export class PngError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PngError";
  }
}

/** Every chunk of a PNG, checking the signature, lengths and CRCs (throws {@linkcode PngError}). */
export function pngChunks(png: Uint8Array): PngChunk[] {
  if (png.length < 8 || SIGNATURE.some((b, i) => png[i] !== b)) {
    throw new PngError("Not a PNG: the 8-byte signature is missing");
  }
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at < png.length) {
    if (at + 12 > png.length) throw new PngError(`Truncated PNG: chunk header at byte ${at}`);
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > png.length) {
      throw new PngError(`Truncated PNG: chunk at byte ${at} runs past the end`);
    }
    const typeAndData = png.subarray(at + 4, at + 8 + length);
    const type = String.fromCharCode(...typeAndData.subarray(0, 4));
    if (crc32(typeAndData) !== view.getUint32(at + 8 + length)) {
      throw new PngError(`Bad PNG: CRC mismatch in chunk ${type} at byte ${at}`);
    }
    chunks.push({ type, data: typeAndData.subarray(4) });
    at = end;
    if (type === "IEND") break;
  }
  if (chunks[0]?.type !== "IHDR" || chunks.at(-1)?.type !== "IEND") {
    throw new PngError("Bad PNG: it must start with IHDR and end with IEND");
  }
  return chunks;
}

/** Width and height in pixels from the IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const ihdr = pngChunks(png)[0].data;
  const view = new DataView(ihdr.buffer, ihdr.byteOffset, ihdr.byteLength);
  return { width: view.getUint32(0), height: view.getUint32(4) };
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Insert a `tEXt` chunk (Latin-1 keyword and text; other characters become `?`) after IHDR. */
export function pngWithText(png: Uint8Array, keyword: string, text: string): Uint8Array {
  const chunks = pngChunks(png);
  const latin1 = (s: string) =>
    Uint8Array.from(s, (ch) => ch.charCodeAt(0) < 256 ? ch.charCodeAt(0) : 63);
  const data = new Uint8Array([...latin1(keyword), 0, ...latin1(text)]);
  const ihdrEnd = 8 + 12 + chunks[0].data.length;
  const extra = chunk("tEXt", data);
  const out = new Uint8Array(png.length + extra.length);
  out.set(png.subarray(0, ihdrEnd));
  out.set(extra, ihdrEnd);
  out.set(png.subarray(ihdrEnd), ihdrEnd + extra.length);
  return out;
}

/** The `tEXt` entries of a PNG, keyword → text. */
export function pngText(png: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of pngChunks(png)) {
    if (c.type !== "tEXt") continue;
    const zero = c.data.indexOf(0);
    const decode = (b: Uint8Array) => new TextDecoder("latin1").decode(b);
    out[decode(c.data.subarray(0, zero))] = decode(c.data.subarray(zero + 1));
  }
  return out;
}
