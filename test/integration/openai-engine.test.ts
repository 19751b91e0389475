import { writeFileSync } from "node:fs";
import path from "node:path";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { EngineError } from "../../src-main/extract/engine.ts";
import { checkInferenceHost, isLoopback } from "../../src-main/extract/openai/hostPolicy.ts";
import { InferenceHostRefusedError, OpenAiCompatibleEngine, retryAfterMs, type OpenAiEngineOptions } from "../../src-main/extract/openai/openAiEngine.ts";
import { loadExtractionPrompt } from "../../src-main/extract/prompt.ts";
import { runExtraction, type ExtractionEvent } from "../../src-main/extract/queue.ts";
import { openStore } from "../../src-main/store/db.ts";
import { insertLetter } from "../../src-main/store/letters.ts";
import { registerModel } from "../../src-main/store/models.ts";
import { TIMELINE_GENERATION_SCHEMA } from "../../src-shared/generationSchema.ts";
import { validateTimeline } from "../../src-shared/timeline.ts";
import { CANNED_TIMELINE, demoLettersWithGold, goldFor, startFakeOpenAiServer, type FakeOpenAiServer, type FakeOpenAiServerOptions } from "../helpers/fakeOpenAiServer.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const prompt = loadExtractionPrompt();
const API_KEY = "sk-hospital-7f3a9c0e1b2d4f6a8c";

const demo = demoLettersWithGold();

const servers: FakeOpenAiServer[] = [];
const engines: OpenAiCompatibleEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
  for (const server of servers.splice(0)) await server.close();
});

async function server(options: FakeOpenAiServerOptions = {}): Promise<FakeOpenAiServer> {
  const started = await startFakeOpenAiServer({ respond: goldFor, apiKey: API_KEY, ...options });
  servers.push(started);
  return started;
}

function engine(baseUrl: string, options: Partial<OpenAiEngineOptions> = {}): OpenAiCompatibleEngine {
  const made = new OpenAiCompatibleEngine({ baseUrl, model: "onco-8b", apiKey: API_KEY, systemPrompt: prompt.text, onPremise: false, retryDelayMs: 20, ...options });
  engines.push(made);
  return made;
}

/** A store with the first `count` demo letters and a model row standing for the server's model. */
function store(count: number) {
  const dir = tempDir();
  const db = openStore(dir);
  for (const letter of demo.slice(0, count)) {
    insertLetter(db, { text: letter.text, sourcePath: letter.file, sourceRow: null, sourceFormat: "txt", patientExternalId: null, letterDate: null });
  }
  // A model row needs a file; the CLI wiring decides what stands for a server model.
  const placeholder = path.join(dir, "server-model.txt");
  writeFileSync(placeholder, "openai-compatible server model onco-8b\n");
  const model = registerModel(db, placeholder, { name: "onco-8b@server" });
  return { db, model };
}

async function extract(count: number, make: () => OpenAiCompatibleEngine, retryFailed = false) {
  const { db, model } = store(count);
  const events: ExtractionEvent[] = [];
  const summary = await runExtraction({ db, engine: make(), model, prompt, onEvent: (event) => events.push(event) }, { retryFailed });
  const letters = events.filter((event): event is Extract<ExtractionEvent, { type: "letter" }> => event.type === "letter");
  const rows = db.prepare("SELECT status, error, input_tokens, output_tokens FROM extractions ORDER BY letter_id").all() as {
    status: string;
    error: string | null;
    input_tokens: number | null;
    output_tokens: number | null;
  }[];
  return { db, model, summary, events, letters, rows };
}

