/**
 * Percentile bootstrap over groups (letters or notes): a resample draws as many groups as there
 * are, with replacement, and a group's items move together, so an interval reflects how scores
 * vary between letters, not between items of one letter. Seeded (base/seededRandom.ts): the same
 * seed gives the same resamples, and comparing two models on the same resamples is a paired
 * bootstrap.
 */
import { mulberry32 } from "../base/seededRandom.ts";

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 1;

/** How often each group is drawn in each resample, one resample at a time (the same array, refilled: copy it to keep it). */
export function* resampleCounts(groups: number, resamples: number, seed: number): Generator<Uint32Array> {
  const next = mulberry32(seed);
  const counts = new Uint32Array(groups);
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let i = 0; i < groups; i++) {
      const drawn = Math.floor((next() / 4294967296) * groups);
      counts[drawn] = (counts[drawn] ?? 0) + 1;
    }
    yield counts;
  }
}

/** The p-th percentile (0..100) of sorted values, interpolated linearly as numpy's default does. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (p / 100) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const low = sorted[below] as number;
  return low + (position - below) * ((sorted[above] as number) - low);
}

/** The central interval holding `level` of the values (NaN values, from resamples where a score is undefined, left out). */
export function percentileInterval(values: readonly number[], level = 0.95): [number, number] {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  const tail = (100 - level * 100) / 2;
  return [percentile(sorted, tail), percentile(sorted, 100 - tail)];
}
