/**
 * The inference child process. It owns node-llama-cpp so that a model crash or an
 * out-of-memory abort takes down only this process, never the app or its database.
 *
 * It holds `contexts × sequencesPerContext` slots, each a chat session whose system prompt is
 * evaluated once and kept: resetChatHistory() before each letter leaves the prompt's tokens in
 * the sequence, so only the letter is new work. Letters run in parallel, one per free slot.
 */
import os from "node:os";
import { getLlama, LlamaChatSession, type LlamaContextSequence, type LlamaGrammar } from "node-llama-cpp";
import type { WorkerConfig, WorkerReply, WorkerRequest } from "./protocol.ts";

type Slot = { session: LlamaChatSession; sequence: LlamaContextSequence; busy: boolean };
type Loaded = { slots: Slot[]; grammar: LlamaGrammar; config: WorkerConfig; tokenize: (text: string) => number };

let loaded: Loaded | undefined;
const waiting: { id: number; text: string }[] = [];

function reply(message: WorkerReply): void {
  process.send?.(message);
}

async function init(config: WorkerConfig): Promise<void> {
  const started = performance.now();
  try {
    const llama = await getLlama({ gpu: config.gpu, build: "never", logLevel: "error" as never });
    const model = await llama.loadModel({ modelPath: config.modelPath });
    // On a CPU grammar sampling dominates and one context's lock serialises its sequences, so
    // separate contexts win; on a GPU decoding dominates and batching in one context pays.
    const contexts = Math.min(config.parallel, config.contexts ?? (llama.gpu === false ? config.parallel : 1));
    // On a CPU, node-llama-cpp's default thread count was 40x slower than one thread on a 2-core
    // machine (threads contending with each other and with grammar sampling): leave one core
    // free and split the rest between the contexts.
    const threads = config.threads ?? (llama.gpu === false ? Math.max(1, Math.floor(os.availableParallelism() / contexts) - 1) : undefined);
    const slots: Slot[] = [];
    for (let c = 0; c < contexts; c++) {
      const sequences = Math.floor(config.parallel / contexts) + (c < config.parallel % contexts ? 1 : 0);
      const context = await model.createContext({
        contextSize: config.contextSize, // per sequence: node-llama-cpp multiplies by `sequences`
        sequences,
        ...(threads === undefined ? {} : { threads }),
      });
      for (let s = 0; s < sequences; s++) {
        const sequence = context.getSequence();
        slots.push({ session: new LlamaChatSession({ contextSequence: sequence, systemPrompt: config.systemPrompt }), sequence, busy: false });
      }
    }
    const grammar = await llama.createGrammarForJsonSchema(config.schema as never);
    const tokenize = (text: string) => model.tokenize(text).length;
    loaded = { slots, grammar, config, tokenize };
    reply({
      type: "ready",
      backend: llama.gpu === false ? "cpu" : llama.gpu,
      loadMs: performance.now() - started,
      contexts,
      slots: slots.length,
      systemPromptTokens: tokenize(config.systemPrompt),
    });
    dispatch();
  } catch (error) {
    reply({ type: "init-failed", message: (error as Error).message });
  }
}

function dispatch(): void {
  if (!loaded) return;
  for (const slot of loaded.slots) {
    if (slot.busy) continue;
    const next = waiting.shift();
    if (!next) return;
    slot.busy = true;
    void complete(loaded, slot, next.id, next.text).finally(() => {
      slot.busy = false;
      dispatch();
    });
  }
}

async function complete({ grammar, config }: Loaded, { session, sequence }: Slot, id: number, text: string): Promise<void> {
  const before = { input: sequence.tokenMeter.usedInputTokens, output: sequence.tokenMeter.usedOutputTokens };
  try {
    session.resetChatHistory();
    const { responseText, stopReason } = await session.promptWithMeta(text, {
      ...(config.grammar ? { grammar } : {}),
      maxTokens: config.maxTokens,
      temperature: config.temperature,
      ...(config.seed === undefined ? {} : { seed: config.seed }),
    });
    reply({
      type: "completed",
      id,
      text: responseText,
      stopReason,
      inputTokens: sequence.tokenMeter.usedInputTokens - before.input,
      outputTokens: sequence.tokenMeter.usedOutputTokens - before.output,
    });
  } catch (error) {
    reply({ type: "failed", id, message: (error as Error).message });
  }
}

process.on("message", (message: WorkerRequest) => {
  if (message.type === "init") {
    void init(message.config);
  } else if (message.type === "count") {
    // Tokenizing is quick and needs no slot.
    reply(loaded ? { type: "counted", id: message.id, tokens: loaded.tokenize(message.text) } : { type: "failed", id: message.id, message: "the model is not loaded" });
  } else {
    waiting.push({ id: message.id, text: message.text });
    dispatch();
  }
});
// The parent is gone (crashed or killed): nothing left to work for.
process.on("disconnect", () => process.exit(0));
