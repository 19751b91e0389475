import { TIMELINE_GENERATION_SCHEMA, type GenerationSchema } from "../../../src-shared/generationSchema.ts";
import { formatSeconds } from "../../base/formatSeconds.ts";
import { sleep } from "../../base/sleep.ts";
import { EngineError, type Engine, type RawCompletion } from "../engine.ts";
import { checkInferenceHost } from "./hostPolicy.ts";
import { nodeHttpFetch } from "./nodeHttpFetch.ts";

export type OpenAiEngineOptions = {
  /** The server's OpenAI-compatible API root, e.g. `http://gpu01.hospital.local:8080/v1`. */
  baseUrl: string;
  /**
   * The served model's name. Default: the one model the server lists at `GET /models` (an
   * error names them when it serves several).
   */
  model?: string;
  /** Sent as `Authorization: Bearer ...`; never logged, never in a description or error message. */
  apiKey?: string;
  systemPrompt: string;
  /** The JSON schema the server generates under (`response_format`), with its name. Default: the timeline's, "cancer_timeline". */
  outputSchema?: { name: string; schema: GenerationSchema };
  /**
   * The user's explicit statement that this host runs inside the hospital network. Without it
   * only a loopback server is accepted; a public cloud AI API is refused either way.
   */
  onPremise: boolean;
  /** Output cap per letter (`max_tokens`). Default 4096. */
  maxTokens?: number;
  /** Default 0 (greedy), as for the local engine. */
  temperature?: number;
  seed?: number;
  /** Benchmarks only: false sends no response format, so the server decodes without the schema's grammar. */
  grammar?: boolean;
  /** A letter taking longer, retries and waits included, is failed as a timeout. Default 10 minutes. */
  timeoutMs?: number;
  /** Attempts per letter when the server is busy (HTTP 429 or 503). Default 4. */
  maxAttempts?: number;
  /** First wait when the server is busy and says nothing (no Retry-After); doubled each time. Default 2 s. */
  retryDelayMs?: number;
  /** The longest wait between attempts, Retry-After included. Default 60 s. */
  maxRetryDelayMs?: number;
  /**
   * Letters in flight at once (the engine's `capacity`; the queue keeps that many requests
   * open). A vLLM or llama.cpp server (`--parallel N`) batches concurrent requests, so this is
   * where a GPU server's throughput comes from. Default 1.
   */
  parallel?: number;
  /** Default: node:http/https (see nodeHttpFetch.ts for why not the global fetch). */
  fetch?: typeof fetch;
};

/** The constructor's error when the host policy refuses the address; the CLI reports it as a usage error. */
export class InferenceHostRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`refusing to send letters to this inference server: ${reason}`);
    this.name = "InferenceHostRefusedError";
  }
}

/** A non-2xx answer; the status lets start() accept a server without `/models`. */
class HttpStatusError extends EngineError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super("generation-failed", message);
  }
}

const RETRYABLE = new Set([429, 503]);
/** How much of a server's error text goes into a message. */
const MAX_SERVER_MESSAGE = 300;

/**
 * An OpenAI-compatible chat completions server the hospital runs (llama.cpp server, vLLM),
 * generating under the timeline JSON schema (`response_format: json_schema`, strict). One
 * request per letter; a failure fails only that letter.
 */
export class OpenAiCompatibleEngine implements Engine {
  private readonly baseUrl: string;
  /** host:port, for messages. */
  private readonly host: string;
  private model: string | undefined;
  /** An ES private field: not in JSON.stringify or console.log of the engine. */
  readonly #apiKey: string | undefined;
  readonly capacity: number;
  private readonly systemPrompt: string;
  private readonly outputSchema: { name: string; schema: GenerationSchema };
  private readonly maxTokens: number;
  private readonly temperature: number;
  private readonly seed: number | undefined;
  private readonly grammar: boolean;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly fetch: typeof fetch;
  private readonly inFlight = new Set<AbortController>();
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(options: OpenAiEngineOptions) {
    const decision = checkInferenceHost(options.baseUrl, options.onPremise);
    if (!decision.ok) throw new InferenceHostRefusedError(decision.reason);
    const url = new URL(options.baseUrl);
    this.baseUrl = url.href.replace(/\/+$/, "");
    this.host = url.host;
    this.model = options.model;
    this.#apiKey = options.apiKey;
    this.capacity = Math.max(1, Math.floor(options.parallel ?? 1));
    this.systemPrompt = options.systemPrompt;
    this.outputSchema = options.outputSchema ?? { name: "cancer_timeline", schema: TIMELINE_GENERATION_SCHEMA };
    this.maxTokens = options.maxTokens ?? 4096;
    this.temperature = options.temperature ?? 0;
    this.seed = options.seed;
    this.grammar = options.grammar ?? true;
    this.timeoutMs = options.timeoutMs ?? 10 * 60_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.retryDelayMs = options.retryDelayMs ?? 2000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
    this.fetch = options.fetch ?? nodeHttpFetch;
  }

