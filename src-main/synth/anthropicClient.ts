/**
 * The studio's only door to the cloud: a thin wrapper over @anthropic-ai/sdk that accepts
 * nothing but SyntheticText for letter-like content (checked by the type system and again at
 * run time, before any request is built), pays for the many-shot context once through prompt
 * caching, accounts cost from the usage fields with prices given as a setting, retries 408/409/
 * 429/5xx/529 and connection errors with backoff honouring retry-after, and hands the SDK's own
 * deprecation warnings to the caller. The API key never reaches a log line or an error message.
 */
import { inspect } from "node:util";
import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from "@anthropic-ai/sdk";
import type {
  BatchCreateParams,
  Message,
  MessageBatch,
  MessageBatchIndividualResponse,
  MessageCreateParamsNonStreaming,
  Model,
  TextBlockParam,
} from "@anthropic-ai/sdk/resources/messages";
import { sleep } from "../base/sleep.ts";
import { asGeneratedText, assertSynthetic, type SyntheticText } from "./syntheticText.ts";

/** The model names the installed SDK knows (its `Model` union without the open `string` arm). */
export type KnownModel = Model extends infer M ? (M extends string ? (string extends M ? never : M) : never) : never;

/**
 * Default teacher: the newest Sonnet in the installed SDK's model list (@anthropic-ai/sdk 1.13.0,
 * `Model` in resources/messages). Typed as KnownModel, so an SDK upgrade that drops it fails tsc;
 * the SDK's deprecation list is consulted at run time (see `warnings`).
 */
export const DEFAULT_MODEL: KnownModel = "claude-sonnet-5-5";

/** US dollars per million tokens. A setting: pass the current price list for the chosen model. */
export type PricesPerMTok = { input: number; output: number; cacheWrite: number; cacheRead: number };

/**
 * Sonnet list prices (USD per million tokens: input 3, output 15, 5-minute cache write 3.75,
 * cache read 0.30) as published when this was written. A starting value for settings only:
 * check the current price page for the model in use.
 */
export const SONNET_PRICES_USD_PER_MTOK: PricesPerMTok = Object.freeze({ input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 });

/** Token counts as the API reports them; `input` excludes the cached (written or read) tokens. */
export type TokenUsage = { input: number; output: number; cacheWrite: number; cacheRead: number };

/**
 * costUsd = (input·P_in + output·P_out + cacheWrite·P_cacheWrite + cacheRead·P_cacheRead) / 1e6 × multiplier
 * where multiplier is 1 for Messages and the batch discount (0.5 by default) for Message Batches.
 */
export function costUsd(usage: TokenUsage, prices: PricesPerMTok, multiplier = 1): number {
  const raw =
    usage.input * prices.input + usage.output * prices.output + usage.cacheWrite * prices.cacheWrite + usage.cacheRead * prices.cacheRead;
  return (raw / 1_000_000) * multiplier;
}

export type SynthLogger = {
  debug?: (message: string) => void;
  info: (message: string) => void;
  warn: (message: string) => void;
  error: (message: string) => void;
};

export type AnthropicClientOptions = {
  /** Required; never logged, never part of an error message. */
  apiKey: string;
  /** Default: the SDK's own behaviour (env ANTHROPIC_BASE_URL, else https://api.anthropic.com). */
  baseURL?: string;
  /** Default: DEFAULT_MODEL. */
  model?: string;
  prices: PricesPerMTok;
  /** Multiplier applied to batch costs (Message Batches are billed at 50%): default 0.5. */
  batchDiscount?: number;
  /** Retries after the first attempt on 408/409/429/5xx/529 and connection errors: default 4. */
  maxRetries?: number;
  /** Exponential backoff when the server gives no retry-after: base (default 1000 ms), doubled per attempt, capped (default 30 s), minus up to 25% jitter. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** A retry-after longer than this is cut to it: default 120 s. */
  maxRetryAfterMs?: number;
  /** Per-request timeout; default: the SDK's (10 minutes, longer for large max_tokens). */
  timeoutMs?: number;
  logger?: SynthLogger;
  /** What the SDK itself logs to `logger` (default "warn"); its request logs redact the key too. */
  sdkLogLevel?: "off" | "error" | "warn" | "info" | "debug";
  /**
   * Deprecation (and other) warnings the SDK prints for the chosen model, each distinct one once
   * per client. Also written to logger.warn. Checked when the client is made, before any request.
   */
  onWarning?: (warning: string) => void;
};

