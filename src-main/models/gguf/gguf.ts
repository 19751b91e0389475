// A small GGUF (v2/v3, little-endian) reader and writer: enough to read a model's header, metadata
// and tensor table, and to write a model from metadata plus streamed tensor data.
// Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
// Inference reads GGUF only through node-llama-cpp; this module writes the files the app makes
// itself (the test model, adapters converted from PEFT, checkpoints converted from safetensors)
// and reads headers for their checks, tests and benchmarks.
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value types, as numbered in the file. */
export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GgufValueType = (typeof GgufType)[keyof typeof GgufType];

/** The tensor element types this module can size (the writer needs the byte length of each tensor). */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q8_0: 8,
  BF16: 30,
} as const;
export type GgmlTypeId = (typeof GgmlType)[keyof typeof GgmlType];

export type GgufArray = { readonly itemType: GgufValueType; readonly items: readonly GgufItem[] };
/** 64-bit integers are bigint; every other number type is a JS number. */
export type GgufItem = number | bigint | boolean | string | GgufArray;

export type GgufKv = {
  readonly key: string;
  readonly type: GgufValueType;
  readonly value: GgufItem;
  /**
   * The value's encoded bytes exactly as read (no key, no type tag). When present the writer copies
   * them verbatim instead of re-encoding `value`, so copied metadata (the tokenizer) stays byte-exact.
   */
  readonly raw?: Uint8Array;
};

export type GgufTensorInfo = {
  readonly name: string;
  /** ne[0] first: the innermost (fastest-varying) dimension. */
  readonly dims: readonly number[];
  readonly type: number;
  /** Byte offset from the start of the tensor data section. */
  readonly offset: number;
};

export type GgufFile = {
  readonly version: number;
  readonly alignment: number;
  readonly metadata: readonly GgufKv[];
  readonly tensors: readonly GgufTensorInfo[];
  /** Absolute file offset of the tensor data section. */
  readonly dataOffset: number;
};

export class GgufFormatError extends Error {
  override name = "GgufFormatError";
}

/** Thrown by the parser when the buffer ends before the header does; the file reader then reads more. */
class GgufTruncatedError extends GgufFormatError {
  override name = "GgufTruncatedError";
}

// ---------------------------------------------------------------------------------------------
// Reading

class Cursor {
  offset = 0;
  private readonly view: DataView;
  constructor(readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private take(n: number): number {
    const at = this.offset;
    if (at + n > this.buf.length) throw new GgufTruncatedError(`GGUF header ends early (need ${at + n} bytes)`);
    this.offset = at + n;
    return at;
  }
  u8(): number { return this.view.getUint8(this.take(1)); }
  i8(): number { return this.view.getInt8(this.take(1)); }
  u16(): number { return this.view.getUint16(this.take(2), true); }
  i16(): number { return this.view.getInt16(this.take(2), true); }
  u32(): number { return this.view.getUint32(this.take(4), true); }
  i32(): number { return this.view.getInt32(this.take(4), true); }
  f32(): number { return this.view.getFloat32(this.take(4), true); }
  f64(): number { return this.view.getFloat64(this.take(8), true); }
  u64(): bigint { return this.view.getBigUint64(this.take(8), true); }
  i64(): bigint { return this.view.getBigInt64(this.take(8), true); }
  /** A u64 that must fit a JS number (counts, lengths, offsets). */
  size(what: string): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufFormatError(`GGUF ${what} too large: ${v}`);
    return Number(v);
  }
  string(): string {
    const len = this.size("string length");
    const at = this.take(len);
    return this.buf.toString("utf8", at, at + len);
  }
}

function readValue(c: Cursor, type: number): GgufItem {
  switch (type) {
    case GgufType.UINT8: return c.u8();
    case GgufType.INT8: return c.i8();
    case GgufType.UINT16: return c.u16();
    case GgufType.INT16: return c.i16();
    case GgufType.UINT32: return c.u32();
    case GgufType.INT32: return c.i32();
    case GgufType.FLOAT32: return c.f32();
    case GgufType.BOOL: {
      const b = c.u8();
      if (b > 1) throw new GgufFormatError(`GGUF bool has value ${b}`);
      return b === 1;
    }
    case GgufType.STRING: return c.string();
    case GgufType.UINT64: return c.u64();
    case GgufType.INT64: return c.i64();
    case GgufType.FLOAT64: return c.f64();
    case GgufType.ARRAY: {
      const itemType = c.u32();
      if (!isValueType(itemType)) throw new GgufFormatError(`GGUF array has unknown item type ${itemType}`);
      const n = c.size("array length");
      // Cheap sanity check before allocating: every item takes at least one byte.
      if (n > c.buf.length - c.offset) throw new GgufTruncatedError(`GGUF array of ${n} items ends early`);
      const items: GgufItem[] = new Array<GgufItem>(n);
      for (let i = 0; i < n; i++) items[i] = readValue(c, itemType);
      return { itemType, items };
    }
    default:
      throw new GgufFormatError(`GGUF value has unknown type ${type}`);
  }
}