describe("host policy: letters go only to this machine or a server the user marked as on-premise", () => {
  const allowedAlways = ["http://127.0.0.1:8080/v1", "http://127.8.9.10/v1", "http://localhost:8000/v1", "http://LOCALHOST.:8000/v1", "http://[::1]:8080/v1", "https://[::ffff:127.0.0.1]/v1", "http://2130706433/v1"];
  const onPremiseOnly = ["http://gpu01.hospital.local:8080/v1", "https://llm.trust.nhs.uk/v1", "http://10.20.30.40:8000/v1", "http://[fd00::1]:8000/v1", "http://0.0.0.0:8080/v1", "http://foo.localhost/v1"];
  const cloud: [string, string][] = [
    ["https://api.openai.com/v1", "OpenAI"],
    ["https://API.OpenAI.com./v1", "OpenAI"],
    ["https://api.anthropic.com/v1", "Anthropic"],
    ["https://myres.openai.azure.com/openai/deployments/x", "Azure OpenAI"],
    ["https://generativelanguage.googleapis.com/v1beta/openai", "Google Gemini"],
    ["https://us-central1-aiplatform.googleapis.com/v1", "Google Vertex AI"],
    ["https://bedrock-runtime.eu-west-2.amazonaws.com", "Amazon Bedrock"],
    ["https://api.together.xyz/v1", "Together AI"],
    // Where a hosted fine-tune is served (finetune --provider openpipe): synthetic letters only, never real ones.
    ["https://api.openpipe.ai/api/v1", "OpenPipe"],
    ["https://api.groq.com/openai/v1", "Groq"],
    ["https://openrouter.ai/api/v1", "OpenRouter"],
    ["https://api.mistral.ai/v1", "Mistral AI"],
    ["https://api.deepseek.com/v1", "DeepSeek"],
    ["https://router.huggingface.co/v1", "Hugging Face"],
  ];

  it.each(allowedAlways)("allows loopback %s without on-premise", (url) => {
    expect(checkInferenceHost(url, false)).toEqual({ ok: true });
    expect(checkInferenceHost(url, true)).toEqual({ ok: true });
  });

  it.each(onPremiseOnly)("allows %s only when marked on-premise", (url) => {
    const refused = checkInferenceHost(url, false);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reason).toMatch(/is not this machine: letters would be sent over the network to it\. .*mark it as on-premise/);
    expect(checkInferenceHost(url, true)).toEqual({ ok: true });
  });

  it.each(cloud)("refuses the cloud AI API %s (%s) even when marked on-premise", (url, provider) => {
    for (const onPremise of [false, true]) {
      const decision = checkInferenceHost(url, onPremise);
      expect(decision.ok).toBe(false);
      if (!decision.ok) {
        expect(decision.reason).toContain(`is a public cloud AI API (${provider}): real letters must never go to a cloud API`);
        expect(decision.reason).toContain("refused even when marked on-premise");
      }
    }
  });

  it.each([
    ["ftp://127.0.0.1/v1", "must be http:// or https://, not ftp://"],
    ["file:///tmp/socket", "must be http:// or https://, not file://"],
    ["http://user:sk-secret@127.0.0.1:8080/v1", "must not contain a user name or password"],
    ["http://127.0.0.1:8080/v1?api_key=sk-secret", "must not have a query string or fragment"],
    ["not a url sk-secret", "is not a valid URL"],
    ["127.0.0.1:8080/v1", "is not a valid URL (expected e.g. http://gpu01.hospital.local:8080/v1)"],
  ])("refuses %s", (url, reason) => {
    for (const onPremise of [false, true]) {
      const decision = checkInferenceHost(url, onPremise);
      expect(decision.ok).toBe(false);
      if (!decision.ok) {
        expect(decision.reason).toContain(reason);
        expect(decision.reason).not.toContain("sk-secret");
      }
    }
  });

  it("lookalike hosts are not mistaken for loopback or for a cloud API", () => {
    expect(isLoopback("127.0.0.1.evil.example")).toBe(false);
    expect(isLoopback("localhost.evil.example")).toBe(false);
    expect(checkInferenceHost("http://127.0.0.1.nip.io/v1", false).ok).toBe(false);
    expect(checkInferenceHost("http://notopenai.com.hospital.local/v1", true)).toEqual({ ok: true });
    expect(checkInferenceHost("http://myopenai.com/v1", true)).toEqual({ ok: true });
  });
});