  get description(): string {
    return `openai-compatible (${this.baseUrl}, ${this.model === undefined ? "model chosen by the server" : `model ${this.model}`})`;
  }

  /** The model name sent with each request, once known. */
  get modelName(): string | undefined {
    return this.model;
  }

  /**
   * Reaches the server now (`GET /models`) rather than on the first letter: an unreachable
   * server or an unknown model is then one clear error, not every letter failing. Picks the
   * model when none was given. A server without `/models` (404) is accepted as it is.
   */
  async start(): Promise<void> {
    this.started ??= this.discover().catch((error: unknown) => {
      this.started = undefined;
      throw error;
    });
    return this.started;
  }

  async complete(letterText: string): Promise<RawCompletion> {
    if (this.closed) throw new EngineError("generation-failed", "the engine is closed");
    return this.withDeadline(async (signal) => {
      await this.start();
      return this.completeOnce(letterText, signal);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort(new EngineError("generation-failed", "the engine was closed"));
    this.inFlight.clear();
  }

  private async completeOnce(letterText: string, signal: AbortSignal): Promise<RawCompletion> {
    const body = {
      ...(this.model === undefined ? {} : { model: this.model }),
      messages: [
        { role: "system", content: this.systemPrompt },
        { role: "user", content: letterText },
      ],
      ...(this.grammar ? { response_format: { type: "json_schema", json_schema: { name: this.outputSchema.name, schema: this.outputSchema.schema, strict: true } } } : {}),
      max_tokens: this.maxTokens,
      temperature: this.temperature,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
      stream: false,
    };
    const response = await this.request("POST", "/chat/completions", JSON.stringify(body), signal);
    const answer = parseJson(response.text);
    if (answer === undefined) {
      throw new EngineError("generation-failed", `the inference server at ${this.host} answered with a body that is not JSON (${describeSnippet(response.text)})`);
    }
    const choice = firstChoice(answer);
    if (!choice) throw new EngineError("generation-failed", `the inference server at ${this.host} answered without choices[0].message`);
    const usage = isRecord(answer) && isRecord(answer.usage) ? answer.usage : {};
    const tokens = {
      inputTokens: typeof usage.prompt_tokens === "number" ? usage.prompt_tokens : null,
      outputTokens: typeof usage.completion_tokens === "number" ? usage.completion_tokens : null,
    };
    if (choice.finishReason === "length") {
      // The partial output goes with the error, as the local engine's does: that much work was done.
      const partial = { text: typeof choice.content === "string" ? choice.content : "", ...tokens };
      throw new EngineError("output-cut-off", `the output reached the ${this.maxTokens}-token limit before the document was complete (--max-tokens)`, partial);
    }
    if (typeof choice.content !== "string") {
      const refusal = typeof choice.refusal === "string" ? `: the model refused: ${this.redact(clip(choice.refusal))}` : "";
      throw new EngineError("generation-failed", `the inference server at ${this.host} answered without message content${refusal}`);
    }
    return { text: choice.content, ...tokens };
  }

  private async discover(): Promise<void> {
    await this.withDeadline(async (signal) => {
      let response: { status: number; text: string };
      try {
        response = await this.request("GET", "/models", undefined, signal);
      } catch (error) {
        if (error instanceof HttpStatusError && error.status === 404) return;
        throw error;
      }
      const listed = parseJson(response.text);
      const ids = isRecord(listed) && Array.isArray(listed.data) ? listed.data.flatMap((m: unknown) => (isRecord(m) && typeof m.id === "string" ? [m.id] : [])) : [];
      if (ids.length === 0) return;
      if (this.model === undefined) {
        if (ids.length > 1) {
          throw new EngineError("load-failed", `the inference server at ${this.host} serves several models (${ids.join(", ")}); choose one`);
        }
        this.model = ids[0];
      } else if (!ids.includes(this.model)) {
        throw new EngineError("load-failed", `the inference server at ${this.host} does not serve model "${this.model}"; it serves: ${ids.join(", ")}`);
      }
    });
  }

  /** Runs `work` under the per-letter timeout and the close signal; every failure becomes an EngineError. */
  private async withDeadline<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = new EngineError("timeout", `no result within ${formatSeconds(this.timeoutMs)} from the inference server at ${this.host}`);
    const timer = setTimeout(() => controller.abort(timeout), this.timeoutMs);
    try {
      return await work(controller.signal);
    } catch (error) {
      if (controller.signal.aborted && controller.signal.reason instanceof EngineError) throw controller.signal.reason;
      if (error instanceof EngineError) throw error;
      throw new EngineError("generation-failed", this.redact(networkMessage(this.host, error)));
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  /** One call, retried while the server is busy (429/503); a non-2xx answer becomes an EngineError. */
  private async request(method: "GET" | "POST", path: string, body: string | undefined, signal: AbortSignal): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
    for (let attempt = 1; ; attempt++) {
      const response = await this.fetch(`${this.baseUrl}${path}`, { method, headers, body, signal, redirect: "manual" });
      const text = await response.text();
      if (response.status >= 200 && response.status < 300) return { status: response.status, text };
      if (response.status >= 300 && response.status < 400) {
        throw new EngineError(
          "generation-failed",
          `the inference server at ${this.host} answered ${method} ${path} with a redirect (HTTP ${response.status}); redirects are not followed, so letters go only to the server named`,
        );
      }
      const failure = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}${this.serverMessage(text)}`;
      if (!RETRYABLE.has(response.status)) {
        throw new HttpStatusError(response.status, `the inference server at ${this.host} answered ${method} ${path} with ${failure}`);
      }
      if (attempt >= this.maxAttempts) {
        throw new HttpStatusError(response.status, `the inference server at ${this.host} was still busy after ${attempt} attempts (${failure})`);
      }
      const wait = retryAfterMs(response.headers.get("retry-after")) ?? this.retryDelayMs * 2 ** (attempt - 1);
      await sleep(Math.min(wait, this.maxRetryDelayMs), signal);
    }
  }

  /** `: <error.message>` from an OpenAI-style error body, else the start of the body. */
  private serverMessage(text: string): string {
    const body = parseJson(text);
    let message: string | undefined;
    if (isRecord(body) && isRecord(body.error) && typeof body.error.message === "string") message = body.error.message;
    else if (isRecord(body) && typeof body.error === "string") message = body.error;
    else if (isRecord(body) && typeof body.message === "string") message = body.message;
    else if (isRecord(body) && typeof body.detail === "string") message = body.detail;
    else if (text.trim() !== "") message = text.trim();
    return message === undefined ? "" : `: ${this.redact(clip(message))}`;
  }

  /** A server may echo the key back (OpenAI's "Incorrect API key provided: ..."). */
  private redact(text: string): string {
    if (!this.#apiKey) return text;
    return text.split(this.#apiKey).join("[api key]");
  }
}

type Choice = { content: unknown; refusal: unknown; finishReason: unknown };

function firstChoice(answer: unknown): Choice | undefined {
  if (!isRecord(answer) || !Array.isArray(answer.choices)) return undefined;
  const choice: unknown = answer.choices[0];
  if (!isRecord(choice) || !isRecord(choice.message)) return undefined;
  return { content: choice.message.content, refusal: choice.message.refusal, finishReason: choice.finish_reason };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_SERVER_MESSAGE ? `${flat.slice(0, MAX_SERVER_MESSAGE)}...` : flat;
}

function describeSnippet(text: string): string {
  return `${text.length} chars, starts ${JSON.stringify(text.slice(0, 60))}`;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const CONNECT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "ECONNABORTED"]);

/** fetch's `TypeError: fetch failed` carries the real reason in `cause`. */
function networkMessage(host: string, error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = isRecord(cause) && typeof cause.code === "string" ? cause.code : undefined;
  const detail = cause instanceof Error ? cause.message || code || cause.name : String(cause);
  if (code !== undefined && CONNECT_CODES.has(code)) return `could not reach the inference server at ${host}: ${detail}`;
  return `the connection to the inference server at ${host} failed: ${detail}`;
}
