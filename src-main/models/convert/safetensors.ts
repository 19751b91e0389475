// A safetensors reader: an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the raw little-endian tensors. Only headers are held in
// memory; tensor bytes are read when asked for, whole (small LoRA tensors) or in chunks (a
// checkpoint's multi-GB embedding), so a converter's memory stays flat.
// Format: https://github.com/huggingface/safetensors#format
import { open } from "node:fs/promises";
import { f16BitsToF32 } from "../gguf/gguf.ts";

/** Bytes per element of the dtypes a checkpoint's weights can have. */
const DTYPE_BYTES = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1 } as const;
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;
/** The dtypes a converter can read as numbers without loss. */
export const FLOAT_DTYPES = ["F32", "F16", "BF16"] as const;
export type FloatDtype = (typeof FLOAT_DTYPES)[number];

export type SafetensorsTensor = {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  /** Outermost first, as PyTorch lists it: a Linear weight is [outputs, inputs]. */
  readonly shape: readonly number[];
  /** Absolute byte offset in the file. */
  readonly start: number;
  readonly bytes: number;
};

export type SafetensorsFile = {
  readonly path: string;
  /** In file order (by offset). */
  readonly tensors: readonly SafetensorsTensor[];
  readonly metadata: Readonly<Record<string, string>>;
};

export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

/** Far above any real header (a 70B checkpoint's is a few hundred KB), far below a mistaken read of a data file. */
const MAX_HEADER_BYTES = 100 << 20;

/** Reads and checks a safetensors file's header: every tensor's range inside the file, sized for its shape and dtype, none overlapping. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  const fh = await open(path, "r");
  try {
    const size = (await fh.stat()).size;
    const fail = (what: string): never => {
      throw new SafetensorsError(`${path}: ${what}`);
    };
    if (size < 8) fail(`not a safetensors file (${size} bytes, shorter than its 8-byte header length)`);
    const lengthBytes = Buffer.alloc(8);
    await fh.read(lengthBytes, 0, 8, 0);
    const headerLength = lengthBytes.readBigUInt64LE(0);
    if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, size - 8))) {
      fail(`not a safetensors file (its first 8 bytes give a header of ${headerLength} bytes in a file of ${size})`);
    }
    const headerBytes = Buffer.alloc(Number(headerLength));
    await fh.read(headerBytes, 0, headerBytes.length, 8);
    let header: unknown;
    try {
      header = JSON.parse(headerBytes.toString("utf8"));
    } catch (error) {
      return fail(`not a safetensors file (its header is not JSON: ${(error as Error).message})`);
    }
    if (typeof header !== "object" || header === null || Array.isArray(header)) return fail("not a safetensors file (its header is not a JSON object)");
    const dataStart = 8 + headerBytes.length;
    const dataBytes = size - dataStart;
    const tensors: SafetensorsTensor[] = [];
    let metadata: Record<string, string> = {};
    for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
      if (name === "__metadata__") {
        metadata = Object.fromEntries(Object.entries((entry ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
        continue;
      }
      const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (typeof dtype !== "string" || !(dtype in DTYPE_BYTES)) fail(`tensor ${name} has unknown dtype ${JSON.stringify(dtype)}`);
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) fail(`tensor ${name} has a bad shape ${JSON.stringify(shape)}`);
      if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
        fail(`tensor ${name} has bad data_offsets ${JSON.stringify(offsets)}`);
      }
      const [begin, end] = offsets as [number, number];
      const elements = (shape as number[]).reduce((a, b) => a * b, 1);
      const want = elements * DTYPE_BYTES[dtype as SafetensorsDtype];
      if (end - begin !== want) fail(`tensor ${name} (${dtype} [${(shape as number[]).join(", ")}]) should take ${want} bytes, its data_offsets give ${end - begin}`);
      if (end > dataBytes) fail(`tensor ${name} ends at byte ${end} of the data, which has ${dataBytes} (the file is cut short)`);
      tensors.push({ name, dtype: dtype as SafetensorsDtype, shape: shape as number[], start: dataStart + begin, bytes: want });
    }
    tensors.sort((a, b) => a.start - b.start);
    for (let i = 1; i < tensors.length; i++) {
      const [before, after] = [tensors[i - 1] as SafetensorsTensor, tensors[i] as SafetensorsTensor];
      if (before.start + before.bytes > after.start) fail(`tensors ${before.name} and ${after.name} overlap`);
    }
    return { path, tensors, metadata };
  } finally {
    await fh.close();
  }
}

export function isFloatDtype(dtype: SafetensorsDtype): dtype is FloatDtype {
  return (FLOAT_DTYPES as readonly string[]).includes(dtype);
}

/** One tensor's values as float32 (exact from F32, F16 and BF16). For tensors that fit in memory. */
export async function readTensorF32(file: SafetensorsFile, tensor: SafetensorsTensor): Promise<Float32Array> {
  if (!isFloatDtype(tensor.dtype)) throw new SafetensorsError(`${file.path}: tensor ${tensor.name} is ${tensor.dtype}, not a float tensor (F32, F16 or BF16)`);
  const raw = Buffer.alloc(tensor.bytes);
  const fh = await open(file.path, "r");
  try {
    const { bytesRead } = await fh.read(raw, 0, tensor.bytes, tensor.start);
    if (bytesRead !== tensor.bytes) throw new SafetensorsError(`${file.path}: tensor ${tensor.name} is cut short`);
  } finally {
    await fh.close();
  }
  return toF32(raw, tensor.dtype);
}

