import type { GenerationSchema } from "../../../src-shared/generationSchema.ts";

/** Settings for the inference child; defaults are applied by the parent (llamaEngine.ts). */
export type WorkerConfig = {
  modelPath: string;
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
};

export type WorkerRequest =
  | { type: "init"; config: WorkerConfig }
  | { type: "complete"; id: number; text: string }
  | { type: "count"; id: number; text: string };

export type WorkerReply =
  | { type: "ready"; backend: string; loadMs: number; contexts: number; slots: number; systemPromptTokens: number }
  | { type: "counted"; id: number; tokens: number }
  | { type: "init-failed"; message: string }
  | { type: "completed"; id: number; text: string; inputTokens: number; outputTokens: number; stopReason: string }
  | { type: "failed"; id: number; message: string };