function isValueType(t: number): t is GgufValueType {
  return Number.isInteger(t) && t >= 0 && t <= 12;
}

/** Parses a GGUF header (everything before the tensor data) from the start of `buf`. */
export function parseGguf(buf: Buffer): GgufFile {
  const c = new Cursor(buf);
  const magic = c.u32();
  if (magic !== GGUF_MAGIC) throw new GgufFormatError("not a GGUF file (bad magic)");
  const version = c.u32();
  if (version !== 2 && version !== 3) {
    throw new GgufFormatError(`unsupported GGUF version ${version} (expected 2 or 3, little-endian)`);
  }
  const tensorCount = c.size("tensor count");
  const kvCount = c.size("metadata count");

  const metadata: GgufKv[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.string();
    if (seen.has(key)) throw new GgufFormatError(`GGUF metadata key repeated: ${key}`);
    seen.add(key);
    const type = c.u32();
    if (!isValueType(type)) throw new GgufFormatError(`GGUF key ${key} has unknown type ${type}`);
    const start = c.offset;
    const value = readValue(c, type);
    metadata.push({ key, type, value, raw: buf.subarray(start, c.offset).slice() });
  }

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const alignKv = metadata.find((kv) => kv.key === "general.alignment");
  if (alignKv !== undefined) {
    const a = Number(alignKv.value);
    if (!Number.isInteger(a) || a <= 0 || a % 8 !== 0) throw new GgufFormatError(`bad general.alignment ${a}`);
    alignment = a;
  }

  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string();
    const nDims = c.u32();
    if (nDims > 4) throw new GgufFormatError(`tensor ${name} has ${nDims} dimensions`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.size(`tensor ${name} dimension`));
    const type = c.u32();
    const offset = c.size(`tensor ${name} offset`);
    if (offset % alignment !== 0) throw new GgufFormatError(`tensor ${name} offset ${offset} is not aligned`);
    tensors.push({ name, dims, type, offset });
  }
  const dataOffset = alignUp(c.offset, alignment);
  return { version, alignment, metadata, tensors, dataOffset };
}

/**
 * Reads and parses a GGUF file's header without reading its tensor data (safe on multi-GB models).
 * `maxHeaderBytes` (default 1 GiB) bounds the read.
 */
export async function readGgufFile(path: string, options: { maxHeaderBytes?: number } = {}): Promise<GgufFile> {
  const maxHeaderBytes = options.maxHeaderBytes ?? 1 << 30;
  const fh = await open(path, "r");
  try {
    const fileSize = (await fh.stat()).size;
    let want = Math.min(fileSize, 16 << 20);
    for (;;) {
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, 0);
      try {
        return parseGguf(buf.subarray(0, bytesRead));
      } catch (err) {
        if (!(err instanceof GgufTruncatedError)) throw err;
        if (bytesRead >= fileSize) throw new GgufFormatError(`${path}: file ends inside the GGUF header`);
        if (want >= maxHeaderBytes) throw new GgufFormatError(`${path}: GGUF header larger than ${maxHeaderBytes} bytes`);
        want = Math.min(fileSize, maxHeaderBytes, want * 4);
      }
    }
  } finally {
    await fh.close();
  }
}

/** Reads one tensor's raw bytes (only sensible for small tensors). */
export async function readGgufTensorData(path: string, file: GgufFile, name: string): Promise<Buffer> {
  const t = file.tensors.find((x) => x.name === name);
  if (t === undefined) throw new GgufFormatError(`no tensor ${name}`);
  const len = ggmlTensorBytes(t.type, t.dims);
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(len);
    const { bytesRead } = await fh.read(buf, 0, len, file.dataOffset + t.offset);
    if (bytesRead !== len) throw new GgufFormatError(`${path}: tensor ${name} is cut short`);
    return buf;
  } finally {
    await fh.close();
  }
}

