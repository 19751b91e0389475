import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TIMELINE_GENERATION_SCHEMA, type GenerationSchema } from "../../../src-shared/generationSchema.ts";
import { formatSeconds } from "../../base/formatSeconds.ts";
import { EngineError, type Engine, type RawCompletion } from "../engine.ts";
import type { DecodeStats, WorkerConfig, WorkerHandle, WorkerReply, WorkerRequest, WorkerSpawner } from "./protocol.ts";
import { workerEnv } from "./workerEnv.ts";

export type LlamaEngineOptions = {
  modelPath: string;
  /** A LoRA adapter GGUF applied on the model at load (a fine-tune of this base). Default none. */
  adapterPath?: string | undefined;
  systemPrompt: string;
  /** The JSON schema the grammar is built from. Default: the timeline's. */
  outputSchema?: GenerationSchema;
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
  /**
   * Default 10 minutes: an 8B model from a slow disk, then every sequence reading the system
   * prompt (seconds on a GPU, minutes on a CPU).
   */
  loadTimeoutMs?: number;
  /**
   * At most this many bytes of RAM / VRAM for the model and its contexts (node-llama-cpp's
   * setRamCap / setVramCap): a Slurm job's share of a node, or room left for other work on a
   * workstation. The out-of-memory back-off shrinks the engine to fit. Default: all that is free.
   */
  ramCap?: number;
  vramCap?: number;
  /**
   * Lockstep decoding of the sequences that share a context (see lockstep.ts): the longest a
   * sequence's next token waits for the others', so that one decode carries them all. Default
   * 20 ms; 0 turns it off (node-llama-cpp then decodes whatever is queued). It matters only where
   * sequences share a context: the GPU's default shape, not the CPU's. On an H200, 16 sequences
   * shared 14.7 samplings per decode in lockstep against 11.2 without.
   */
  batchGatherMs?: number;
  /**
   * Tokens per decode call: llama.cpp's batch, and micro-batch, size. Default: node-llama-cpp's,
   * 512 at most. A larger batch reads letters faster on a GPU, at the cost of a larger compute buffer.
   */
  batchSize?: number;
  /**
   * llama.cpp's flash attention. Default "auto": on where the device's build supports it (llama.cpp
   * decides per context and says so: see `setup`); false rules it out, true insists on it.
   */
  flashAttention?: "auto" | boolean;
  /**
   * Count where the child's time goes (decodes, micro-batches, samplings: `decodeStats`). Default
   * false: it wraps node-llama-cpp's native context on every call, which benchmarks and tests want
   * and a production batch does not.
   */
  decodeStats?: boolean;
  /**
   * Queue each generation step's tokens in sequence-id order, so llama.cpp decodes a step of every
   * sequence of a context in one pass over the weights (sequenceOrder.ts). Default true; false
   * only to measure what it saves.
   */
  sequenceOrder?: boolean;
  /** How the child process is started. Default: `child_process.fork` (see forkWorker). */
  spawnWorker?: WorkerSpawner;
};

/** "auto", "on" or "off" as the engine's flashAttention; undefined for anything else. */
export function flashAttentionSetting(text: string): "auto" | boolean | undefined {
  return new Map<string, "auto" | boolean>([["auto", "auto"], ["on", true], ["off", false]]).get(text.trim());
}

/** The engine's flashAttention as the words flashAttentionSetting (and llama.cpp's `-fa`) take. */
export function flashAttentionName(value: "auto" | boolean): "auto" | "on" | "off" {
  return value === "auto" ? "auto" : value ? "on" : "off";
}

type Pending = { resolve: (value: RawCompletion) => void; reject: (error: EngineError) => void; timer: NodeJS.Timeout };

/** Lockstep's default hold: the sequences of one step queue their tokens within a few ms of each other (their samplings run side by side). */
const DEFAULT_GATHER_MS = 20;

/** Tokens kept free beyond the output budget: the chat template's own tokens around each turn. */
const TEMPLATE_MARGIN = 64;

export const WORKER_PATH = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** The default spawner: a Node child process over IPC, running the TypeScript source through tsx. */
export const forkWorker: WorkerSpawner = (workerPath) => {
  const child = fork(workerPath, [], {
    execArgv: workerPath.endsWith(".ts") ? ["--import", "tsx"] : [],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    env: workerEnv(),
  });
  const handle: WorkerHandle = {
    get pid() {
      return child.pid;
    },
    stderr: child.stderr,
    send(message) {
      // A child that just died has no channel; its exit event reports the failure.
      if (child.connected) child.send(message);
    },
    on(event: "message" | "exit", listener: (...args: never[]) => void) {
      child.on(event, listener as (...args: unknown[]) => void);
    },
    kill() {
      child.kill("SIGKILL");
    },
  };
  return handle;
};

