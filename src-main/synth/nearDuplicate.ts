/**
 * Near-duplicate detection for generated letters: MinHash over word 3-shingles (Broder 1997).
 * A letter's signature is the minimum of NUM_HASHES independent hashes over its shingle set; the
 * share of equal positions in two signatures estimates the Jaccard similarity of the two sets
 * (standard error √(J(1−J)/128) ≤ 0.045). Signatures are small (512 bytes), so they are stored
 * with each letter and a project of thousands of letters is compared in milliseconds.
 *
 * Written here rather than taken from npm: the method is the few lines below (tested in
 * test/unit/synth-near-duplicate.test.ts), and a dependency would add more than it saves.
 */
import { fnv1a32 } from "../base/fnv1a.ts";

export const NUM_HASHES = 128;
export const SHINGLE_WORDS = 3;

/**
 * Estimated Jaccard similarity at or above which a letter is a near-duplicate of an accepted one.
 * 0.8: one letter reworded in a few places still matches (≈0.85), while two letters that only
 * share a template and the same cancer facts stay well below it (≈0.3 to 0.5).
 */
export const DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.8;

export type Signature = Uint32Array;

/**
 * Words as a reader sees them: case, punctuation and the literal `\n`/`\t` export artefacts do not
 * make two letters different.
 */
export function words(text: string): string[] {
  return text
    .replace(/\\[nt]/g, " ")
    .toLowerCase()
    .split(/[^\p{L}\p{N}?]+/u)
    .filter((word) => word.length > 0);
}

/** The set of word n-grams; a text shorter than one n-gram is its own single shingle. */
export function shingles(text: string, n = SHINGLE_WORDS): Set<string> {
  const list = words(text);
  const out = new Set<string>();
  if (list.length < n) {
    if (list.length > 0) out.add(list.join(" "));
    return out;
  }
  for (let i = 0; i + n <= list.length; i++) out.add(list.slice(i, i + n).join(" "));
  return out;
}

/** Exact Jaccard similarity of two sets (1 for two empty sets). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let common = 0;
  for (const item of a) if (b.has(item)) common++;
  return common / (a.size + b.size - common);
}

/** murmur3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** One fixed seed per hash function, so signatures stored today compare with tomorrow's. */
const SEEDS = Uint32Array.from({ length: NUM_HASHES }, (_, i) => mix(0x9e3779b9 + Math.imul(i + 1, 0x7f4a7c15)));

export function minhash(text: string): Signature {
  const signature = new Uint32Array(NUM_HASHES).fill(0xffffffff);
  for (const shingle of shingles(text)) {
    const base = fnv1a32(shingle); // the shingle's base hash
    for (let k = 0; k < NUM_HASHES; k++) {
      const h = mix(base ^ (SEEDS[k] as number));
      if (h < (signature[k] as number)) signature[k] = h;
    }
  }
  return signature;
}

/** Estimated Jaccard similarity: the share of positions where the two signatures agree. */
export function similarity(a: Signature, b: Signature): number {
  if (a.length !== b.length) throw new Error("MinHash signatures of different lengths cannot be compared.");
  let equal = 0;
  for (let k = 0; k < a.length; k++) if (a[k] === b[k]) equal++;
  return equal / a.length;
}

export function signatureToBuffer(signature: Signature): Buffer {
  return Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
}

export function signatureFromBuffer(buffer: Uint8Array): Signature {
  if (buffer.byteLength !== NUM_HASHES * 4) throw new Error(`A MinHash signature has ${NUM_HASHES * 4} bytes, not ${buffer.byteLength}.`);
  return new Uint32Array(new Uint8Array(buffer).buffer);
}

/** The accepted letters of a project, compared by signature. */
export class NearDuplicateIndex {
  readonly #entries: { id: string; signature: Signature }[] = [];

  constructor(readonly threshold = DEFAULT_NEAR_DUPLICATE_THRESHOLD) {
    if (!(threshold > 0 && threshold <= 1)) throw new RangeError("The near-duplicate threshold must be in (0, 1].");
  }

  get size(): number {
    return this.#entries.length;
  }

  add(id: string, signature: Signature): void {
    this.#entries.push({ id, signature });
  }

  /** The most similar earlier letter at or above the threshold, if any. */
  nearest(signature: Signature): { id: string; similarity: number } | null {
    let best: { id: string; similarity: number } | null = null;
    for (const entry of this.#entries) {
      const s = similarity(signature, entry.signature);
      if (s >= this.threshold && (best === null || s > best.similarity)) best = { id: entry.id, similarity: s };
    }
    return best;
  }
}
