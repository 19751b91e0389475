import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TIMELINE_GENERATION_SCHEMA } from "../../../src-shared/generationSchema.ts";
import { EngineError, type Engine, type RawCompletion } from "../engine.ts";
import type { WorkerConfig, WorkerReply } from "./protocol.ts";

export type LlamaEngineOptions = {
  modelPath: string;
  systemPrompt: string;
  /** "auto" picks CUDA, Vulkan or Metal when present, else CPU. Default "auto". */
  gpu?: false | "auto";
  /** Tokens of context per sequence: system prompt + letter + output. Default 8192. */
  contextSize?: number;
  /** Letters in flight at once. Default 1. */
  parallel?: number;
  /**
   * Engine shape, chosen per hardware: separate contexts run truly in parallel (each has its
   * own lock); sequences within one context are batched together, which pays on a GPU where
   * decoding dominates, not on a CPU where grammar sampling does. Default: by backend (CPU:
   * one context per letter in flight; GPU: one context batching them all).
   */
  contexts?: number;
  /** Threads per context. Default on a CPU: cores / contexts − 1 (at least 1); on a GPU: node-llama-cpp's choice. */
  threads?: number;
  /** Output cap per letter. Default 4096. */
  maxTokens?: number;
  /**
   * Sampling temperature. Default 0 (greedy): a fine-tuned extractor's best guess, repeatable.
   * Tests with the random-weight model use a seeded sampler instead, because greedy decoding on
   * random weights repeats one token until every string and list reaches its bound.
   */
  temperature?: number;
  /** Seed for temperature > 0, so a run can be repeated. */
  seed?: number;
  /** Benchmarks only: false generates without the JSON grammar (outputs will not parse). */
  grammar?: boolean;
  /** A letter taking longer is failed and the child restarted. Default 10 minutes. */
  letterTimeoutMs?: number;
  /** Default 5 minutes (an 8B model from a slow disk). */
  loadTimeoutMs?: number;
};

type Pending = { resolve: (value: RawCompletion) => void; reject: (error: EngineError) => void; timer: NodeJS.Timeout };

/** Tokens kept free beyond the output budget: the chat template's own tokens around each turn. */
const TEMPLATE_MARGIN = 64;

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

/**
 * node-llama-cpp in a child process. A crash, an out-of-memory kill or a timeout fails only the
 * letter in flight; the next letter starts a fresh child.
 */
export class LlamaEngine implements Engine {
  private child: ChildProcess | undefined;
  private starting: Promise<ChildProcess> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private backend = "not loaded";
  private systemPromptTokens = 0;
  private readonly counts = new Map<number, { resolve: (tokens: number) => void; reject: (error: EngineError) => void }>();
  private readonly config: WorkerConfig;
  private readonly letterTimeoutMs: number;
  private readonly loadTimeoutMs: number;

  constructor(options: LlamaEngineOptions) {
    this.config = {
      modelPath: options.modelPath,
      systemPrompt: options.systemPrompt,
      schema: TIMELINE_GENERATION_SCHEMA,
      gpu: options.gpu ?? "auto",
      contextSize: options.contextSize ?? 8192,
      parallel: options.parallel ?? 1,
      contexts: options.contexts ?? null,
      threads: options.threads,
      maxTokens: options.maxTokens ?? 4096,
      temperature: options.temperature ?? 0,
      grammar: options.grammar ?? true,
      seed: options.seed,
    };
    this.letterTimeoutMs = options.letterTimeoutMs ?? 10 * 60_000;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 5 * 60_000;
  }

  get description(): string {
    return `llama.cpp (${this.backend})`;
  }

  get capacity(): number {
    return this.config.parallel;
  }

  /** The child's pid while it runs (tests kill it to prove recovery). */
  get childPid(): number | undefined {
    return this.child?.pid;
  }

  /** Loads the model now rather than on the first letter. */
  async start(): Promise<void> {
    await this.ensureChild();
  }