/**
 * node-llama-cpp in a child process. A crash, an out-of-memory kill or a timeout fails only the
 * letter in flight; the next letter starts a fresh child.
 */
export class LlamaEngine implements Engine {
  private child: WorkerHandle | undefined;
  private starting: Promise<WorkerHandle> | undefined;
  /** Settles when the current child exits; close() waits on it. */
  private childExited: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private backend = "not loaded";
  private shape = "";
  private loadedReductions: string[] = [];
  private loadedSlots: number | undefined;
  private loadedContextSize: number | undefined;
  private systemPromptTokens = 0;
  private lastStats: DecodeStats | null = null;
  private lastLoad: { loadMs: number; preloadMs: number } | undefined;
  private loadedSetup: string[] = [];
  /** Questions to the child that need no slot (token counts, statistics), by request id. */
  private readonly queries = new Map<number, { resolve: (answer: unknown) => void; reject: (error: EngineError) => void }>();
  private readonly config: WorkerConfig;
  private readonly letterTimeoutMs: number;
  private readonly loadTimeoutMs: number;
  private readonly spawnWorker: WorkerSpawner;

  constructor(options: LlamaEngineOptions) {
    this.config = {
      modelPath: options.modelPath,
      adapterPath: options.adapterPath ?? null,
      systemPrompt: options.systemPrompt,
      schema: options.outputSchema ?? TIMELINE_GENERATION_SCHEMA,
      gpu: options.gpu ?? "auto",
      contextSize: options.contextSize ?? 8192,
      parallel: options.parallel ?? 1,
      contexts: options.contexts ?? null,
      threads: options.threads,
      maxTokens: options.maxTokens ?? 4096,
      temperature: options.temperature ?? 0,
      grammar: options.grammar ?? true,
      seed: options.seed,
      ramCap: options.ramCap ?? null,
      vramCap: options.vramCap ?? null,
      batchGatherMs: (options.batchGatherMs ?? DEFAULT_GATHER_MS) > 0 ? (options.batchGatherMs ?? DEFAULT_GATHER_MS) : null,
      batchSize: options.batchSize ?? null,
      flashAttention: options.flashAttention ?? "auto",
      decodeStats: options.decodeStats ?? false,
      sequenceOrder: options.sequenceOrder ?? true,
    };
    this.letterTimeoutMs = options.letterTimeoutMs ?? 10 * 60_000;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 10 * 60_000;
    this.spawnWorker = options.spawnWorker ?? forkWorker;
  }

  get description(): string {
    const reduced = this.loadedReductions.length > 0 ? `; reduced to fit memory: ${this.loadedReductions.join("; ")}` : "";
    return `llama.cpp (${this.backend}${this.shape}${reduced})`;
  }

  /** cuda | vulkan | metal | cpu once loaded ("not loaded" before). */
  get backendName(): string {
    return this.backend;
  }

  /**
   * llama.cpp's own lines on how the loaded contexts were set up (flash attention in effect or
   * not, compute-graph splits, batch sizes): empty before loading.
   */
  get setup(): readonly string[] {
    return this.loadedSetup;
  }

  /** What the out-of-memory back-off gave up at the last load, one human line each. */
  get reductions(): readonly string[] {
    return this.loadedReductions;
  }

  /** The slots actually loaded (fewer than asked when memory ran short); the request before loading. */
  get capacity(): number {
    return this.loadedSlots ?? this.config.parallel;
  }

  /**
   * Where the current child's time went, as of its last finished letter: null before one, without
   * the `decodeStats` option, or where node-llama-cpp hides it.
   */
  get decodeStats(): DecodeStats | null {
    return this.lastStats;
  }

  /** The last load's time, and the part of it every sequence spent reading the system prompt. */
  get loadTimes(): { loadMs: number; preloadMs: number } | undefined {
    return this.lastLoad;
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
    const tokens = await this.ask<number>((id) => ({ type: "count", id, text: letterText }));
    const contextSize = this.loadedContextSize ?? this.config.contextSize;
    return { tokens, budget: contextSize - this.systemPromptTokens - this.config.maxTokens - TEMPLATE_MARGIN };
  }

  /**
   * The decode statistics as they stand now, letters in flight included (decodeStats is as of the
   * last finished letter): a benchmark reads them even when no letter finished in time.
   */
  async currentDecodeStats(): Promise<DecodeStats | null> {
    if (!this.child) return this.lastStats;
    return this.ask<DecodeStats | null>((id) => ({ type: "stats", id }));
  }

