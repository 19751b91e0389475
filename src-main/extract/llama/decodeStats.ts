import type { LlamaContext } from "node-llama-cpp";
import type { DecodeStats } from "./protocol.ts";

/**
 * Counts a context's decode calls, the tokens each carried and the time inside them, and its token
 * samplings, by wrapping the native context that node-llama-cpp 3 keeps as `_ctx` (not public API:
 * where it is absent nothing is counted and false is returned). This is how a benchmark learns
 * whether a GPU's sequences really share decodes, and whether decoding or sampling takes the time.
 */
export function countDecodes(context: LlamaContext, into: DecodeStats): boolean {
  const holder = context as unknown as { _ctx?: unknown };
  const native = holder._ctx;
  if (typeof native !== "object" || native === null) return false;
  let batchTokens = 0;
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
          return method.call(target, size);
        };
      }
      if (key === "decodeBatch") {
        const tokens = batchTokens;
        return () =>
          timed(
            () => method.call(target),
            (ms) => {
              into.decodes += 1;
              into.tokens += tokens;
              into.decodeMs += ms;
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
