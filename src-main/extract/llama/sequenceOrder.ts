/**
 * Keeps a context's queued decodes in ascending sequence-id order, so that llama.cpp reads one
 * generation step of every sequence in one micro-batch (one pass over the weights) instead of
 * one pass per run of ids out of order (see microBatches.ts).
 *
 * node-llama-cpp builds each batch from its queue in the order decodes were queued, and the
 * order a step's tokens are queued in is the order their samplings finished: effectively random.
 * Sorting the queue after every enqueue is the one place that sees every decode (lockstep
 * releases, prompts, single tokens alike). The sort is stable and node-llama-cpp finds its
 * queued decodes by identity, never by position, so nothing else changes.
 *
 * It wraps the context's internal `_decodeTokens` and sorts its internal `_queuedDecodes`
 * (node-llama-cpp 3; not public API): where either is missing nothing is changed and false is
 * returned. Install it before lockstep (which wraps `_decodeTokens` in turn).
 */
import type { LlamaContext } from "node-llama-cpp";

type Queued = { sequenceId: number };
type DecodeCall = (options: Queued, ...rest: unknown[]) => Promise<unknown>;

export function keepDecodesInSequenceOrder(context: LlamaContext): boolean {
  const holder = context as unknown as { _decodeTokens?: unknown; _queuedDecodes?: unknown };
  const original = holder._decodeTokens;
  if (typeof original !== "function" || !Array.isArray(holder._queuedDecodes)) return false;
  const decode = (original as DecodeCall).bind(context);
  holder._decodeTokens = (...args: Parameters<DecodeCall>) => {
    // node-llama-cpp queues synchronously and decodes on a later turn: sorted before it batches.
    const decoded = decode(...args);
    const queue = holder._queuedDecodes;
    if (Array.isArray(queue)) (queue as Queued[]).sort((a, b) => a.sequenceId - b.sequenceId);
    return decoded;
  };
  return true;
}