  private async ask<T>(request: (id: number) => WorkerRequest): Promise<T> {
    const child = await this.ensureChild();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.queries.set(id, { resolve: resolve as (answer: unknown) => void, reject });
      child.send(request(id));
    });
  }

  private answer(id: number, outcome: unknown): void {
    const query = this.queries.get(id);
    if (!query) return;
    this.queries.delete(id);
    if (outcome instanceof EngineError) query.reject(outcome);
    else query.resolve(outcome);
  }

  async close(): Promise<void> {
    const child = this.child;
    const exited = this.childExited;
    this.child = undefined;
    this.starting = undefined;
    if (!child || !exited) return;
    child.send({ type: "close" });
    const forced = setTimeout(() => child.kill(), 5000);
    await exited;
    clearTimeout(forced);
  }

  private kill(): void {
    this.child?.kill();
    this.child = undefined;
    this.starting = undefined;
  }

  private ensureChild(): Promise<WorkerHandle> {
    // this.child is cleared on exit, so a set one is alive.
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= this.spawn().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private spawn(): Promise<WorkerHandle> {
    const child = this.spawnWorker(WORKER_PATH);
    let exited = false;
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer | string) => {
      // llama.cpp prints its cause before a backtrace of some 30 frames: keep enough to reach it.
      stderr = (stderr + chunk.toString()).slice(-16_000);
    });
    return new Promise<WorkerHandle>((resolve, reject) => {
      let markExited: () => void = () => undefined;
      const exitedPromise = new Promise<void>((resolveExit) => (markExited = resolveExit));
      const timer = setTimeout(() => {
        child.kill();
        reject(new EngineError("load-failed", `the model did not load within ${formatSeconds(this.loadTimeoutMs)}`));
      }, this.loadTimeoutMs);
      child.on("message", (message: WorkerReply) => {
        switch (message.type) {
          case "ready":
            clearTimeout(timer);
            this.backend = message.backend;
            this.lastStats = null;
            this.lastLoad = { loadMs: message.loadMs, preloadMs: message.preloadMs };
            this.shape = `, ${message.slots} in parallel over ${message.contexts} context${message.contexts === 1 ? "" : "s"}`;
            this.loadedReductions = message.reductions;
            this.loadedSetup = message.setup;
            this.loadedSlots = message.slots;
            this.loadedContextSize = message.contextSize;
            this.systemPromptTokens = message.systemPromptTokens;
            if (exited) break;
            this.child = child;
            this.childExited = exitedPromise;
            resolve(child);
            break;
          case "init-failed":
            clearTimeout(timer);
            child.kill();
            reject(new EngineError("load-failed", `could not load ${this.config.modelPath}: ${message.message}`));
            break;
          case "completed": {
            this.lastStats = message.stats;
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
            this.answer(message.id, message.tokens);
            break;
          case "stats":
            this.answer(message.id, message.stats);
            break;
          case "failed": {
            const error = new EngineError("generation-failed", message.message);
            this.settle(message.id, error);
            this.answer(message.id, error);
            break;
          }
        }
      });
      child.on("exit", (code, signal) => {
        exited = true;
        markExited();
        clearTimeout(timer);
        if (this.child === child) {
          this.child = undefined;
          this.starting = undefined;
        }
        const error = exitError(code, signal, stderr);
        reject(error);
        for (const id of [...this.pending.keys()]) this.settle(id, error);
        for (const id of [...this.queries.keys()]) this.answer(id, error);
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

/** A backtrace frame as glibc prints it: `/path/lib.so(symbol+0x1c)[0x7f...]` or `node[0x18a7b40]`. */
const BACKTRACE_FRAME = /^\S*(\(.*\))?\s*\[0x[0-9a-f]+\]$/i;

/** What a dead child's stderr says of why it died: its error lines, else its last lines. */
function crashCause(stderr: string): string {
  const lines = stderr.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !BACKTRACE_FRAME.test(line));
  const causes = lines.filter((line) => /error|assert|abort|failed|exception|terminate/i.test(line));
  return (causes.length > 0 ? causes.slice(0, 3) : lines.slice(-3)).join(" | ");
}

function exitError(code: number | null, signal: NodeJS.Signals | null, stderr: string): EngineError {
  const tail = crashCause(stderr);
  if (/out of memory|failed to allocate|cudaMalloc|ErrorOutOfDeviceMemory/i.test(stderr)) {
    return new EngineError("out-of-memory", `the model process ran out of memory: ${tail}`);
  }
  if (signal === "SIGKILL") {
    return new EngineError("crashed", "the model process was killed (SIGKILL; by the system's out-of-memory killer, or by hand)");
  }
  return new EngineError("crashed", `the model process exited (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ""}`);
}
