import type { LlamaContext, LlamaContextSequence } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { lockstep } from "../../src-main/extract/llama/lockstep.ts";

/** Stands in for node-llama-cpp's context: records when each decode reaches it, in order. */
function fakeContext() {
  const reached: string[] = [];
  const context = {
    _decodeTokens: async ({ sequenceId, tokens }: { sequenceId: number; tokens: number[] }) => {
      reached.push(`${sequenceId}:${tokens.length}`);
      return sequenceId;
    },
  };
  return { context: context as unknown as LlamaContext, reached, decode: (sequenceId: number, tokens: number) => (context as unknown as typeof context)._decodeTokens({ sequenceId, tokens: Array(tokens).fill(0) }) };
}
const sequence = (id: number) => ({ _sequenceId: id }) as unknown as LlamaContextSequence;
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("lockstep decoding", () => {
  it("holds each generating sequence's token until all have one, and lets prompts through", async () => {
    const { context, reached, decode } = fakeContext();
    expect(lockstep(context, 10_000)).toBeDefined();
    await decode(0, 1); // alone so far: nothing to wait for
    const joining = decode(1, 1); // sequence 1 starts generating: it waits for sequence 0's next token
    await tick();
    expect(reached).toEqual(["0:1"]);
    await decode(2, 300); // a prompt is never held
    expect(reached).toEqual(["0:1", "2:300"]);
    // Sequence 2 has read its prompt and is sampling its first token: a step without it would
    // leave a gap in the ids (two passes in llama.cpp), so 0 and 1 wait for it too.
    const zero = decode(0, 1);
    await tick();
    expect(reached).toHaveLength(2);
    await Promise.all([joining, zero, decode(2, 1)]); // now in step: all three in the same turn
    expect(reached.slice(2)).toEqual(["1:1", "0:1", "2:1"]);
    const next = [decode(1, 1), decode(2, 1)];
    await tick();
    expect(reached).toHaveLength(5); // and they stay in step
    await Promise.all([...next, decode(0, 1)]);
    expect(reached.slice(5)).toEqual(["1:1", "2:1", "0:1"]);
  });

  it("stops waiting for a sequence whose letter is done, and for anyone after gatherMs", async () => {
    const { context, reached, decode } = fakeContext();
    const step = lockstep(context, 10_000);
    await decode(0, 1);
    const held = decode(1, 1);
    await tick();
    expect(reached).toEqual(["0:1"]);
    step?.done(sequence(0));
    await held;
    expect(reached).toEqual(["0:1", "1:1"]);

    const quick = fakeContext();
    lockstep(quick.context, 20);
    await quick.decode(0, 1);
    const started = performance.now();
    await quick.decode(1, 1); // sequence 0 never comes back
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(quick.reached).toEqual(["0:1", "1:1"]);
  });

  it("changes nothing where node-llama-cpp has no _decodeTokens", () => {
    expect(lockstep({} as LlamaContext, 10)).toBeUndefined();
  });
});
