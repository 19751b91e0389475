/**
 * A seeded train/test split by group (a patient; a synthetic letter is its own): every row of a
 * group goes to the same side, so no patient or letter is on both. Groups are shuffled with the
 * project's seeded RNG (base/seededRandom.ts) and the first `testFraction` of them (rounded, at
 * least one when there are two or more) are the test side.
 */
import { seededRandom } from "../base/seededRandom.ts";

export function splitByGroup<T>(rows: readonly T[], groupOf: (row: T) => string, testFraction: number, seed: number): { train: T[]; test: T[] } {
  const groups = [...new Set(rows.map(groupOf))].sort();
  const random = seededRandom(seed);
  for (let i = groups.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [groups[i], groups[j]] = [groups[j] as string, groups[i] as string];
  }
  const testCount = groups.length < 2 || testFraction === 0 ? 0 : Math.max(1, Math.round(groups.length * testFraction));
  const testGroups = new Set(groups.slice(0, testCount));
  return { train: rows.filter((row) => !testGroups.has(groupOf(row))), test: rows.filter((row) => testGroups.has(groupOf(row))) };
}