export function getGgufKv(file: GgufFile, key: string): GgufKv | undefined {
  return file.metadata.find((kv) => kv.key === key);
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Builders for metadata entries with the right type tags. */
export const ggufKv = {
  u8: (key: string, value: number): GgufKv => ({ key, type: GgufType.UINT8, value }),
  i8: (key: string, value: number): GgufKv => ({ key, type: GgufType.INT8, value }),
  u16: (key: string, value: number): GgufKv => ({ key, type: GgufType.UINT16, value }),
  i16: (key: string, value: number): GgufKv => ({ key, type: GgufType.INT16, value }),
  u32: (key: string, value: number): GgufKv => ({ key, type: GgufType.UINT32, value }),
  i32: (key: string, value: number): GgufKv => ({ key, type: GgufType.INT32, value }),
  f32: (key: string, value: number): GgufKv => ({ key, type: GgufType.FLOAT32, value }),
  f64: (key: string, value: number): GgufKv => ({ key, type: GgufType.FLOAT64, value }),
  u64: (key: string, value: bigint): GgufKv => ({ key, type: GgufType.UINT64, value }),
  i64: (key: string, value: bigint): GgufKv => ({ key, type: GgufType.INT64, value }),
  bool: (key: string, value: boolean): GgufKv => ({ key, type: GgufType.BOOL, value }),
  string: (key: string, value: string): GgufKv => ({ key, type: GgufType.STRING, value }),
  array: (key: string, itemType: GgufValueType, items: readonly GgufItem[]): GgufKv => ({
    key,
    type: GgufType.ARRAY,
    value: { itemType, items },
  }),
};

/** Elements per block and bytes per block of ggml's block-quantised types (ggml-common.h). */
export const GGML_QUANT_BLOCK = {
  /** An F16 scale and 32 four-bit weights. */
  [GgmlType.Q4_0]: { elements: 32, bytes: 2 + 16 },
  /** An F16 scale and 32 signed bytes. */
  [GgmlType.Q8_0]: { elements: 32, bytes: 2 + 32 },
} as const;

/** Byte length of a tensor of the types this module writes. */
export function ggmlTensorBytes(type: number, dims: readonly number[]): number {
  const n = dims.reduce((a, b) => a * b, 1);
  switch (type) {
    case GgmlType.F32: return n * 4;
    case GgmlType.F16:
    case GgmlType.BF16: return n * 2;
    case GgmlType.Q4_0:
    case GgmlType.Q8_0: {
      const block = GGML_QUANT_BLOCK[type];
      // Blocks run along the innermost dimension, so each row must hold whole blocks.
      if ((dims[0] ?? 0) % block.elements !== 0) throw new GgufFormatError(`a type ${type} tensor's rows must be a multiple of ${block.elements} long, not ${dims[0]}`);
      return (n / block.elements) * block.bytes;
    }
    default: throw new GgufFormatError(`tensor type ${type} is not supported here`);
  }
}

export type GgufTensorSource = {
  readonly name: string;
  /** ne[0] first: the innermost (fastest-varying) dimension. */
  readonly dims: readonly number[];
  readonly type: GgmlTypeId;
  /** The tensor's bytes, whole or as chunks produced on demand (so multi-GB tensors stream). */
  readonly data: Uint8Array | (() => Iterable<Uint8Array> | AsyncIterable<Uint8Array>);
};

/** A growable little-endian byte buffer. */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, at + n));
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
    }
    this.length = at + n;
    return at;
  }
  // reserve() may replace this.buf, so it runs before this.buf is read.
  push(b: Uint8Array): void { const at = this.reserve(b.byteLength); this.buf.set(b, at); }
  u8(v: number): void { const at = this.reserve(1); this.buf.writeUInt8(v, at); }
  i8(v: number): void { const at = this.reserve(1); this.buf.writeInt8(v, at); }
  u16(v: number): void { const at = this.reserve(2); this.buf.writeUInt16LE(v, at); }
  i16(v: number): void { const at = this.reserve(2); this.buf.writeInt16LE(v, at); }
  u32(v: number): void { const at = this.reserve(4); this.buf.writeUInt32LE(v, at); }
  i32(v: number): void { const at = this.reserve(4); this.buf.writeInt32LE(v, at); }
  f32(v: number): void { const at = this.reserve(4); this.buf.writeFloatLE(v, at); }
  f64(v: number): void { const at = this.reserve(8); this.buf.writeDoubleLE(v, at); }
  u64(v: bigint): void { const at = this.reserve(8); this.buf.writeBigUInt64LE(v, at); }
  i64(v: bigint): void { const at = this.reserve(8); this.buf.writeBigInt64LE(v, at); }
  string(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    this.u64(BigInt(n));
    const at = this.reserve(n);
    this.buf.write(s, at, n, "utf8");
  }
  bytes(): Buffer { return this.buf.subarray(0, this.length); }
}