describe("OpenAI-compatible engine: construction", () => {
  it("refuses a non-local host unless marked on-premise, with a clear error", () => {
    expect(() => new OpenAiCompatibleEngine({ baseUrl: "http://gpu01.hospital.local:8080/v1", systemPrompt: "x", onPremise: false })).toThrow(
      "refusing to send letters to this inference server: gpu01.hospital.local is not this machine: letters would be sent over the network to it. " +
        "Only a server inside the hospital network may receive letters; if it is one, mark it as on-premise (--on-premise).",
    );
    expect(new OpenAiCompatibleEngine({ baseUrl: "http://gpu01.hospital.local:8080/v1", systemPrompt: "x", onPremise: true }).description).toBe(
      "openai-compatible (http://gpu01.hospital.local:8080/v1, model chosen by the server)",
    );
  });

  it("refuses api.openai.com even when marked on-premise, and never echoes the key", () => {
    let error: unknown;
    try {
      new OpenAiCompatibleEngine({ baseUrl: "https://api.openai.com/v1", apiKey: API_KEY, systemPrompt: "x", onPremise: true });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InferenceHostRefusedError);
    expect((error as Error).message).toBe(
      "refusing to send letters to this inference server: api.openai.com is a public cloud AI API (OpenAI): real letters must never go to a cloud API, " +
        "so it is refused even when marked on-premise. Use an inference server that runs inside the hospital network (llama.cpp server, vLLM).",
    );
    expect((error as Error).message).not.toContain(API_KEY);
  });

  it("describes itself by URL and model, never with the key", () => {
    const made = engine("http://127.0.0.1:9/v1/");
    expect(made.description).toBe("openai-compatible (http://127.0.0.1:9/v1, model onco-8b)");
    expect(JSON.stringify(made)).not.toContain(API_KEY);
    expect(inspect(made, { depth: 5 })).not.toContain(API_KEY);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs("0.5")).toBe(500);
    expect(retryAfterMs("Wed, 25 Nov 2026 10:00:05 GMT", Date.parse("Wed, 25 Nov 2026 10:00:00 GMT"))).toBe(5000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs("soon")).toBeUndefined();
  });
});

