// Float32 weights → the bytes of a GGUF tensor type, as gguf-py's quants.py computes them (which
// matches ggml-quants.c bit for bit): every step in float32, so a converter written here gives
// the same file as llama.cpp's Python converters.
import { GgmlType, f32ToF16Bits } from "./gguf.ts";

export type WeightType = typeof GgmlType.F32 | typeof GgmlType.F16 | typeof GgmlType.Q8_0;

export function encodeWeights(values: Float32Array, type: WeightType): Uint8Array {
  if (type === GgmlType.F32) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (type === GgmlType.F16) return encodeF16(values);
  return quantizeQ8_0(values);
}

/** IEEE half precision, rounded to nearest even (numpy's astype(float16)). */
export function encodeF16(values: Float32Array): Uint8Array {
  const half = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) half[i] = f32ToF16Bits(values[i] as number);
  return new Uint8Array(half.buffer);
}

const Q8_0_BLOCK = 32;
const Q8_0_BYTES = 34;

/**
 * Q8_0: blocks of 32 along the row, each an F16 scale d = max|x|/127 and 32 signed bytes
 * round(x/d), halves away from zero (quants.py's np_roundf), all in float32 arithmetic.
 */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % Q8_0_BLOCK !== 0) throw new Error(`Q8_0 needs whole blocks of ${Q8_0_BLOCK} values, not ${values.length}`);
  const blocks = values.length / Q8_0_BLOCK;
  const out = new Uint8Array(blocks * Q8_0_BYTES);
  const quants = new Int8Array(out.buffer);
  const fround = Math.fround;
  for (let b = 0; b < blocks; b++) {
    const start = b * Q8_0_BLOCK;
    let amax = 0;
    for (let i = start; i < start + Q8_0_BLOCK; i++) {
      const a = Math.abs(values[i] as number);
      if (a > amax) amax = a;
    }
    const d = fround(amax / 127);
    const id = d === 0 ? 0 : fround(1 / d);
    const at = b * Q8_0_BYTES;
    const dBits = f32ToF16Bits(d);
    out[at] = dBits & 0xff;
    out[at + 1] = dBits >>> 8;
    for (let i = 0; i < Q8_0_BLOCK; i++) {
      // Two float32s multiply exactly in a double; fround then rounds as a float32 multiply would.
      const x = fround((values[start + i] as number) * id);
      // Halves away from zero: x ± 0.5 is exact in a double, and `| 0` truncates toward zero.
      quants[at + 2 + i] = (x < 0 ? x - 0.5 : x + 0.5) | 0;
    }
  }
  return out;
}
