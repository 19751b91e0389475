/**
 * The inference child process. It owns node-llama-cpp so that a model crash or an
 * out-of-memory abort takes down only this process, never the app or its database.
 */
import { getLlama, LlamaChatSession, type LlamaContextSequence, type LlamaGrammar } from "node-llama-cpp";
import type { WorkerConfig, WorkerReply, WorkerRequest } from "./protocol.ts";

type Loaded = { session: LlamaChatSession; sequence: LlamaContextSequence; grammar: LlamaGrammar; config: WorkerConfig };

let loaded: Loaded | undefined;
let queue: Promise<void> = Promise.resolve();

function reply(message: WorkerReply): void {
  process.send?.(message);
}

async function init(config: WorkerConfig): Promise<void> {
  const started = performance.now();
  try {
    const llama = await getLlama({ gpu: config.gpu, build: "never", logLevel: "error" as never });
    const model = await llama.loadModel({ modelPath: config.modelPath });
    const context = await model.createContext({
      contextSize: config.contextSize,
      sequences: 1,
      ...(config.threads === undefined ? {} : { threads: config.threads }),
    });
    const sequence = context.getSequence();
    // One session for the process: resetChatHistory() between letters keeps the system
    // prompt's evaluated tokens, so only the letter itself is new work.
    const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: config.systemPrompt });
    const grammar = await llama.createGrammarForJsonSchema(config.schema as never);
    loaded = { session, sequence, grammar, config };
    reply({ type: "ready", backend: llama.gpu === false ? "cpu" : llama.gpu, loadMs: performance.now() - started });
  } catch (error) {
    reply({ type: "init-failed", message: (error as Error).message });
  }
}

async function complete(id: number, text: string): Promise<void> {
  if (!loaded) {
    reply({ type: "failed", id, message: "the model is not loaded" });
    return;
  }
  const { session, sequence, grammar, config } = loaded;
  const before = { input: sequence.tokenMeter.usedInputTokens, output: sequence.tokenMeter.usedOutputTokens };
  try {
    session.resetChatHistory();
    const { responseText, stopReason } = await session.promptWithMeta(text, {
      grammar,
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
  // Requests run strictly one after another: one sequence, one letter at a time.
  queue = queue.then(() => (message.type === "init" ? init(message.config) : complete(message.id, message.text)));
});
// The parent is gone (crashed or killed): nothing left to work for.
process.on("disconnect", () => process.exit(0));