export type GenerateRequest = {
  /** Many-shot context blocks; the last one carries cache_control, so the prefix is paid once. */
  system: readonly SyntheticText[];
  user: SyntheticText;
  maxTokens: number;
  signal?: AbortSignal;
};

export type GenerateResult = {
  text: SyntheticText;
  usage: TokenUsage;
  costUsd: number;
  stopReason: Message["stop_reason"];
  model: string;
  messageId: string;
};

export type BatchRequest = Omit<GenerateRequest, "signal"> & { customId: string };

export type BatchStatus = {
  id: string;
  processingStatus: MessageBatch["processing_status"];
  counts: MessageBatch["request_counts"];
  createdAt: string;
  endedAt: string | null;
  expiresAt: string;
};

export type BatchItemResult =
  | { customId: string; ok: true; text: SyntheticText; usage: TokenUsage; costUsd: number; stopReason: Message["stop_reason"]; messageId: string }
  | { customId: string; ok: false; type: "errored" | "canceled" | "expired"; error: string };

/** A request that failed for good (not retryable, or out of attempts). */
export class AnthropicRequestError extends Error {
  override readonly name = "AnthropicRequestError";
  constructor(
    message: string,
    readonly status: number | null,
    readonly attempts: number,
    readonly retryable: boolean,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const API_KEY_SHAPE = /sk-ant-[A-Za-z0-9_-]{8,}/g;

function toUsage(usage: Message["usage"]): TokenUsage {
  return {
    input: usage.input_tokens,
    output: usage.output_tokens,
    cacheWrite: usage.cache_creation_input_tokens ?? 0,
    cacheRead: usage.cache_read_input_tokens ?? 0,
  };
}

function messageText(message: Message): string {
  return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
}

export class AnthropicClient {
  readonly model: string;
  readonly prices: PricesPerMTok;
  readonly batchDiscount: number;
  readonly #sdk: Anthropic;
  readonly #apiKey: string;
  readonly #logger: SynthLogger;
  readonly #onWarning: ((warning: string) => void) | undefined;
  readonly #maxRetries: number;
  readonly #retryBaseDelayMs: number;
  readonly #retryMaxDelayMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #timeoutMs: number | undefined;
  readonly #warnings: string[] = [];

  constructor(options: AnthropicClientOptions) {
    if (typeof options.apiKey !== "string" || options.apiKey.trim() === "") {
      throw new Error("No Anthropic API key: set one in the synthetic studio's settings.");
    }
    this.#apiKey = options.apiKey;
    this.model = options.model ?? DEFAULT_MODEL;
    this.prices = { ...options.prices };
    for (const [name, value] of Object.entries(this.prices)) {
      if (!Number.isFinite(value) || value < 0) throw new Error(`Price setting '${name}' must be a non-negative number of USD per million tokens.`);
    }
    this.batchDiscount = options.batchDiscount ?? 0.5;
    this.#maxRetries = options.maxRetries ?? 4;
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
    this.#retryMaxDelayMs = options.retryMaxDelayMs ?? 30_000;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
    this.#timeoutMs = options.timeoutMs;
    this.#onWarning = options.onWarning;
    const base: SynthLogger = options.logger ?? { info: console.info, warn: console.warn, error: console.error };
    const redact = (m: string): string => this.#redact(m);
    this.#logger = {
      debug: base.debug ? (m) => base.debug?.(redact(m)) : undefined,
      info: (m) => base.info(redact(m)),
      warn: (m) => base.warn(redact(m)),
      error: (m) => base.error(redact(m)),
    };
    const fmt = (message: string, rest: unknown[]): string =>
      redact([message, ...rest.map((r) => (typeof r === "string" ? r : inspect(r, { depth: 4, breakLength: Infinity })))].join(" "));
    this.#sdk = new Anthropic({
      apiKey: options.apiKey,
      // Left out when not given, so the SDK applies its own default (ANTHROPIC_BASE_URL, then the public API).
      ...(options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
      maxRetries: 0, // retries are ours: clear failure messages, retry-after honoured, settable delays
      logLevel: options.sdkLogLevel ?? "warn",
      logger: {
        debug: (m: string, ...rest: unknown[]) => this.#logger.debug?.(fmt(m, rest)),
        info: (m: string, ...rest: unknown[]) => this.#logger.info(fmt(m, rest)),
        warn: (m: string, ...rest: unknown[]) => this.#logger.warn(fmt(m, rest)),
        error: (m: string, ...rest: unknown[]) => this.#logger.error(fmt(m, rest)),
      },
    });
    this.#probeModelWarnings();
  }

