/**
 * Equal numbers of each kind, as the distillation study balanced its four question kinds: every
 * kind cut to the rarest kind's count, the rows kept chosen with the seeded RNG (the same seed,
 * the same rows), in their original order.
 */
import { seededRandom } from "../base/seededRandom.ts";

export function balanceBy<T>(rows: readonly T[], kindOf: (row: T) => string, seed: number): T[] {
  const byKind = new Map<string, number[]>();
  rows.forEach((row, index) => byKind.set(kindOf(row), [...(byKind.get(kindOf(row)) ?? []), index]));
  const smallest = Math.min(...[...byKind.values()].map((indices) => indices.length));
  const random = seededRandom(seed);
  const kept = new Set<number>();
  for (const kind of [...byKind.keys()].sort()) {
    const indices = [...(byKind.get(kind) as number[])];
    for (let i = indices.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
    }
    for (const index of indices.slice(0, smallest)) kept.add(index);
  }
  return rows.filter((_, index) => kept.has(index));
}
