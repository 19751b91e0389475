import type { LlamaContext } from "node-llama-cpp";
import { countMicroBatches, type BatchEntry } from "./microBatches.ts";
import type { DecodeStats } from "./protocol.ts";

/**
 * Counts a context's decode calls, the tokens each carried and the time inside them, and its token
 * samplings, by wrapping the native context that node-llama-cpp 3 keeps as `_ctx` (not public API:
 * where it is absent nothing is counted and false is returned). This is how a benchmark learns
 * whether a GPU's sequences really share decodes, and whether decoding or sampling takes the time.
 * A decode whose every batch item is a single token only generated (a prompt is added as one item
 * of many tokens): those are counted apart as generation steps. Each decode's micro-batches
 * (llama.cpp's passes over the weights) are counted from the batch's items as they were added.
 */
export function countDecodes(context: LlamaContext, into: DecodeStats): boolean {
  const holder = context as unknown as { _ctx?: unknown };
  const native = holder._ctx;
  if (typeof native !== "object" || native === null) return false;
  let batchTokens = 0;
  let entries: BatchEntry[] = [];
  const timed = (call: () => unknown, done: (ms: number) => void) => {
    const started = performance.now();
    return Promise.resolve(call()).finally(() => done(performance.now() - started));
  };
  holder._ctx = new Proxy(native, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (key === "initBatch") {
        return (size: number) => {
          batchTokens = size;
          entries = [];
          return method.call(target, size);
        };
      }
      if (key === "addToBatch") {
        return (...args: unknown[]) => {
          const tokens = args[2] as ArrayLike<number> | undefined;
          entries.push({ sequenceId: args[0] as number, tokens: tokens?.length ?? 0 });
          return method.apply(target, args);
        };
      }
      if (key === "decodeBatch") {
        const tokens = batchTokens;
        const step = entries.every((entry) => entry.tokens <= 1);
        const microBatches = countMicroBatches(entries, context.batchSize, context.totalSequences);
        const full = step && entries.length === context.totalSequences;
        return () =>
          timed(
            () => method.call(target),
            (ms) => {
              into.decodes += 1;
              into.tokens += tokens;
              into.decodeMs += ms;
              into.microBatches += microBatches;
              if (step) {
                into.stepDecodes += 1;
                into.stepTokens += tokens;
                into.stepMs += ms;
                into.stepMicroBatches += microBatches;
              }
              if (full) {
                into.fullSteps += 1;
                into.fullStepMicroBatches += microBatches;
              }
            },
          );
      }
      if (key === "sampleToken") {
        return (...args: unknown[]) =>
          timed(
            () => method.apply(target, args),
            (ms) => {
              into.samples += 1;
              into.sampleMs += ms;
            },
          );
      }
      return method.bind(target);
    },
  });
  return true;
}