  /** Warnings the SDK gave for this client's model (deprecation), in the order first seen. */
  get warnings(): readonly string[] {
    return [...this.#warnings];
  }

  /** One Messages request. Every letter-like input is checked to be SyntheticText first. */
  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const params = this.#params(request, "generate");
    const message = await this.#withRetries("generate", request.signal, (signal) =>
      this.#capturingWarnings(() => this.#sdk.messages.create(params, this.#requestOptions(signal))),
    );
    const usage = toUsage(message.usage);
    return {
      text: asGeneratedText(messageText(message), { model: message.model, requestId: message.id }),
      usage,
      costUsd: costUsd(usage, this.prices),
      stopReason: message.stop_reason,
      model: message.model,
      messageId: message.id,
    };
  }

  /** Submits a Message Batch (billed at the batch discount). custom_ids must be unique. */
  async submitBatch(requests: readonly BatchRequest[]): Promise<BatchStatus> {
    if (requests.length === 0) throw new Error("submitBatch needs at least one request.");
    const seen = new Set<string>();
    const batchRequests: BatchCreateParams.Request[] = requests.map((request, i) => {
      if (!CUSTOM_ID.test(request.customId)) throw new Error(`Batch request ${i + 1}: customId must match ${CUSTOM_ID.source}.`);
      if (seen.has(request.customId)) throw new Error(`Batch request ${i + 1}: customId '${request.customId}' is used twice.`);
      seen.add(request.customId);
      return { custom_id: request.customId, params: this.#params(request, `batch request '${request.customId}'`) };
    });
    const batch = await this.#withRetries("submitBatch", undefined, (signal) =>
      this.#sdk.messages.batches.create({ requests: batchRequests }, this.#requestOptions(signal)),
    );
    return this.#status(batch);
  }

  async pollBatch(id: string): Promise<BatchStatus> {
    const batch = await this.#withRetries("pollBatch", undefined, (signal) => this.#sdk.messages.batches.retrieve(id, {}, this.#requestOptions(signal)));
    return this.#status(batch);
  }

  /** Polls until the batch has ended (or the time is up). */
  async waitForBatch(id: string, options: { intervalMs?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<BatchStatus> {
    const deadline = Date.now() + (options.timeoutMs ?? 24 * 3600_000);
    for (;;) {
      const status = await this.pollBatch(id);
      if (status.processingStatus === "ended") return status;
      if (Date.now() >= deadline) throw new Error(`Batch ${id} has not ended in time (status ${status.processingStatus}).`);
      await sleep(options.intervalMs ?? 30_000, options.signal);
    }
  }

  /** Results of an ended batch, one per request, with usage and cost at the batch discount. */
  async batchResults(id: string): Promise<BatchItemResult[]> {
    return this.#withRetries("batchResults", undefined, async (signal) => {
      const decoder = await this.#sdk.messages.batches.results(id, {}, this.#requestOptions(signal));
      const out: BatchItemResult[] = [];
      for await (const item of decoder) out.push(this.#batchItem(item));
      return out;
    });
  }

  #batchItem(item: MessageBatchIndividualResponse): BatchItemResult {
    const result = item.result;
    switch (result.type) {
      case "succeeded": {
        const usage = toUsage(result.message.usage);
        return {
          customId: item.custom_id,
          ok: true,
          text: asGeneratedText(messageText(result.message), { model: result.message.model, requestId: result.message.id }),
          usage,
          costUsd: costUsd(usage, this.prices, this.batchDiscount),
          stopReason: result.message.stop_reason,
          messageId: result.message.id,
        };
      }
      case "errored":
        return { customId: item.custom_id, ok: false, type: "errored", error: this.#redact(`${result.error.error.type}: ${result.error.error.message}`) };
      default:
        return { customId: item.custom_id, ok: false, type: result.type, error: `request ${result.type}` };
    }
  }

  #status(batch: MessageBatch): BatchStatus {
    return {
      id: batch.id,
      processingStatus: batch.processing_status,
      counts: batch.request_counts,
      createdAt: batch.created_at,
      endedAt: batch.ended_at,
      expiresAt: batch.expires_at,
    };
  }

  /** The privacy gate: the run-time check happens here, before any request exists. */
  #params(request: Omit<GenerateRequest, "signal">, where: string): MessageCreateParamsNonStreaming {
    if (!Array.isArray(request.system)) throw new TypeError(`${where}: system must be an array of SyntheticText blocks.`);
    request.system.forEach((block, i) => assertSynthetic(block, `${where}: system block ${i + 1}`));
    assertSynthetic(request.user, `${where}: user message`);
    if (!Number.isInteger(request.maxTokens) || request.maxTokens < 1) throw new Error(`${where}: maxTokens must be a positive integer.`);
    const last = request.system.length - 1;
    const system: TextBlockParam[] = request.system.map((block, i) => ({
      type: "text",
      text: block.text,
      ...(i === last ? { cache_control: { type: "ephemeral" } } : {}),
    }));
    return {
      model: this.model,
      max_tokens: request.maxTokens,
      // No temperature: API version 2026-10-21 (SDK 1.x) has no sampling parameters on Messages.
      ...(system.length > 0 ? { system } : {}),
      messages: [{ role: "user", content: request.user.text }],
    };
  }

  #requestOptions(signal: AbortSignal | undefined): { signal?: AbortSignal; timeout?: number } {
    return { ...(signal ? { signal } : {}), ...(this.#timeoutMs !== undefined ? { timeout: this.#timeoutMs } : {}) };
  }

  /**
   * The SDK prints model deprecation warnings with console.warn, synchronously inside
   * messages.create(). They are captured there (no await can interleave) and passed on.
   */
  #capturingWarnings<T>(call: () => T): T {
    const original = console.warn;
    const captured: string[] = [];
    console.warn = (...args: unknown[]) => {
      captured.push(args.map((a) => (typeof a === "string" ? a : inspect(a))).join(" "));
    };
    try {
      return call();
    } finally {
      console.warn = original;
      for (const warning of captured) this.#surfaceWarning(warning);
    }
  }

  #surfaceWarning(raw: string): void {
    const warning = this.#redact(raw);
    if (this.#warnings.includes(warning)) return;
    this.#warnings.push(warning);
    this.#logger.warn(warning);
    this.#onWarning?.(warning);
  }

  /**
   * Asks the SDK's own check about this model without sending anything: messages.create with an
   * already-aborted signal runs the deprecation check, then stops before any connection is made.
   */
  #probeModelWarnings(): void {
    const controller = new AbortController();
    controller.abort();
    const probe = this.#capturingWarnings(() =>
      this.#sdk.messages.create({ model: this.model, max_tokens: 1, messages: [{ role: "user", content: "." }] }, { signal: controller.signal }),
    );
    probe.catch(() => undefined);
  }

  #redact(text: string): string {
    let out = text;
    if (this.#apiKey.length >= 4) out = out.split(this.#apiKey).join("[redacted API key]");
    return out.replace(API_KEY_SHAPE, "[redacted API key]");
  }

  async #withRetries<T>(what: string, signal: AbortSignal | undefined, call: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    const started = Date.now();
    const attemptsAllowed = this.#maxRetries + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(signal);
      } catch (error) {
        if (error instanceof APIUserAbortError || signal?.aborted) throw error;
        const status = error instanceof APIError && typeof error.status === "number" ? error.status : null;
        const retryable = error instanceof APIConnectionError || (status !== null && (status === 408 || status === 409 || status === 429 || status >= 500));
        if (!(error instanceof APIError)) throw error;
        if (!retryable || attempt >= attemptsAllowed) throw this.#failure(what, error, status, attempt, retryable, Date.now() - started);
        const delay = this.#retryDelay(error, attempt);
        this.#logger.warn(
          `Anthropic ${what}: ${this.#describe(error, status)}; retrying in ${Math.round(delay)} ms (attempt ${attempt + 1} of ${attemptsAllowed}).`,
        );
        await sleep(delay, signal);
      }
    }
  }

  #retryDelay(error: APIError, attempt: number): number {
    const headers = error.headers;
    const afterMs = headers?.get("retry-after-ms");
    const after = headers?.get("retry-after");
    let fromServer: number | undefined;
    if (afterMs && Number.isFinite(Number.parseFloat(afterMs))) fromServer = Number.parseFloat(afterMs);
    else if (after) {
      const seconds = Number.parseFloat(after);
      fromServer = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(after) - Date.now();
    }
    if (fromServer !== undefined && Number.isFinite(fromServer) && fromServer > 0) return Math.min(fromServer, this.#maxRetryAfterMs);
    const backoff = Math.min(this.#retryBaseDelayMs * 2 ** (attempt - 1), this.#retryMaxDelayMs);
    return backoff * (1 - Math.random() * 0.25);
  }

  #describe(error: APIError, status: number | null): string {
    if (error instanceof APIConnectionError) return `connection failed (${this.#redact(error.message)})`;
    if (status === 529) return "API overloaded (HTTP 529)";
    if (status === 429) return "rate limited (HTTP 429)";
    return `HTTP ${status ?? "?"} (${this.#redact(error.message)})`;
  }

  #failure(what: string, error: APIError, status: number | null, attempts: number, retryable: boolean, elapsedMs: number): AnthropicRequestError {
    const requestId = (error as { requestID?: string | null }).requestID ?? null;
    const idPart = requestId ? ` Request id: ${requestId}.` : "";
    let message: string;
    if (retryable) {
      const seconds = (elapsedMs / 1000).toFixed(1);
      const advice =
        status === 529
          ? " The Anthropic API is overloaded: try again later, or lower the number of requests at once."
          : status === 429
            ? " The rate limit of this API key was hit: slow down, or raise the limit."
            : "";
      message = `Anthropic ${what} failed: ${this.#describe(error, status)} on all ${attempts} attempts over ${seconds} s; gave up.${advice}${idPart}`;
    } else if (status === 401) {
      message = `Anthropic ${what} failed: the API key was rejected (HTTP 401). Check the key in the synthetic studio's settings.${idPart}`;
    } else if (status === 404 && what === "generate") {
      message = `Anthropic ${what} failed: HTTP 404 (${this.#redact(error.message)}). Is the model '${this.model}' available to this key?${idPart}`;
    } else {
      message = `Anthropic ${what} failed: ${this.#describe(error, status)}.${idPart}`;
    }
    return new AnthropicRequestError(message, status, attempts, retryable, requestId);
  }
}
