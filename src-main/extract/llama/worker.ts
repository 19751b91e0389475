/**
 * The inference child process. It owns node-llama-cpp so that a model crash or an
 * out-of-memory abort takes down only this process, never the app or its database.
 *
 * It holds `contexts × sequencesPerContext` slots, each a chat session whose system prompt is
 * evaluated once and kept: resetChatHistory() before each letter leaves the prompt's tokens in
 * the sequence, so only the letter is new work. Letters run in parallel, one per free slot.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import { getLlama, LlamaChatSession, LlamaLogLevel, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaGrammar, type LlamaModel } from "node-llama-cpp";
import { NO_DECODES, type DecodeStats, type WorkerConfig, type WorkerReply, type WorkerRequest } from "./protocol.ts";
import { countDecodes } from "./decodeStats.ts";
import { lockstep, type Lockstep } from "./lockstep.ts";
import { keepDecodesInSequenceOrder } from "./sequenceOrder.ts";
import { setupLog } from "./setupLog.ts";
import { estimateModel, hardwareInfo, isMemoryError, nextReduction, type EngineShape } from "./sizing.ts";

type Slot = { session: LlamaChatSession; sequence: LlamaContextSequence; busy: boolean; lockstep: Lockstep | undefined };
type Loaded = { slots: Slot[]; grammar: LlamaGrammar; config: WorkerConfig; tokenize: (text: string) => number };

let loaded: Loaded | undefined;
const stats: DecodeStats = { ...NO_DECODES };
let statsSince = { at: performance.now(), eventLoop: performance.eventLoopUtilization() };
let statsAvailable = false;
const waiting: { id: number; text: string }[] = [];
const llamaSetup = setupLog();

/** Tokens a sequence needs beyond the system prompt and the output budget: a letter's worth. */
const LETTER_ROOM = 512;

function reply(message: WorkerReply): void {
  process.send?.(message);
}

async function openLlama(gpu: false | "auto", config: WorkerConfig): Promise<Llama> {
  const llama = await getLlama({ gpu, build: "never", logLevel: LlamaLogLevel.info, logger: llamaSetup.logger });
  if (config.ramCap !== null) await llama.setRamCap(config.ramCap);
  if (config.vramCap !== null && llama.gpu !== false) await llama.setVramCap(config.vramCap);
  return llama;
}

async function init(config: WorkerConfig): Promise<void> {
  const started = performance.now();
  try {
    let llama = await openLlama(config.gpu, config);
    const reductions: string[] = [];
    let shape: EngineShape = { parallel: config.parallel, contextSize: config.contextSize, gpuLayers: "auto", gpu: llama.gpu !== false };
    // Known once the tokenizer is loaded; until then no context reduction is tried.
    let minContextSize = config.contextSize;
    // Back off until the shape fits: each failed try's contexts are disposed before the next, so
    // the memory they held is free again; the model is reloaded only when its layers move.
    let model: LlamaModel | undefined;
    for (;;) {
      const contexts: LlamaContext[] = [];
      // A try that ran out of memory set up contexts that are gone: only the last one's account counts.
      llamaSetup.take();
      let stage: "model" | "context" = "model";
      try {
        if (!shape.gpu && llama.gpu !== false) {
          await llama.dispose();
          llama = await openLlama(false, config);
        }
        model ??= await llama.loadModel({
          modelPath: config.modelPath,
          ...(typeof shape.gpuLayers === "number" ? { gpuLayers: shape.gpuLayers } : {}),
        });
        // Pin what "auto" chose, so a later back-off can offload fewer layers than that.
        if (shape.gpuLayers === "auto") shape = { ...shape, gpuLayers: model.gpuLayers };
        minContextSize = Math.min(config.contextSize, model.tokenize(config.systemPrompt).length + config.maxTokens + LETTER_ROOM);
        stage = "context";
        const slots = await createSlots(llama, model, config, shape, contexts);
        const preloadStarted = performance.now();
        await preloadSystemPrompt(slots);
        const preloadMs = performance.now() - preloadStarted;
        const grammar = await llama.createGrammarForJsonSchema(config.schema as never);
        const tokenizer = model;
        const tokenize = (text: string) => tokenizer.tokenize(text).length;
        loaded = { slots, grammar, config, tokenize };
        reply({
          type: "ready",
          backend: llama.gpu === false ? "cpu" : llama.gpu,
          loadMs: performance.now() - started,
          preloadMs,
          contexts: contexts.length,
          slots: slots.length,
          contextSize: shape.contextSize,
          systemPromptTokens: tokenize(config.systemPrompt),
          reductions,
          setup: llamaSetup.take(),
        });
        break;
      } catch (error) {
        if (!isMemoryError(error)) throw error;
        for (const context of contexts) await context.dispose();
        const step = nextReduction(shape, stage, minContextSize);
        if (!step) throw error;
        reductions.push(`${step.note} (${reason((error as Error).message)})`);
        if (step.shape.gpu !== shape.gpu || step.shape.gpuLayers !== shape.gpuLayers) {
          await model?.dispose();
          model = undefined;
        }
        shape = step.shape;
      }
    }
    dispatch();
  } catch (error) {
    reply({ type: "init-failed", message: (error as Error).message });
  }
}

