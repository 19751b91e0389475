import type { LlamaContext } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { countDecodes } from "../../src-main/extract/llama/decodeStats.ts";
import { countMicroBatches, type BatchEntry } from "../../src-main/extract/llama/microBatches.ts";
import { NO_DECODES } from "../../src-main/extract/llama/protocol.ts";
import { keepDecodesInSequenceOrder } from "../../src-main/extract/llama/sequenceOrder.ts";

/** One token from each sequence, queued in `order`. */
const steps = (order: number[]): BatchEntry[] => order.map((sequenceId) => ({ sequenceId, tokens: 1 }));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("llama.cpp's micro-batches of a decode batch", () => {
  it("one pass for a step whose sequence ids ascend without a gap, one per break in the order", () => {
    expect(countMicroBatches(steps(range(16)), 512, 16)).toBe(1);
    expect(countMicroBatches(steps(range(16).reverse()), 512, 16)).toBe(16);
    // Each micro-batch scans the batch in order, admitting a sequence only as the last admitted id + 1.
    // [5,6,0,1,7,2,3,4]: {5,6,7}, then {0,1,2,3,4}.
    expect(countMicroBatches(steps([5, 6, 0, 1, 7, 2, 3, 4]), 512, 8)).toBe(2);
    // [1,0,3,2]: {1,2} (0 and 3 are not 1 + 1 when met), then {0} (3 is not 0 + 1), then {3}.
    expect(countMicroBatches(steps([1, 0, 3, 2]), 512, 4)).toBe(3);
    // An idle sequence in the middle: ids 0-3 then 5-7.
    expect(countMicroBatches(steps([0, 1, 2, 3, 5, 6, 7]), 512, 8)).toBe(2);
  });

  it("a letter read alongside a step: one pass of a token each, then the rest of the letter", () => {
    const batch = [...steps([0, 1, 2]), { sequenceId: 3, tokens: 37 }, ...steps([4, 5, 6, 7])];
    expect(countMicroBatches(batch, 512, 8)).toBe(2);
    // Equal shares within n_ubatch: 4 sequences of 100 tokens in 64-token micro-batches take 16 each.
    expect(countMicroBatches(range(4).map((sequenceId) => ({ sequenceId, tokens: 100 })), 64, 4)).toBe(7);
  });

  it("one stream (a context of one sequence): n_ubatch tokens at a time, whatever the ids", () => {
    expect(countMicroBatches([{ sequenceId: 0, tokens: 1500 }], 512, 1)).toBe(3);
    expect(countMicroBatches([{ sequenceId: 0, tokens: 1 }], 512, 1)).toBe(1);
    expect(countMicroBatches([], 512, 4)).toBe(0);
  });
});

/** Stands in for node-llama-cpp's context: queues synchronously, as it does, and records the queue. */
function queueingContext() {
  const context = {
    _queuedDecodes: [] as { sequenceId: number }[],
    _decodeTokens(item: { sequenceId: number }) {
      this._queuedDecodes.push(item);
      return Promise.resolve(item.sequenceId);
    },
  };
  return context;
}

describe("keeping a context's queued decodes in sequence order", () => {
  it("sorts the queue on every enqueue, so node-llama-cpp's next batch ascends", async () => {
    const context = queueingContext();
    expect(keepDecodesInSequenceOrder(context as unknown as LlamaContext)).toBe(true);
    const answers = await Promise.all([5, 2, 7, 0, 1].map((sequenceId) => context._decodeTokens({ sequenceId })));
    expect(answers).toEqual([5, 2, 7, 0, 1]); // each caller still gets its own decode's answer
    expect(context._queuedDecodes.map((item) => item.sequenceId)).toEqual([0, 1, 2, 5, 7]);
    expect(countMicroBatches(steps(context._queuedDecodes.map((item) => item.sequenceId)), 512, 8)).toBe(3); // ordering cannot close gaps: {0,1,2}, {5}, {7}
  });

  it("changes nothing where node-llama-cpp has no _decodeTokens or no _queuedDecodes", () => {
    expect(keepDecodesInSequenceOrder({} as LlamaContext)).toBe(false);
    const noQueue = { _decodeTokens: () => Promise.resolve() };
    const before = noQueue._decodeTokens;
    expect(keepDecodesInSequenceOrder(noQueue as unknown as LlamaContext)).toBe(false);
    expect(noQueue._decodeTokens).toBe(before);
  });

  it("decode statistics are not counted where node-llama-cpp has no native context to wrap", () => {
    const stats = { ...NO_DECODES };
    expect(countDecodes({} as LlamaContext, stats)).toBe(false);
    expect(stats).toEqual(NO_DECODES);
  });
});
