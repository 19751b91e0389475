/**
 * The project's one seeded PRNG, mulberry32: tiny, fast and well spread. Everything that must
 * draw the same numbers from the same seed uses it (the synthetic grid sampler, the test model's
 * weights, the fake teacher in tests, the grounding benchmark), so a seed means one thing.
 */
import { fnv1a32 } from "./fnv1a.ts";

/** Unsigned 32-bit draws. */
export function mulberry32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Floats in [0, 1); a string seed is hashed first (FNV-1a), so a name or a key can be the seed. */
export function seededRandom(seed: number | string): () => number {
  const next = mulberry32(typeof seed === "number" ? seed : fnv1a32(seed));
  return () => next() / 4294967296;
}
