/**
 * Sharding a corpus across cluster nodes (a Slurm job array): a letter's shard comes from its
 * content checksum, so every node agrees on the split whatever order or store it imported the
 * letters into, and a letter is in exactly one shard.
 */
import { shardOf } from "../store/letters.ts";

export type Shard = { index: number; count: number };

/** "I/N" with 1 ≤ I ≤ N (a Slurm array `--array=1-N` passes $SLURM_ARRAY_TASK_ID as I). */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new Error(`--shard must be I/N with 1 ≤ I ≤ N (e.g. 2/8), not "${text}"`);
  }
  return { index, count };
}

export function inShard(checksum: string, shard: Shard): boolean {
  return shardOf(checksum, shard.count) === shard.index;
}

export function shardLabel(shard: Shard | undefined): string {
  return shard ? `${shard.index}/${shard.count}` : "all";
}
