/**
 * How many micro-batches llama.cpp makes of one decode batch: each is a whole pass over the
 * model's weights, so on a GPU (where a pass costs about the same for 1 token as for 64) the
 * count, not the tokens, sets the cost of a generation step.
 *
 * This follows llama.cpp's own split, in the release node-llama-cpp 3.21.1 bundles, so that it
 * can be counted on every decode without llama.cpp's debug log (which needs LLAMA_BATCH_DEBUG
 * and prints every token); test/integration/micro-batches.test.ts holds it against that log.
 * - One KV stream (a context of one sequence): `split_simple`, n_ubatch tokens at a time.
 * - Several streams (node-llama-cpp creates contexts with `kv_unified = false`, one stream per
 *   sequence): `split_equal(n_ubatch, sequential = true)`. Each micro-batch gathers sequences by
 *   scanning the batch in order and admitting a sequence only if its id is exactly the last
 *   admitted id + 1, then takes the same number of tokens from each admitted sequence (as many as
 *   the shortest has left, within n_ubatch). Ids out of order or with a gap therefore cost a pass
 *   each: 16 single tokens queued in ascending id order make 1 micro-batch, reversed 16.
 */

/** One item of a decode batch, in the order it was added: a sequence's next tokens. */
export type BatchEntry = { sequenceId: number; tokens: number };

/**
 * @param entries the batch's items in batch order
 * @param microBatchSize llama.cpp's n_ubatch (node-llama-cpp sets it to the context's batchSize)
 * @param streams the context's KV streams: its sequences (node-llama-cpp never unifies them)
 */
export function countMicroBatches(entries: readonly BatchEntry[], microBatchSize: number, streams: number): number {
  const total = entries.reduce((sum, entry) => sum + entry.tokens, 0);
  if (total === 0) return 0;
  if (streams <= 1) return Math.ceil(total / microBatchSize);
  const left = entries.map((entry) => entry.tokens);
  let microBatches = 0;
  for (let used = 0; used < total; microBatches++) {
    // Admitted sequences, each with the items that still hold its tokens (in batch order).
    const admitted = new Map<number, number[]>();
    let last = -1;
    for (let i = 0; i < entries.length; i++) {
      if ((left[i] as number) === 0) continue;
      const id = (entries[i] as BatchEntry).sequenceId;
      const known = admitted.get(id);
      if (known) {
        known.push(i);
        continue;
      }
      if (admitted.size > 0 && id !== last + 1) continue;
      if (admitted.size > microBatchSize) break;
      admitted.set(id, [i]);
      last = id;
    }
    const remaining = (items: number[]) => items.reduce((sum, i) => sum + (left[i] as number), 0);
    const shortest = Math.min(...[...admitted.values()].map(remaining));
    const rounds = Math.min(shortest, Math.max(1, Math.floor(microBatchSize / admitted.size)));
    for (const items of admitted.values()) {
      let take = rounds;
      for (const i of items) {
        const taken = Math.min(take, left[i] as number);
        left[i] = (left[i] as number) - taken;
        take -= taken;
      }
    }
    used += rounds * admitted.size;
  }
  return microBatches;
}
