/**
 * A loopback server (127.0.0.1, a free port) speaking the documented OpenAI chat completions
 * API the way llama.cpp server and vLLM do: `GET /v1/models`, `POST /v1/chat/completions` with
 * a `json_schema` response format, OpenAI-style error bodies. It checks the request shape,
 * records every request, and answers from a script of replies, then with the default reply.
 */
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { TimelineDocument } from "../../src-shared/timeline.ts";

export type RecordedRequest = {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it is not JSON; undefined when empty. */
  body: unknown;
};

export type FakeReply =
  /** A completion; `content` defaults to the server's `respond(request)`. */
  | { kind: "completion"; content?: string; finishReason?: "stop" | "length"; delayMs?: number; usage?: { prompt_tokens: number; completion_tokens: number } }
  /** An OpenAI-style error body `{ error: { message, type, code } }`. */
  | { kind: "error"; status: number; message: string; retryAfter?: string; delayMs?: number }
  /** Any status and body, e.g. a 200 whose body is not JSON. */
  | { kind: "raw"; status: number; body: string; contentType?: string; headers?: Record<string, string> }
  /** Holds the request this long and answers nothing (the client's timeout fires first). */
  | { kind: "hang"; ms: number };

export type ChatRequest = {
  model?: string;
  messages: { role: string; content: string }[];
  /** Optional in the API (free text without it); when given, this fake accepts only a JSON schema. */
  response_format?: { type: "json_schema"; json_schema: { name: string; schema: unknown; strict?: boolean } };
  max_tokens?: number;
  temperature?: number;
  seed?: number;
};

export type FakeOpenAiServerOptions = {
  /** Listed at /v1/models; a request naming another model gets 404 model_not_found. Default ["onco-8b"]. */
  models?: string[];
  /** Answer 404 at /v1/models, as a server without that endpoint would. */
  noModelsEndpoint?: boolean;
  /** When set, every request must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
  /** The completion content when a reply gives none. Default: CANNED_TIMELINE. */
  respond?: (request: ChatRequest) => string;
  /** Decides the reply per request (e.g. by letter text) before the script is consulted; undefined: go on to the script. */
  replyFor?: (request: ChatRequest) => FakeReply | undefined;
};

export type FakeOpenAiServer = {
  /** e.g. http://127.0.0.1:41234/v1 */
  baseUrl: string;
  port: number;
  requests: RecordedRequest[];
  /** Chat completion requests only. */
  chatRequests(): RecordedRequest[];
  /** The most chat completion requests that were open at once. */
  maxConcurrent(): number;
  /** Queues replies for the next chat completion requests, in order. */
  script(...replies: FakeReply[]): void;
  close(): Promise<void>;
};

/** A valid timeline document (checked against src-shared/timeline.ts by the tests). */
export const CANNED_TIMELINE: TimelineDocument = {
  primary_cancer: {
    site: "Left breast",
    year: 2021,
    month: 2,
    tnm_stage: "cT2 N1 M0",
    cancer_timeline: [{ type: "treatment_systemic_start", value: "neoadjuvant chemotherapy", year: 2021, month: 3 }],
  },
  other_cancers: [],
  patient_facts: [{ type: "performance_status", value: "ECOG performance status 0" }],
  status_updates: [{ type: "planned_investigation", value: "MRI of the breast" }],
};