  async complete(letterText: string): Promise<RawCompletion> {
    const child = await this.ensureChild();
    const id = this.nextId++;
    return new Promise<RawCompletion>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new EngineError("timeout", `no result within ${formatSeconds(this.letterTimeoutMs)}; the model process was restarted`));
        this.kill();
      }, this.letterTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      child.send({ type: "complete", id, text: letterText });
    });
  }

  async measure(letterText: string): Promise<{ tokens: number; budget: number }> {
    const child = await this.ensureChild();
    const id = this.nextId++;
    const tokens = await new Promise<number>((resolve, reject) => {
      this.counts.set(id, { resolve, reject });
      child.send({ type: "count", id, text: letterText });
    });
    return { tokens, budget: this.config.contextSize - this.systemPromptTokens - this.config.maxTokens - TEMPLATE_MARGIN };
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.starting = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.disconnect();
    const forced = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(forced);
  }

  private kill(): void {
    this.child?.kill("SIGKILL");
    this.child = undefined;
    this.starting = undefined;
  }

  private ensureChild(): Promise<ChildProcess> {
    if (this.child && this.child.exitCode === null && this.child.connected) return Promise.resolve(this.child);
    this.starting ??= this.spawn().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private spawn(): Promise<ChildProcess> {
    const child = fork(WORKER, [], {
      execArgv: WORKER.endsWith(".ts") ? ["--import", "tsx"] : [],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000);
    });
    return new Promise<ChildProcess>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new EngineError("load-failed", `the model did not load within ${formatSeconds(this.loadTimeoutMs)}`));
      }, this.loadTimeoutMs);
      child.on("message", (message: WorkerReply) => {
        switch (message.type) {
          case "ready":
            clearTimeout(timer);
            this.backend = `${message.backend}, ${message.slots} in parallel over ${message.contexts} context${message.contexts === 1 ? "" : "s"}`;
            this.systemPromptTokens = message.systemPromptTokens;
            this.child = child;
            resolve(child);
            break;
          case "init-failed":
            clearTimeout(timer);
            child.kill("SIGKILL");
            reject(new EngineError("load-failed", `could not load ${this.config.modelPath}: ${message.message}`));
            break;
          case "completed": {
            const completion = { text: message.text, inputTokens: message.inputTokens, outputTokens: message.outputTokens };
            this.settle(
              message.id,
              message.stopReason === "maxTokens"
                ? new EngineError("output-cut-off", `the output reached the ${this.config.maxTokens}-token limit before the document was complete (--max-tokens)`, completion)
                : completion,
            );
            break;
          }
          case "counted":
            this.counts.get(message.id)?.resolve(message.tokens);
            this.counts.delete(message.id);
            break;
          case "failed":
            this.settle(message.id, new EngineError("generation-failed", message.message));
            break;
        }
      });
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        if (this.child === child) {
          this.child = undefined;
          this.starting = undefined;
        }
        const error = exitError(code, signal, stderr);
        reject(error);
        for (const id of [...this.pending.keys()]) this.settle(id, error);
        for (const { reject: rejectCount } of this.counts.values()) rejectCount(error);
        this.counts.clear();
      });
      child.send({ type: "init", config: this.config });
    });
  }

  private settle(id: number, outcome: RawCompletion | EngineError): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if (outcome instanceof EngineError) entry.reject(outcome);
    else entry.resolve(outcome);
  }
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function exitError(code: number | null, signal: NodeJS.Signals | null, stderr: string): EngineError {
  const tail = stderr.trim().split("\n").slice(-3).join(" | ");
  if (/out of memory|failed to allocate|cudaMalloc|ErrorOutOfDeviceMemory/i.test(stderr)) {
    return new EngineError("out-of-memory", `the model process ran out of memory: ${tail}`);
  }
  if (signal === "SIGKILL") {
    return new EngineError("crashed", "the model process was killed (SIGKILL; by the system's out-of-memory killer, or by hand)");
  }
  return new EngineError("crashed", `the model process exited (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ""}`);
}
