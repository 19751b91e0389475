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

/** Model A's figure, B's, A − B, its interval over the resamples, and how often the difference fell on the other side of zero. */
export type PairedFigure = { a: number | null; b: number | null; difference: number | null; difference_ci: [number, number] | null; sign_change_share: number | null };

type Figures = Record<string, number | null>;

/**
 * A paired bootstrap: both models are scored on the very same resamples of the groups, so the
 * interval of A − B reflects the letters they were tested on once, not twice. `figures(weights)`
 * scores both under a weighting of the groups (none: each once). A difference undefined in a
 * resample (a section absent from it) is left out of that resample's figures.
 */
export function pairedBootstrap(groups: number, figures: (weights?: Uint32Array) => { a: Figures; b: Figures }, options: { resamples: number; seed: number; level: number }): Record<string, PairedFigure> {
  const point = figures();
  const draws = new Map<string, number[]>();
  for (const counts of resampleCounts(groups, options.resamples, options.seed)) {
    const { a, b } = figures(counts);
    for (const key of Object.keys(point.a)) {
      const left = a[key];
      const right = b[key];
      if (left === null || left === undefined || right === null || right === undefined || Number.isNaN(left - right)) continue;
      (draws.get(key) ?? draws.set(key, []).get(key))?.push(left - right);
    }
  }
  return Object.fromEntries(
    Object.keys(point.a).map((key) => {
      const a = point.a[key] ?? null;
      const b = point.b[key] ?? null;
      const difference = a === null || b === null || Number.isNaN(a - b) ? null : a - b;
      const values = draws.get(key) ?? [];
      const changed = difference === null ? 0 : values.filter((value) => Math.sign(value) !== Math.sign(difference)).length;
      return [
        key,
        {
          a,
          b,
          difference,
          difference_ci: values.length === 0 ? null : percentileInterval(values, options.level),
          sign_change_share: difference === null || values.length === 0 ? null : changed / values.length,
        },
      ];
    }),
  );
}