function writeValue(out: ByteSink, type: GgufValueType, value: GgufItem, key: string): void {
  const bad = (): never => {
    throw new GgufFormatError(`metadata ${key}: value ${String(value)} does not fit type ${type}`);
  };
  const int = (lo: number, hi: number): number =>
    typeof value === "number" && Number.isInteger(value) && value >= lo && value <= hi ? value : bad();
  const big = (lo: bigint, hi: bigint): bigint => {
    const v = typeof value === "bigint" ? value : typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : bad();
    return v >= lo && v <= hi ? v : bad();
  };
  switch (type) {
    case GgufType.UINT8: return out.u8(int(0, 0xff));
    case GgufType.INT8: return out.i8(int(-0x80, 0x7f));
    case GgufType.UINT16: return out.u16(int(0, 0xffff));
    case GgufType.INT16: return out.i16(int(-0x8000, 0x7fff));
    case GgufType.UINT32: return out.u32(int(0, 0xffffffff));
    case GgufType.INT32: return out.i32(int(-0x80000000, 0x7fffffff));
    case GgufType.FLOAT32: return out.f32(typeof value === "number" ? value : bad());
    case GgufType.FLOAT64: return out.f64(typeof value === "number" ? value : bad());
    case GgufType.UINT64: return out.u64(big(0n, 0xffffffffffffffffn));
    case GgufType.INT64: return out.i64(big(-0x8000000000000000n, 0x7fffffffffffffffn));
    case GgufType.BOOL: return out.u8(typeof value === "boolean" ? (value ? 1 : 0) : bad());
    case GgufType.STRING: return out.string(typeof value === "string" ? value : bad());
    case GgufType.ARRAY: {
      if (typeof value !== "object") return bad();
      out.u32(value.itemType);
      out.u64(BigInt(value.items.length));
      for (const item of value.items) writeValue(out, value.itemType, item, key);
      return;
    }
  }
}

/**
 * Encodes everything before the tensor data: header, metadata, tensor table and the padding up to
 * the aligned data start. Returns the bytes and each tensor's offset within the data section.
 */
export function encodeGgufHeader(
  metadata: readonly GgufKv[],
  tensors: readonly Pick<GgufTensorSource, "name" | "dims" | "type">[],
): { header: Buffer; offsets: number[]; dataBytes: number; alignment: number } {
  const keys = new Set<string>();
  for (const kv of metadata) {
    if (keys.has(kv.key)) throw new GgufFormatError(`metadata key repeated: ${kv.key}`);
    keys.add(kv.key);
  }
  const alignKv = metadata.find((kv) => kv.key === "general.alignment");
  const alignment = alignKv === undefined ? GGUF_DEFAULT_ALIGNMENT : Number(alignKv.value);
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0) {
    throw new GgufFormatError(`bad general.alignment ${String(alignKv?.value)}`);
  }

  const out = new ByteSink();
  out.u32(GGUF_MAGIC);
  out.u32(GGUF_VERSION);
  out.u64(BigInt(tensors.length));
  out.u64(BigInt(metadata.length));
  for (const kv of metadata) {
    out.string(kv.key);
    out.u32(kv.type);
    if (kv.raw !== undefined) out.push(kv.raw);
    else writeValue(out, kv.type, kv.value, kv.key);
  }

  const offsets: number[] = [];
  let dataBytes = 0;
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw new GgufFormatError(`tensor name repeated: ${t.name}`);
    names.add(t.name);
    if (t.dims.length < 1 || t.dims.length > 4 || t.dims.some((d) => !Number.isSafeInteger(d) || d < 1)) {
      throw new GgufFormatError(`tensor ${t.name} has bad dimensions [${t.dims.join(", ")}]`);
    }
    dataBytes = alignUp(dataBytes, alignment);
    offsets.push(dataBytes);
    out.string(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(BigInt(d));
    out.u32(t.type);
    out.u64(BigInt(dataBytes));
    dataBytes += ggmlTensorBytes(t.type, t.dims);
  }
  const pad = alignUp(out.length, alignment) - out.length;
  if (pad > 0) out.push(new Uint8Array(pad));
  return { header: out.bytes(), offsets, dataBytes, alignment };
}

