// The micro-batch count of decodeStats.ts held against llama.cpp's own account: with
// LLAMA_BATCH_DEBUG set and its log at debug level, llama.cpp logs "added ubatch to split" for
// every micro-batch it makes. The tiny test model on the CPU; node-llama-cpp's public API queues
// one token (or a short prompt) per sequence, all in the same tick, in the order under test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel } from "node-llama-cpp";
import { countDecodes } from "../../src-main/extract/llama/decodeStats.ts";
import { NO_DECODES, type DecodeStats } from "../../src-main/extract/llama/protocol.ts";
import { keepDecodesInSequenceOrder } from "../../src-main/extract/llama/sequenceOrder.ts";
import { useTestModel } from "../helpers/testModel.ts";

const modelPath = useTestModel();
const SEQUENCES = 8;

let llama: Llama;
let model: LlamaModel;
/** llama.cpp's "added ubatch to split" lines so far. */
let logged = 0;

beforeAll(async () => {
  // Read by llama.cpp when a context's batch allocator is made: before any context exists.
  process.env.LLAMA_BATCH_DEBUG = "1";
  llama = await getLlama({
    gpu: false,
    build: "never",
    logLevel: LlamaLogLevel.debug,
    logger: (_level, message) => {
      if (message.includes("added ubatch to split")) logged++;
    },
  });
  model = await llama.loadModel({ modelPath: modelPath() });
});

afterAll(async () => {
  delete process.env.LLAMA_BATCH_DEBUG;
  await model?.dispose();
  await llama?.dispose();
});

type Setup = { context: LlamaContext; sequences: LlamaContextSequence[]; stats: DecodeStats };

async function setup(ordered: boolean): Promise<Setup> {
  const context = await model.createContext({ sequences: SEQUENCES, contextSize: 256, threads: 1 });
  const stats = { ...NO_DECODES };
  expect(countDecodes(context, stats)).toBe(true);
  if (ordered) expect(keepDecodesInSequenceOrder(context)).toBe(true);
  const sequences = Array.from({ length: SEQUENCES }, () => context.getSequence());
  return { context, sequences, stats };
}

/** Queues `tokens` tokens on each listed sequence in this order, in one tick; waits for every decode and its log. */
async function step({ sequences, stats }: Setup, order: readonly number[], tokens: (id: number) => number = () => 1) {
  const before = { logged, microBatches: stats.microBatches, decodes: stats.decodes };
  const token = model.tokenize("the")[0] as number;
  await Promise.all(order.map((id) => (sequences[id] as LlamaContextSequence).evaluateWithoutGeneratingNewTokens(Array(tokens(id)).fill(token))));
  // llama.cpp's log reaches JavaScript through a thread-safe callback, a moment after the decode.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { logged: logged - before.logged, counted: stats.microBatches - before.microBatches, decodes: stats.decodes - before.decodes };
}

const ascending = [0, 1, 2, 3, 4, 5, 6, 7];
const orders: Record<string, readonly number[]> = {
  ascending,
  reversed: [...ascending].reverse(),
  shuffled: [5, 2, 7, 0, 3, 6, 1, 4],
  "one idle sequence": [0, 1, 2, 3, 5, 6, 7],
};

describe("llama.cpp's micro-batches per decode", () => {
  it("are counted exactly as llama.cpp makes them, in node-llama-cpp's queue order", async () => {
    const seen: Record<string, number> = {};
    const setupDone = await setup(false);
    try {
      for (const [name, order] of Object.entries(orders)) {
        const { logged: fromLog, counted, decodes } = await step(setupDone, order);
        expect(decodes, name).toBe(1);
        expect(counted, name).toBe(fromLog);
        seen[name] = fromLog;
      }
      // A letter read alongside a step: a token each, then the rest of the letter.
      const reading = await step(setupDone, ascending, (id) => (id === 3 ? 37 : 1));
      expect(reading.counted).toBe(reading.logged);
      expect(reading.logged).toBe(2);
    } finally {
      await setupDone.context.dispose();
    }
    // As measured when this was found: node-llama-cpp batches in the order decodes were queued.
    expect(seen).toEqual({ ascending: 1, reversed: 8, shuffled: 4, "one idle sequence": 2 });
  }, 120_000);

  it("make one pass per step once the queue is kept in sequence order, whatever order the tokens came in", async () => {
    const ordered = await setup(true);
    try {
      for (const [name, order] of Object.entries(orders)) {
        const { logged: fromLog, counted } = await step(ordered, order);
        expect(counted, name).toBe(fromLog);
        // The gap of an idle sequence cannot be ordered away.
        expect(fromLog, name).toBe(name === "one idle sequence" ? 2 : 1);
      }
    } finally {
      await ordered.context.dispose();
    }
  }, 120_000);
});
