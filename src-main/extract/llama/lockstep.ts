/**
 * Lockstep decoding for the sequences that share one context.
 *
 * node-llama-cpp decodes whatever tokens are queued when its previous decode, and the sampling of
 * that decode's tokens, has finished. Sequences whose samplings end at different times fall out
 * of step and then take turns: one token per decode, the sampling of one sequence at a time, and
 * the GPU waits on the CPU (measured on an H200: 16 sequences in one context gave the tokens/s of
 * one; here, with the grammar on, two sequences shared no decode at all). This holds each
 * sequence's next single token until every sequence of the context that is generating (past its
 * prompt, before its end) has queued one, or `gatherMs` has passed, and then queues them
 * together: one decode carries them all, and their samplings run side by side on node-llama-cpp's
 * threads. A sequence still reading its prompt is not waited for; one that has just read it is.
 *
 * It wraps the context's internal `_decodeTokens` and reads a sequence's internal `_sequenceId`
 * (node-llama-cpp 3; not public API): where `_decodeTokens` is absent nothing is changed and
 * undefined is returned.
 */
import type { LlamaContext, LlamaContextSequence } from "node-llama-cpp";

type DecodeCall = (options: { sequenceId: number; tokens: readonly number[] }, ...rest: unknown[]) => Promise<unknown>;
type Held = { args: Parameters<DecodeCall>; resolve: (value: unknown) => void; reject: (error: unknown) => void };

export type Lockstep = {
  /** Call when a sequence's letter is done, so that tokens are no longer held for it. */
  done(sequence: LlamaContextSequence): void;
};

/** @param gatherMs the longest a token is held waiting for the others */
export function lockstep(context: LlamaContext, gatherMs: number): Lockstep | undefined {
  const holder = context as unknown as { _decodeTokens?: unknown };
  const original = holder._decodeTokens;
  if (typeof original !== "function") return undefined;
  const decode = (original as DecodeCall).bind(context);
  let held: Held[] = [];
  let timer: NodeJS.Timeout | undefined;
  /** Sequences past their prompt: each will queue one token per step until its letter is done. */
  const generating = new Set<number>();

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const release = held;
    held = [];
    // Queued in one turn of the event loop, so node-llama-cpp puts them in one batch.
    for (const call of release) decode(...call.args).then(call.resolve, call.reject);
  };
  const flushIfAllIn = () => {
    if (held.length > 0 && held.length >= generating.size) flush();
  };

  holder._decodeTokens = (...args: Parameters<DecodeCall>) => {
    const id = args[0].sequenceId;
    // Prompts (many tokens) go straight through: only generation steps are worth aligning. A
    // sequence that has read its prompt is sampling its first token: the others' next step waits
    // for it, or that step would leave a gap in the ids and cost llama.cpp two passes.
    if (args[0].tokens.length !== 1) {
      return decode(...args).then((result) => {
        generating.add(id);
        return result;
      });
    }
    generating.add(id);
    return new Promise((resolve, reject) => {
      held.push({ args, resolve, reject });
      timer ??= setTimeout(flush, gatherMs);
      flushIfAllIn();
    });
  };
  return {
    done(sequence) {
      generating.delete((sequence as unknown as { _sequenceId: number })._sequenceId);
      flushIfAllIn();
    },
  };
}