/**
 * Writes a GGUF file. Tensor data is streamed, so memory stays small whatever the model size. The
 * file is written to a temporary name beside `path`, flushed, and renamed into place: a killed run
 * never leaves a partial file at `path`.
 */
export async function writeGgufFile(
  path: string,
  model: { metadata: readonly GgufKv[]; tensors: readonly GgufTensorSource[] },
): Promise<{ bytes: number }> {
  const { header, offsets, alignment } = encodeGgufHeader(model.metadata, model.tensors);
  const tmp = `${path}.partial-${process.pid}-${randomBytes(4).toString("hex")}`;
  const fh = await open(tmp, "wx");
  let closed = false;
  let w: BufferedWriter | undefined;
  try {
    w = new BufferedWriter(fh);
    await w.write(header);
    let pos = 0;
    for (const [i, t] of model.tensors.entries()) {
      const start = offsets[i] ?? 0;
      if (start > pos) await w.write(Buffer.alloc(start - pos));
      pos = start;
      const want = ggmlTensorBytes(t.type, t.dims);
      let got = 0;
      const chunks = typeof t.data === "function" ? t.data() : [t.data];
      for await (const chunk of chunks) {
        got += chunk.byteLength;
        if (got > want) throw new GgufFormatError(`tensor ${t.name}: more data than its ${want} bytes`);
        await w.write(chunk);
      }
      if (got !== want) throw new GgufFormatError(`tensor ${t.name}: got ${got} bytes, expected ${want}`);
      pos += got;
    }
    // Pad the end so the file length is aligned too (llama.cpp does not need it; gguf-py does it).
    const end = alignUp(pos, alignment);
    if (end > pos) await w.write(Buffer.alloc(end - pos));
    await w.drain();
    await fh.sync();
    await fh.close();
    closed = true;
    await rename(tmp, path);
    return { bytes: header.length + end };
  } catch (err) {
    await w?.drain().catch(() => undefined);
    if (!closed) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Coalesces small writes and keeps one write in flight, so producing the next chunk (the random
 * weights of the 8b test model) overlaps writing the last one. Chunks are written as they are,
 * without a copy: a producer must not reuse a chunk's memory after yielding it.
 */
class BufferedWriter {
  private buf = Buffer.allocUnsafe(4 << 20);
  private used = 0;
  private pending: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  constructor(private readonly fh: FileHandle) {}
  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.byteLength >= this.buf.length) {
      await this.flush();
      await this.issue(chunk);
      return;
    }
    if (this.used + chunk.byteLength > this.buf.length) await this.flush();
    this.buf.set(chunk, this.used);
    this.used += chunk.byteLength;
  }
  /** Hands the coalesced bytes to a write; call `drain` to wait for everything. */
  async flush(): Promise<void> {
    if (this.used === 0) return;
    const full = this.buf.subarray(0, this.used);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.used = 0;
    await this.issue(full);
  }
  async drain(): Promise<void> {
    await this.flush();
    await this.pending;
    this.check();
  }
  private async issue(data: Uint8Array): Promise<void> {
    await this.pending;
    this.check();
    // The rejection is kept, not left unhandled, and rethrown by the next write or drain.
    this.pending = writeAll(this.fh, data).catch((error: unknown) => {
      this.failure = { error };
    });
  }
  private check(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}

async function writeAll(fh: FileHandle, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.byteLength) {
    const { bytesWritten } = await fh.write(data, off, data.byteLength - off);
    off += bytesWritten;
  }
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

// ---------------------------------------------------------------------------------------------
// Half precision

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE binary16 bits of `v`, rounded to nearest even (overflow to infinity, NaN kept). */
export function f32ToF16Bits(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++; // a carry into the exponent is correct
  return sign | half;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
