import type { GenerationSchema } from "../../../src-shared/generationSchema.ts";

/** Settings for the inference child; defaults are applied by the parent (llamaEngine.ts). */
export type WorkerConfig = {
  modelPath: string;
  /** LoRA adapter GGUF given to every context; null: the base alone. */
  adapterPath: string | null;
  systemPrompt: string;
  schema: GenerationSchema;
  gpu: false | "auto";
  contextSize: number;
  /** Letters in flight at once. */
  parallel: number;
  /**
   * How many separate contexts (each with its own lock) share the `parallel` sequences; null:
   * chosen by backend once loaded (CPU: one context per sequence; GPU: one batched context).
   */
  contexts: number | null;
  threads: number | undefined;
  maxTokens: number;
  /** false only in benchmarks: measures decoding without the JSON grammar. */
  grammar: boolean;
  temperature: number;
  seed: number | undefined;
  /** Bytes of RAM / VRAM the model and its contexts may use (node-llama-cpp's caps); null: all free. */
  ramCap: number | null;
  vramCap: number | null;
  /**
   * Lockstep decoding (lockstep.ts): the longest a sequence's next token waits for the other
   * generating sequences of its context, so that one decode carries them all; null: off
   * (node-llama-cpp decodes whatever is queued).
   */
  batchGatherMs: number | null;
  /** Tokens per decode call (llama.cpp's batch and micro-batch); null: node-llama-cpp's default (512 at most). */
  batchSize: number | null;
  /** llama.cpp's flash attention: "auto" uses it where the device's build supports it. */
  flashAttention: "auto" | boolean;
  /** Count decodes, micro-batches and samplings (decodeStats.ts): benchmarks and tests. */
  decodeStats: boolean;
  /** Keep each context's queued decodes in sequence-id order (sequenceOrder.ts). */
  sequenceOrder: boolean;
};

/**
 * Where the child's time went, summed over its contexts since its sequences read the system
 * prompt: decode calls and the tokens they carried (input and output), wall time inside decode
 * calls, token samplings with their summed time (samplings of different sequences may overlap on
 * separate threads), and, over the same wall time, how long the main thread was busy (JavaScript:
 * node-llama-cpp's per-token work for every sequence runs there, one sequence at a time).
 */
export type DecodeStats = {
  decodes: number;
  tokens: number;
  decodeMs: number;
  /**
   * Of those, the decodes that only generated: one token per sequence, no prompt read in the same
   * call. Their ms per decode is the cost of one generation step at that many sequences, the
   * figure to hold against llama.cpp's own batched benchmark.
   */
  stepDecodes: number;
  stepTokens: number;
  stepMs: number;
  /**
   * llama.cpp's micro-batches (each a pass over the weights; microBatches.ts), in all decodes and
   * in generation steps: one per step is the most a GPU gets out of a step.
   */
  microBatches: number;
  stepMicroBatches: number;
  /**
   * Of the generation steps, those that carried a token of every sequence of their context, and
   * their micro-batches: apart from the steps where a letter starts or ends (a sequence joining or
   * leaving may leave a gap in the ids), so that the order of a step's tokens is judged alone.
   */
  fullSteps: number;
  fullStepMicroBatches: number;
  samples: number;
  sampleMs: number;
  wallMs: number;
  mainThreadMs: number;
};

export const NO_DECODES: Readonly<DecodeStats> = Object.freeze({
  decodes: 0,
  tokens: 0,
  decodeMs: 0,
  stepDecodes: 0,
  stepTokens: 0,
  stepMs: 0,
  microBatches: 0,
  stepMicroBatches: 0,
  fullSteps: 0,
  fullStepMicroBatches: 0,
  samples: 0,
  sampleMs: 0,
  wallMs: 0,
  mainThreadMs: 0,
});

export type WorkerRequest =
  | { type: "init"; config: WorkerConfig }
  | { type: "complete"; id: number; text: string }
  | { type: "count"; id: number; text: string }
  /** The decode statistics as they stand, letters in flight included. */
  | { type: "stats"; id: number }
  /** Leave now (the parent is closing the engine); works over any transport, unlike disconnect(). */
  | { type: "close" }
  /** Without loading a model: what this machine offers, or what a model would need (sizing.ts). */
  | { type: "probe"; id: number; probe: Probe };

export type Probe = { kind: "hardware" } | { kind: "estimate"; modelPath: string; parallel: number; contextSize: number; gpu: boolean };

export type WorkerReply =
  | {
      type: "ready";
      backend: string;
      loadMs: number;
      /** Of loadMs, the time every sequence took to read the system prompt (once, batched). */
      preloadMs: number;
      contexts: number;
      /** Sequences actually loaded: fewer than asked when memory ran short. */
      slots: number;
      /** Tokens per sequence actually loaded. */
      contextSize: number;
      systemPromptTokens: number;
      /** What the out-of-memory back-off gave up, one human line each (empty: loaded as asked). */
      reductions: string[];
      /** llama.cpp's account of the contexts' setup (setupLog.ts): flash attention, graph splits. */
      setup: string[];
    }
  | { type: "counted"; id: number; tokens: number }
  | { type: "stats"; id: number; stats: DecodeStats | null }
  | { type: "probed"; id: number; result: unknown }
  | { type: "init-failed"; message: string }
  | { type: "completed"; id: number; text: string; inputTokens: number; outputTokens: number; stopReason: string; stats: DecodeStats | null }
  | { type: "failed"; id: number; message: string };

/**
 * The inference child as the engine sees it, whatever starts it: Node's `child_process.fork` (the
 * default: CLI, tests) or, in the packaged app, Electron's `utilityProcess`, which must not load
 * native modules into the main process either. An adapter maps its transport onto this.
 */
export type WorkerHandle = {
  readonly pid: number | undefined;
  /** The child's stderr, kept for the message when it dies (llama.cpp writes OOM causes there). */
  readonly stderr: NodeJS.ReadableStream | null;
  send(message: WorkerRequest): void;
  on(event: "message", listener: (message: WorkerReply) => void): void;
  /** `signal` is null where the transport does not report one (utilityProcess gives only a code). */
  on(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** Ends it at once (SIGKILL or equivalent): used on timeouts and load failures. */
  kill(): void;
};

/** Starts the worker module at `workerPath` (worker.ts, or its build output) as a child process. */
export type WorkerSpawner = (workerPath: string) => WorkerHandle;