/**
 * A float tensor's values as float32, `maxElements` (rounded to whole chunks of `rowLength`) at a
 * time, read as they are asked for: a 1 GB embedding never sits in memory whole.
 */
export async function* streamTensorF32(file: SafetensorsFile, tensor: SafetensorsTensor, maxElements: number): AsyncGenerator<Float32Array> {
  const dtype = tensor.dtype;
  if (!isFloatDtype(dtype)) throw new SafetensorsError(`${file.path}: tensor ${tensor.name} is ${dtype}, not a float tensor (F32, F16 or BF16)`);
  const width = DTYPE_BYTES[dtype];
  const rowLength = tensor.shape.at(-1) ?? 1;
  const perChunk = Math.max(rowLength, Math.floor(maxElements / rowLength) * rowLength);
  const fh = await open(file.path, "r");
  try {
    const total = tensor.bytes / width;
    for (let done = 0; done < total; done += perChunk) {
      const count = Math.min(perChunk, total - done);
      const raw = Buffer.allocUnsafe(count * width);
      const { bytesRead } = await fh.read(raw, 0, raw.length, tensor.start + done * width);
      if (bytesRead !== raw.length) throw new SafetensorsError(`${file.path}: tensor ${tensor.name} is cut short`);
      yield toF32(raw, dtype);
    }
  } finally {
    await fh.close();
  }
}

function toF32(raw: Buffer, dtype: FloatDtype): Float32Array {
  const width = DTYPE_BYTES[dtype];
  const n = raw.length / width;
  // Copied so the views are aligned whatever the buffer's offset in its pool.
  const aligned = raw.byteOffset % width === 0 ? raw : Buffer.from(raw);
  if (dtype === "F32") return new Float32Array(aligned.buffer.slice(aligned.byteOffset, aligned.byteOffset + aligned.length));
  const halves = new Uint16Array(aligned.buffer, aligned.byteOffset, n);
  const out = new Float32Array(n);
  if (dtype === "BF16") {
    // bfloat16 is the top half of a float32: widening is a shift, exact.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = (halves[i] as number) << 16;
    return out;
  }
  const table = f16Table();
  for (let i = 0; i < n; i++) out[i] = table[halves[i] as number] as number;
  return out;
}

let f16Values: Float32Array | undefined;

/** Every float16 bit pattern's value: a lookup is far faster than decoding each weight. */
function f16Table(): Float32Array {
  if (f16Values === undefined) {
    f16Values = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Values[h] = f16BitsToF32(h);
  }
  return f16Values;
}