async function createSlots(llama: Llama, model: LlamaModel, config: WorkerConfig, shape: EngineShape, contexts: LlamaContext[]): Promise<Slot[]> {
  // On a CPU grammar sampling dominates and one context's lock serialises its sequences, so
  // separate contexts win; on a GPU decoding dominates and batching in one context pays.
  const count = Math.min(shape.parallel, config.contexts ?? (llama.gpu === false ? shape.parallel : 1));
  // On a CPU, node-llama-cpp's default thread count was 40x slower than one thread on a 2-core
  // machine (threads contending with each other and with grammar sampling): leave one core
  // free and split the rest between the contexts.
  const threads = config.threads ?? (llama.gpu === false ? Math.max(1, Math.floor(os.availableParallelism() / count) - 1) : undefined);
  const slots: Slot[] = [];
  for (let c = 0; c < count; c++) {
    const sequences = Math.floor(shape.parallel / count) + (c < shape.parallel % count ? 1 : 0);
    const context = await model.createContext({
      contextSize: shape.contextSize, // per sequence: node-llama-cpp multiplies by `sequences`
      sequences,
      ...(threads === undefined ? {} : { threads }),
      ...(config.batchSize === null ? {} : { batchSize: config.batchSize }),
      flashAttention: config.flashAttention,
      ...(config.adapterPath ? { lora: { adapters: [{ filePath: config.adapterPath }] } } : {}),
    });
    if (config.decodeStats) statsAvailable = countDecodes(context, stats);
    contexts.push(context);
    // Before lockstep, which releases its held tokens through the ordered queue.
    if (config.sequenceOrder && sequences > 1) keepDecodesInSequenceOrder(context);
    const step = config.batchGatherMs === null || sequences === 1 ? undefined : lockstep(context, config.batchGatherMs);
    for (let s = 0; s < sequences; s++) {
      const sequence = context.getSequence();
      slots.push({ session: new LlamaChatSession({ contextSequence: sequence, systemPrompt: config.systemPrompt }), sequence, busy: false, lockstep: step });
    }
  }
  return slots;
}

/**
 * Every sequence reads the fixed system prompt now, all in one batch, so that every letter, the
 * first included, is only its own new work (resetChatHistory() keeps those tokens). The decode
 * statistics start afterwards: they describe the letters.
 */
async function preloadSystemPrompt(slots: Slot[]): Promise<void> {
  await Promise.all(slots.map((slot) => slot.session.preloadPrompt("")));
  // A sequence that queued a single token while reading is not generating: nothing waits for it.
  for (const slot of slots) slot.lockstep?.done(slot.sequence);
  Object.assign(stats, NO_DECODES);
  statsSince = { at: performance.now(), eventLoop: performance.eventLoopUtilization() };
}

function statsNow(): DecodeStats | null {
  if (!statsAvailable) return null;
  return { ...stats, wallMs: performance.now() - statsSince.at, mainThreadMs: performance.eventLoopUtilization(statsSince.eventLoop).active };
}

/** The cause in one short line: node-llama-cpp appends advice in parentheses ("RAM cap is set, ..."). */
function reason(text: string): string {
  return (text.split("\n")[0] ?? text).replace(/\s*\([^()]*\)$/, "");
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
      slot.lockstep?.done(slot.sequence);
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
      stats: statsNow(),
    });
  } catch (error) {
    reply({ type: "failed", id, message: (error as Error).message });
  }
}

process.on("message", (message: WorkerRequest) => {
  if (message.type === "init") {
    void init(message.config);
  } else if (message.type === "close") {
    process.exit(0);
  } else if (message.type === "probe") {
    const { probe, id } = message;
    void (probe.kind === "hardware" ? hardwareInfo() : estimateModel(probe.modelPath, probe)).then(
      (result) => reply({ type: "probed", id, result }),
      (error: unknown) => reply({ type: "failed", id, message: (error as Error).message }),
    );
  } else if (message.type === "count") {
    // Tokenizing is quick and needs no slot.
    reply(loaded ? { type: "counted", id: message.id, tokens: loaded.tokenize(message.text) } : { type: "failed", id: message.id, message: "the model is not loaded" });
  } else if (message.type === "stats") {
    reply({ type: "stats", id: message.id, stats: statsNow() });
  } else {
    waiting.push({ id: message.id, text: message.text });
    dispatch();
  }
});
// The parent is gone (crashed or killed): nothing left to work for.
process.on("disconnect", () => process.exit(0));
