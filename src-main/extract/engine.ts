/** What every extraction engine does: letter text in, the model's raw JSON text out. */
export type Engine = {
  /** Shown to users and stored with results, e.g. `llama-cpp (cpu)`. */
  readonly description: string;
  /** How many letters it works on at once (default 1); the queue keeps that many in flight. */
  readonly capacity?: number;
  complete(letterText: string): Promise<RawCompletion>;
  /**
   * How many tokens the letter is and how many a letter may have (context minus system prompt
   * and output budget). Engines that cannot tell leave it out and get every letter whole.
   */
  measure?(letterText: string): Promise<{ tokens: number; budget: number }>;
  close(): Promise<void>;
};

export type RawCompletion = { text: string; inputTokens: number | null; outputTokens: number | null };

export type EngineFailureKind = "load-failed" | "timeout" | "crashed" | "out-of-memory" | "output-cut-off" | "generation-failed";

/** A failure of one letter; the engine stays usable for the next one. */
export class EngineError extends Error {
  constructor(
    readonly kind: EngineFailureKind,
    message: string,
    /** What was generated before the failure (e.g. up to the token limit), for accounting. */
    readonly partial?: RawCompletion,
  ) {
    super(message);
    this.name = "EngineError";
  }
}