export async function startFakeOpenAiServer(options: FakeOpenAiServerOptions = {}): Promise<FakeOpenAiServer> {
  const models = options.models ?? ["onco-8b"];
  const respond = options.respond ?? (() => JSON.stringify(CANNED_TIMELINE));
  const requests: RecordedRequest[] = [];
  const queue: FakeReply[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let completions = 0;
  let open = 0;
  let maxOpen = 0;

  const later = (ms: number, then: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      then();
    }, ms);
    timers.add(timer);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = undefined;
      if (text !== "") {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      requests.push({ method: req.method ?? "", path, headers: req.headers, body });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        if (res.destroyed) return;
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(payload));
      };
      const error = (status: number, message: string, type: string, code: string | null = null, headers: Record<string, string> = {}) =>
        send(status, { error: { message, type, param: null, code } }, headers);

      if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        // OpenAI echoes the key it was given; the engine must not pass that on.
        const given = (req.headers.authorization ?? "").replace(/^Bearer /, "");
        return error(401, `Incorrect API key provided: ${given}`, "invalid_request_error", "invalid_api_key");
      }
      if (req.method === "GET" && path === "/v1/models" && !options.noModelsEndpoint) {
        return send(200, { object: "list", data: models.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "hospital" })) });
      }
      if (path !== "/v1/chat/completions") return error(404, `Not found: ${path}`, "not_found_error");
      if (req.method !== "POST") return error(405, "Method not allowed", "invalid_request_error");

      const problem = checkChatRequest(body, models);
      if (problem) return error(problem.status, problem.message, "invalid_request_error", problem.code);
      const request = body as ChatRequest;
      open++;
      maxOpen = Math.max(maxOpen, open);
      res.on("close", () => open--);

      const reply = options.replyFor?.(request) ?? queue.shift() ?? { kind: "completion" };
      switch (reply.kind) {
        case "hang":
          return later(reply.ms, () => res.destroy());
        case "raw":
          res.writeHead(reply.status, { "content-type": reply.contentType ?? "application/json", ...reply.headers });
          return res.end(reply.body);
        case "error":
          return later(reply.delayMs ?? 0, () =>
            error(reply.status, reply.message, reply.status === 429 ? "rate_limit_error" : "server_error", null, reply.retryAfter === undefined ? {} : { "retry-after": reply.retryAfter }),
          );
        case "completion": {
          const content = reply.content ?? respond(request);
          const usage = reply.usage ?? { prompt_tokens: promptTokens(request), completion_tokens: Math.ceil(content.length / 4) };
          return later(reply.delayMs ?? 0, () =>
            send(200, {
              id: `chatcmpl-${++completions}`,
              object: "chat.completion",
              created: Math.floor(Date.now() / 1000),
              model: request.model ?? models[0],
              choices: [{ index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: reply.finishReason ?? "stop" }],
              usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
            }),
          );
        }
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    chatRequests: () => requests.filter((r) => r.path === "/v1/chat/completions"),
    maxConcurrent: () => maxOpen,
    script: (...replies) => queue.push(...replies),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The checks a strict server makes; a status, message and code for the first problem, else undefined. */
function checkChatRequest(body: unknown, models: string[]): { status: number; message: string; code: string | null } | undefined {
  const bad = (message: string) => ({ status: 400, message, code: null });
  if (body === null || typeof body !== "object" || Array.isArray(body)) return bad("the request body must be a JSON object");
  const request = body as Record<string, unknown>;
  if (typeof request.model !== "string") return bad("you must provide a model parameter");
  if (!models.includes(request.model)) return { status: 404, message: `The model \`${request.model}\` does not exist.`, code: "model_not_found" };
  const messages = request.messages;
  if (!Array.isArray(messages) || messages.length === 0) return bad("messages must be a non-empty array");
  for (const [i, message] of messages.entries()) {
    const m = message as Record<string, unknown> | null;
    if (!m || typeof m.role !== "string" || !["system", "user", "assistant"].includes(m.role) || typeof m.content !== "string") {
      return bad(`messages[${i}] must be {role: system|user|assistant, content: string}`);
    }
  }
  const format = request.response_format as Record<string, unknown> | undefined;
  if (format !== undefined) {
    if (format.type !== "json_schema") return bad("response_format must be {type: 'json_schema', ...}");
    const schema = format.json_schema as Record<string, unknown> | undefined;
    if (!schema || typeof schema.name !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(schema.name)) return bad("response_format.json_schema.name is required (a-z, A-Z, 0-9, _ and -)");
    if (!schema.schema || typeof schema.schema !== "object") return bad("response_format.json_schema.schema must be a JSON schema object");
  }
  if (request.max_tokens !== undefined && (!Number.isInteger(request.max_tokens) || (request.max_tokens as number) < 1)) return bad("max_tokens must be a positive integer");
  if (request.temperature !== undefined && typeof request.temperature !== "number") return bad("temperature must be a number");
  return undefined;
}

function promptTokens(request: ChatRequest): number {
  return Math.ceil(request.messages.reduce((sum, m) => sum + m.content.length, 0) / 4);
}

/** Demo letters with their gold timelines (resources/demo). */
export function demoLettersWithGold(): { file: string; text: string; gold: string }[] {
  const dir = path.resolve(import.meta.dirname, "../../resources/demo");
  return readdirSync(path.join(dir, "letters"))
    .filter((name) => name.endsWith(".txt"))
    .sort()
    .map((name) => ({
      file: path.join(dir, "letters", name),
      text: readFileSync(path.join(dir, "letters", name), "utf8"),
      gold: readFileSync(path.join(dir, "gold", name.replace(/\.txt$/, ".json")), "utf8"),
    }));
}

/** A responder that answers each demo letter with its gold document (others: CANNED_TIMELINE). */
export function goldFor(request: ChatRequest): string {
  goldByLetter ??= new Map(demoLettersWithGold().map((d) => [d.text, d.gold]));
  const letter = request.messages.find((m) => m.role === "user")?.content ?? "";
  return goldByLetter.get(letter) ?? JSON.stringify(CANNED_TIMELINE);
}
let goldByLetter: Map<string, string> | undefined;
