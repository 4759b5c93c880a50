/**
 * Derive a GGUF variant of a model by overwriting fixed-size metadata values in place (tensor data
 * untouched). Used to give stories260K a head size of 32 (2 query heads, 1 KV head over its
 * 64-wide embeddings; the weight shapes stay valid) so that quantized KV cache types, which store
 * blocks of 32 values, can be applied: the shared models' head sizes (8 and 4) make llama.cpp
 * refuse them. The variant's outputs are meaningless; it exists to exercise the engine settings.
 */
const SIZES: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};

/** Offsets of metadata values by key (scalars only), parsed from a GGUF v2/v3 header. */
export function ggufScalarOffsets(
  bytes: Uint8Array,
): Map<string, { type: number; offset: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== "GGUF") throw new Error("not a GGUF file");
  let at = 4 + 4 + 8;
  const count = Number(view.getBigUint64(at, true));
  at += 8;
  const str = () => {
    const n = Number(view.getBigUint64(at, true));
    const s = new TextDecoder().decode(bytes.subarray(at + 8, at + 8 + n));
    at += 8 + n;
    return s;
  };
  const skip = (type: number) => {
    if (type === 8) str();
    else if (type === 9) {
      const elem = view.getUint32(at, true);
      const n = Number(view.getBigUint64(at + 4, true));
      at += 12;
      for (let i = 0; i < n; i++) skip(elem);
    } else at += SIZES[type];
  };
  const out = new Map<string, { type: number; offset: number }>();
  for (let i = 0; i < count; i++) {
    const key = str();
    const type = view.getUint32(at, true);
    at += 4;
    if (type in SIZES) out.set(key, { type, offset: at });
    skip(type);
  }
  return out;
}

/** Write a copy of `source` with the given u32 metadata values replaced. */
export async function writeGgufVariant(
  source: string,
  dest: string,
  u32: Record<string, number>,
): Promise<void> {
  const bytes = await Deno.readFile(source);
  const offsets = ggufScalarOffsets(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const [key, value] of Object.entries(u32)) {
    const o = offsets.get(key);
    if (!o || (o.type !== 4 && o.type !== 5)) {
      throw new Error(`${source} has no 32-bit integer '${key}'`);
    }
    view.setUint32(o.offset, value, true);
  }
  await Deno.writeFile(dest, bytes);
}

/** stories260K with a head size of 32 (see the module doc). */
export async function widerHeadStories(stories: string, dir: string): Promise<string> {
  const dest = `${dir}/stories260K-head32.gguf`;
  await writeGgufVariant(stories, dest, {
    "llama.attention.head_count": 2,
    "llama.attention.head_count_kv": 1,
    "llama.rope.dimension_count": 32,
  });
  return dest;
}