describe("OpenAI-compatible engine against a loopback server", () => {
  it("extracts letters end to end through runExtraction: request shape, stored documents, grounding, tokens", async () => {
    const fake = await server();
    const run = await extract(3, () => engine(fake.baseUrl, { seed: 7 }));
    expect(run.summary).toMatchObject({ state: "done", done: 3, failed: 0, total: 3 });
    expect(run.events[0]).toMatchObject({ type: "start", engine: `openai-compatible (${fake.baseUrl}, model onco-8b)` });
    // The server answered each letter with its gold timeline: every value is found in the letter.
    for (const event of run.letters) {
      expect(event.status).toBe("ok");
      expect(event.values).toBeGreaterThan(5);
      expect(event.ungrounded).toBe(0);
    }
    for (const row of run.rows) {
      expect(row.input_tokens).toBeGreaterThan(100);
      expect(row.output_tokens).toBeGreaterThan(10);
    }
    const stored = run.db.prepare("SELECT document FROM extractions ORDER BY letter_id").all() as { document: string }[];
    expect(stored.map((row) => JSON.parse(row.document))).toEqual(demo.slice(0, 3).map((d) => JSON.parse(d.gold)));

    const chats = fake.chatRequests();
    expect(chats).toHaveLength(3);
    for (const [i, request] of chats.entries()) {
      expect(request.method).toBe("POST");
      expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.body).toEqual({
        model: "onco-8b",
        messages: [
          { role: "system", content: prompt.text },
          { role: "user", content: demo[i]?.text },
        ],
        response_format: { type: "json_schema", json_schema: { name: "cancer_timeline", schema: TIMELINE_GENERATION_SCHEMA, strict: true } },
        max_tokens: 4096,
        temperature: 0,
        seed: 7,
        stream: false,
      });
    }
    // The model list is read once, before the first letter.
    expect(fake.requests.filter((r) => r.path === "/v1/models")).toHaveLength(1);
    run.db.close();
  });

  it("a benchmark without the grammar sends no response format", async () => {
    const fake = await server({ respond: () => JSON.stringify(CANNED_TIMELINE) });
    await engine(fake.baseUrl, { grammar: false }).complete("Letter text.");
    const [request] = fake.chatRequests();
    expect(request?.body).toMatchObject({ model: "onco-8b", max_tokens: 4096 });
    expect(request?.body).not.toHaveProperty("response_format");
  });

  it("the canned document the fake server gives by default is a valid timeline", () => {
    expect(validateTimeline(CANNED_TIMELINE).ok).toBe(true);
  });

  it("works with the global fetch injected instead of node:http", async () => {
    const fake = await server({ respond: () => JSON.stringify(CANNED_TIMELINE) });
    const made = engine(fake.baseUrl, { fetch: globalThis.fetch });
    const completion = await made.complete("Letter text.");
    expect(JSON.parse(completion.text)).toEqual(CANNED_TIMELINE);
    expect(completion.inputTokens).toBeGreaterThan(0);
    fake.script({ kind: "error", status: 500, message: "boom" });
    await expect(made.complete("Letter text.")).rejects.toThrow(/answered POST \/chat\/completions with HTTP 500 Internal Server Error: boom$/);
  });

  it("a busy server (429 with Retry-After, then 503) is retried and the letter succeeds", async () => {
    const fake = await server();
    fake.script(
      { kind: "error", status: 429, message: "Too many concurrent requests", retryAfter: "1" },
      { kind: "error", status: 503, message: "Loading model" },
    );
    const started = Date.now();
    const run = await extract(1, () => engine(fake.baseUrl));
    expect(run.summary).toMatchObject({ done: 1, failed: 0 });
    expect(fake.chatRequests()).toHaveLength(3);
    // Retry-After: 1 was honoured (the plain backoff here is 20 ms).
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    run.db.close();
  });

  it("a server busy on every attempt fails that letter after the last attempt, naming the status and message", async () => {
    const fake = await server();
    const busy = { kind: "error", status: 429, message: "Rate limit reached for requests" } as const;
    fake.script(busy, busy, busy);
    const run = await extract(2, () => engine(fake.baseUrl, { maxAttempts: 3 }));
    expect(run.letters.map((event) => event.status)).toEqual(["failed", "ok"]);
    expect(run.letters[0]?.error).toBe(
      `generation-failed: the inference server at 127.0.0.1:${fake.port} was still busy after 3 attempts (HTTP 429 Too Many Requests: Rate limit reached for requests)`,
    );
    expect(fake.chatRequests()).toHaveLength(4);
    run.db.close();
  });

  it("a server error (500) fails that letter with the server's message, not retried; the next letter succeeds", async () => {
    const fake = await server();
    fake.script({ kind: "error", status: 500, message: "CUDA error: out of memory" });
    const run = await extract(2, () => engine(fake.baseUrl));
    expect(run.summary).toMatchObject({ state: "done", done: 1, failed: 1, total: 2 });
    const reason = `generation-failed: the inference server at 127.0.0.1:${fake.port} answered POST /chat/completions with HTTP 500 Internal Server Error: CUDA error: out of memory`;
    expect(run.letters.map((event) => [event.status, event.error])).toEqual([
      ["failed", reason],
      ["ok", null],
    ]);
    expect(run.rows.map((row) => [row.status, row.error])).toEqual([
      ["failed", reason],
      ["ok", null],
    ]);
    expect(fake.chatRequests()).toHaveLength(2);

    // --retry-failed sends only the failed letter again; the server is well now.
    const again = await runExtraction({ db: run.db, engine: engine(fake.baseUrl), model: run.model, prompt }, { retryFailed: true });
    expect(again).toMatchObject({ done: 1, failed: 0, total: 1 });
    run.db.close();
  });

  it("a letter over the time limit fails as a timeout and the batch goes on", async () => {
    // The first letter hangs every time (the queue may give a timed-out letter a second try).
    const slow = demo[0]?.text;
    const fake = await server({ replyFor: (request) => (request.messages[1]?.content === slow ? { kind: "hang", ms: 10_000 } : undefined) });
    const started = Date.now();
    const run = await extract(2, () => engine(fake.baseUrl, { timeoutMs: 400 }));
    expect(run.letters.map((event) => event.status)).toEqual(["failed", "ok"]);
    expect(run.letters[0]?.error).toMatch(new RegExp(`^timeout: no result within 0\\.4 s from the inference server at 127\\.0\\.0\\.1:${fake.port}`));
    expect(Date.now() - started).toBeLessThan(5000);
    run.db.close();
  });

  it("the time limit covers waits between retries too", async () => {
    const fake = await server();
    fake.script({ kind: "error", status: 503, message: "busy", retryAfter: "30" });
    const made = engine(fake.baseUrl, { timeoutMs: 300 });
    await expect(made.complete("x")).rejects.toMatchObject({ kind: "timeout" });
  });

  it("output cut off at max_tokens (finish_reason length) is reported as such", async () => {
    const fake = await server();
    fake.script({ kind: "completion", content: '{"primary_cancer": {"site": "Left bre', finishReason: "length" });
    const run = await extract(1, () => engine(fake.baseUrl, { maxTokens: 24 }));
    expect(run.letters[0]?.error).toBe("output-cut-off: the output reached the 24-token limit before the document was complete (--max-tokens)");
    expect((fake.chatRequests()[0]?.body as { max_tokens: number }).max_tokens).toBe(24);
    run.db.close();

    // The error carries what was generated, so a benchmark counts the work as done.
    fake.script({ kind: "completion", content: '{"primary_cancer": {"site": "Left bre', finishReason: "length" });
    await expect(engine(fake.baseUrl, { maxTokens: 24 }).complete("x")).rejects.toMatchObject({ kind: "output-cut-off", partial: { text: '{"primary_cancer": {"site": "Left bre' } });
  });

  it("an answer whose body is not JSON, or whose content is not a timeline, fails that letter with the reason", async () => {
    const fake = await server();
    fake.script(
      { kind: "raw", status: 200, body: "<html>proxy error</html>", contentType: "text/html" },
      { kind: "completion", content: "Sure! Here is the timeline:" },
      { kind: "completion", content: '{"primary_cancer": {}}' },
    );
    const run = await extract(3, () => engine(fake.baseUrl));
    expect(run.letters.map((event) => event.error)).toEqual([
      `generation-failed: the inference server at 127.0.0.1:${fake.port} answered with a body that is not JSON (24 chars, starts "<html>proxy error</html>")`,
      expect.stringMatching(/^invalid output: output is not JSON: /),
      expect.stringMatching(/^invalid output: output does not match the timeline schema: primary_cancer.cancer_timeline/),
    ]);
    run.db.close();
  });

  it("a server that cannot be reached fails each letter with 'could not reach the inference server at HOST'", async () => {
    const fake = await server();
    const { port } = fake;
    await fake.close();
    servers.length = 0;
    const run = await extract(2, () => engine(`http://127.0.0.1:${port}/v1`));
    expect(run.summary).toMatchObject({ done: 0, failed: 2 });
    for (const event of run.letters) {
      expect(event.error).toBe(`generation-failed: could not reach the inference server at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
    }
    // start() reports the same before any letter is claimed, for the CLI to fail fast.
    await expect(engine(`http://127.0.0.1:${port}/v1`).start()).rejects.toThrow(`could not reach the inference server at 127.0.0.1:${port}`);
    run.db.close();
  });

  it("a redirect is never followed (letters go only to the server named)", async () => {
    const fake = await server();
    fake.script({ kind: "raw", status: 307, body: "", headers: { location: "https://api.openai.com/v1/chat/completions" } });
    const made = engine(fake.baseUrl);
    await expect(made.complete("x")).rejects.toThrow(`the inference server at 127.0.0.1:${fake.port} answered POST /chat/completions with a redirect (HTTP 307); redirects are not followed`);
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it("the API key never appears in error messages, stored errors or events, even when the server echoes it", async () => {
    const fake = await server({ apiKey: "sk-the-right-key" });
    const run = await extract(2, () => engine(fake.baseUrl, { model: "onco-8b" }));
    expect(run.summary).toMatchObject({ done: 0, failed: 2 });
    // The model list is the first call: it is refused, and each letter fails with the reason.
    expect(run.letters[0]?.error).toBe(
      `generation-failed: the inference server at 127.0.0.1:${fake.port} answered GET /models with HTTP 401 Unauthorized: Incorrect API key provided: [api key]`,
    );
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const everything = JSON.stringify([run.events, run.rows, run.db.prepare("SELECT * FROM extractions").all(), run.db.prepare("SELECT * FROM job_items").all()]);
    expect(everything).toContain("[api key]");
    expect(everything).not.toContain(API_KEY);
    run.db.close();
  });

  it("picks the server's only model when none is given; names the choices when it serves several or not the one asked for", async () => {
    const one = await server({ models: ["llama-3.1-8b-onco"] });
    const picked = engine(one.baseUrl, { model: undefined });
    expect(picked.description).toBe(`openai-compatible (${one.baseUrl}, model chosen by the server)`);
    await picked.start();
    expect(picked.description).toBe(`openai-compatible (${one.baseUrl}, model llama-3.1-8b-onco)`);
    await picked.complete("x");
    expect((one.chatRequests()[0]?.body as { model: string }).model).toBe("llama-3.1-8b-onco");

    const several = await server({ models: ["a-model", "b-model"] });
    await expect(engine(several.baseUrl, { model: undefined }).start()).rejects.toThrow(
      new EngineError("load-failed", `the inference server at 127.0.0.1:${several.port} serves several models (a-model, b-model); choose one`),
    );
    await expect(engine(several.baseUrl, { model: "c-model" }).complete("x")).rejects.toMatchObject({
      kind: "load-failed",
      message: `the inference server at 127.0.0.1:${several.port} does not serve model "c-model"; it serves: a-model, b-model`,
    });
  });

  it("accepts a server without /models; the server's own error message is passed on", async () => {
    const fake = await server({ noModelsEndpoint: true });
    const named = engine(fake.baseUrl);
    await named.start();
    expect(JSON.parse((await named.complete("x")).text)).toEqual(CANNED_TIMELINE);
    await expect(engine(fake.baseUrl, { model: undefined }).complete("x")).rejects.toMatchObject({
      kind: "generation-failed",
      message: `the inference server at 127.0.0.1:${fake.port} answered POST /chat/completions with HTTP 400 Bad Request: you must provide a model parameter`,
    });
  });

  it("keeps `parallel` letters in flight at once through runExtraction", async () => {
    const fake = await server();
    fake.script(...Array.from({ length: 4 }, () => ({ kind: "completion", delayMs: 300 }) as const));
    const made = () => engine(fake.baseUrl, { parallel: 4 });
    expect(made().capacity).toBe(4);
    const started = Date.now();
    const run = await extract(4, made);
    expect(run.summary).toMatchObject({ done: 4, failed: 0 });
    expect(fake.maxConcurrent()).toBe(4);
    expect(Date.now() - started).toBeLessThan(1100);
    // One model list for all the letters, even though they started together.
    expect(fake.requests.filter((r) => r.path === "/v1/models")).toHaveLength(1);
    run.db.close();
  });

  it("close() aborts a letter in flight", async () => {
    const fake = await server();
    fake.script({ kind: "hang", ms: 10_000 });
    const made = engine(fake.baseUrl);
    await made.start();
    const pending = made.complete("x");
    setTimeout(() => void made.close(), 100);
    await expect(pending).rejects.toThrow("the engine was closed");
    await expect(made.complete("x")).rejects.toThrow("the engine is closed");
  });
});
