import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AnthropicClient,
  AnthropicRequestError,
  DEFAULT_MODEL,
  costUsd,
  type AnthropicClientOptions,
  type KnownModel,
  type SynthLogger,
} from "../../src-main/synth/anthropicClient.ts";
import { asExpertExample, asPromptText, isSyntheticText, synthetic } from "../../src-main/synth/syntheticText.ts";
import { DEFAULT_LETTER_RESPONSE, FAKE_API_KEY, FakeAnthropic, type MessageBody } from "../helpers/fakeAnthropic.ts";

const PRICES = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 };

// Many-shot context: large enough (> 1024 tokens at chars/4) to be cacheable.
const LETTER_TYPES = asPromptText(
  "Letter types: new patient consultation, follow-up, MDT outcome, treatment summary. ".repeat(40),
  { name: "letter-types" },
);
const EXAMPLE = asExpertExample(
  "Dear Dr Example,\\nI saw Mrs Synthetic Patient today in the breast clinic. ".repeat(40),
  { file: "prompts/synth/examples/breast-follow-up.txt" },
);
const gridRow = (n: number) => synthetic`Write letter ${n}: a follow-up letter, stable disease, complex treatment.`;

type Logged = { level: string; message: string };
function collectingLogger(): { logger: SynthLogger; lines: Logged[] } {
  const lines: Logged[] = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, lines };
}

let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await FakeAnthropic.start();
});
afterEach(async () => {
  await fake.close();
  vi.unstubAllEnvs();
});

function client(extra: Partial<AnthropicClientOptions> = {}): AnthropicClient {
  return new AnthropicClient({
    apiKey: FAKE_API_KEY,
    baseURL: fake.url,
    prices: PRICES,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    logger: collectingLogger().logger,
    ...extra,
  });
}

describe("AnthropicClient against the fake API with the real SDK", () => {
  it("sends one message with the many-shot context cached and returns text, usage and cost", async () => {
    const result = await client().generate({ system: [LETTER_TYPES, EXAMPLE], user: gridRow(1), maxTokens: 8192 });

    expect(isSyntheticText(result.text)).toBe(true);
    expect(result.text.origin).toMatchObject({ kind: "generated", model: DEFAULT_MODEL });
    expect(JSON.parse(result.text.text)).toEqual(JSON.parse(DEFAULT_LETTER_RESPONSE));
    expect(result.stopReason).toBe("end_turn");
    expect(result.usage.cacheWrite).toBeGreaterThan(1024);
    expect(result.usage.cacheRead).toBe(0);
    expect(result.usage.input).toBeGreaterThan(0);
    expect(result.usage.output).toBeGreaterThan(0);
    const { input, output, cacheWrite, cacheRead } = result.usage;
    expect(result.costUsd).toBeCloseTo((input * 3 + output * 15 + cacheWrite * 3.75 + cacheRead * 0.3) / 1e6, 12);

    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.path).toBe("/v1/messages");
    expect(request.headers.authorization).toBe(`Bearer ${FAKE_API_KEY}`); // how SDK 1.x sends the key
    expect(request.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const body = request.body as MessageBody;
    expect(body.model).toBe(DEFAULT_MODEL);
    expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "model", "system"]); // no temperature in API 2026-10-21
    expect(body.max_tokens).toBe(8192);
    expect(body.system).toEqual([
      { type: "text", text: LETTER_TYPES.text },
      { type: "text", text: EXAMPLE.text, cache_control: { type: "ephemeral" } },
    ]);
    expect(body.messages).toEqual([{ role: "user", content: "Write letter 1: a follow-up letter, stable disease, complex treatment." }]);
  });

  it("pays for the context once: the second request reads the cache and costs less", async () => {
    const c = client();
    const first = await c.generate({ system: [LETTER_TYPES, EXAMPLE], user: gridRow(1), maxTokens: 4096 });
    const second = await c.generate({ system: [LETTER_TYPES, EXAMPLE], user: gridRow(2), maxTokens: 4096 });
    expect(first.usage.cacheWrite).toBeGreaterThan(0);
    expect(second.usage.cacheWrite).toBe(0);
    expect(second.usage.cacheRead).toBe(first.usage.cacheWrite);
    expect(second.costUsd).toBeLessThan(first.costUsd);
    expect(second.costUsd).toBeCloseTo(costUsd(second.usage, PRICES), 12);
  });

  it("reports a cut-off generation through stopReason", async () => {
    const result = await client().generate({ system: [LETTER_TYPES], user: gridRow(1), maxTokens: 5 });
    expect(result.stopReason).toBe("max_tokens");
    expect(result.usage.output).toBe(5);
  });

  it("submits a Message Batch, polls it to the end and reads its results at the batch discount", async () => {
    fake.respond = (body: MessageBody) => JSON.stringify({ content: `letter for: ${String(body.messages[0]?.content)}`, output: {} });
    const c = client();
    const submitted = await c.submitBatch([
      { customId: "row-001", system: [LETTER_TYPES, EXAMPLE], user: gridRow(1), maxTokens: 4096 },
      { customId: "row-002", system: [LETTER_TYPES, EXAMPLE], user: gridRow(2), maxTokens: 4096 },
    ]);
    expect(submitted.processingStatus).toBe("in_progress");
    expect(submitted.counts.processing).toBe(2);

    const polled = await c.pollBatch(submitted.id);
    expect(polled.processingStatus).toBe("in_progress");
    const ended = await c.waitForBatch(submitted.id, { intervalMs: 5, timeoutMs: 5000 });
    expect(ended.processingStatus).toBe("ended");
    expect(ended.counts.succeeded).toBe(2);

    const results = await c.batchResults(submitted.id);
    expect(results.map((r) => r.customId)).toEqual(["row-001", "row-002"]);
    for (const [i, r] of results.entries()) {
      if (!r.ok) throw new Error(r.error);
      expect(isSyntheticText(r.text)).toBe(true);
      expect(JSON.parse(r.text.text).content).toContain(`Write letter ${i + 1}`);
      expect(r.costUsd).toBeCloseTo(costUsd(r.usage, PRICES) * 0.5, 12);
    }
    expect(results[1]!.ok && results[1]!.usage.cacheRead).toBeGreaterThan(0);

    const create = fake.requests.find((r) => r.method === "POST" && r.path === "/v1/messages/batches")!;
    const sent = (create.body as { requests: { custom_id: string; params: MessageBody }[] }).requests;
    expect(sent.map((r) => r.custom_id)).toEqual(["row-001", "row-002"]);
    expect(sent[0]!.params.system).toEqual([
      { type: "text", text: LETTER_TYPES.text },
      { type: "text", text: EXAMPLE.text, cache_control: { type: "ephemeral" } },
    ]);
  });

  it("reports an errored batch item with its reason, next to the ones that succeeded", async () => {
    fake.erroredBatchItems.add("row-bad");
    const c = client();
    const { id } = await c.submitBatch([
      { customId: "row-good", system: [LETTER_TYPES], user: gridRow(1), maxTokens: 100 },
      { customId: "row-bad", system: [LETTER_TYPES], user: gridRow(2), maxTokens: 100 },
    ]);
    const ended = await c.waitForBatch(id, { intervalMs: 1 });
    expect(ended.counts).toMatchObject({ succeeded: 1, errored: 1 });
    const results = await c.batchResults(id);
    expect(results[0]).toMatchObject({ customId: "row-good", ok: true });
    expect(results[1]).toEqual({ customId: "row-bad", ok: false, type: "errored", error: "invalid_request_error: prompt is too long" });
  });

  it("refuses duplicate or malformed custom_ids before sending anything", async () => {
    const c = client();
    const req = { system: [LETTER_TYPES], user: gridRow(1), maxTokens: 10 };
    await expect(c.submitBatch([{ ...req, customId: "a" }, { ...req, customId: "a" }])).rejects.toThrow(/used twice/);
    await expect(c.submitBatch([{ ...req, customId: "has space" }])).rejects.toThrow(/customId must match/);
    expect(fake.requests).toHaveLength(0);
  });

  it("retries a 429 after the server's retry-after, then succeeds", async () => {
    const { logger, lines } = collectingLogger();
    fake.fail({ status: 429, times: 1, retryAfter: 1 });
    const result = await client({ logger }).generate({ system: [LETTER_TYPES], user: gridRow(1), maxTokens: 100 });
    expect(result.text.text.length).toBeGreaterThan(0);
    expect(fake.requests).toHaveLength(2);
    const gap = fake.requests[1]!.at - fake.requests[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(950); // retry-after: 1 s, although the backoff setting is 1 ms
    expect(lines.some((l) => l.level === "warn" && /rate limited \(HTTP 429\); retrying in 1000 ms \(attempt 2 of 5\)/.test(l.message))).toBe(true);
  });

  it("retries a 500 with backoff, then succeeds", async () => {
    fake.fail({ status: 500, times: 2 });
    const result = await client().generate({ system: [LETTER_TYPES], user: gridRow(1), maxTokens: 100 });
    expect(result.stopReason).toBe("end_turn");
    expect(fake.requests).toHaveLength(3);
  });

  it("ends a 529 storm with a clear failure after maxRetries + 1 attempts", async () => {
    fake.fail({ status: 529, times: Infinity });
    const error = await client({ maxRetries: 3 })
      .generate({ system: [LETTER_TYPES], user: gridRow(1), maxTokens: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnthropicRequestError);
    const failure = error as AnthropicRequestError;
    expect(failure.message).toMatch(/^Anthropic generate failed: API overloaded \(HTTP 529\) on all 4 attempts over \d+\.\d s; gave up\. The Anthropic API is overloaded/);
    expect(failure.status).toBe(529);
    expect(failure.attempts).toBe(4);
    expect(failure.requestId).toMatch(/^req_/);
    expect(fake.requests).toHaveLength(4);
  });

  it("gives up clearly when the API cannot be reached at all", async () => {
    const closed = await FakeAnthropic.start();
    const url = closed.url;
    await closed.close();
    const error = await client({ baseURL: url, maxRetries: 2 })
      .generate({ system: [LETTER_TYPES], user: gridRow(1), maxTokens: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnthropicRequestError);
    expect((error as Error).message).toMatch(/^Anthropic generate failed: connection failed \(.*\) on all 3 attempts over/);
  });

  it("does not retry a 400 and says what the API said", async () => {
    const c = client({ model: "" });
    const error = await c.generate({ system: [LETTER_TYPES], user: gridRow(1), maxTokens: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnthropicRequestError);
    expect((error as Error).message).toMatch(/HTTP 400 .*model: Field required/);
    expect(fake.requests.filter((r) => r.path === "/v1/messages")).toHaveLength(1);
  });

  it("never writes the API key into a log line or an error", async () => {
    const { logger, lines } = collectingLogger();
    const c = client({ logger, sdkLogLevel: "debug", maxRetries: 1 });
    await c.generate({ system: [LETTER_TYPES], user: gridRow(1), maxTokens: 100 });
    fake.fail({ status: 429, times: 1, retryAfter: 0 });
    await c.generate({ system: [LETTER_TYPES], user: gridRow(2), maxTokens: 100 });
    fake.fail({ status: 529, times: Infinity });
    const storm = await c.generate({ system: [LETTER_TYPES], user: gridRow(3), maxTokens: 100 }).catch((e: unknown) => e);
    fake.clearFailures();

    const wrongKey = "sk-ant-api03-WRONGkeyWRONGkeyWRONGkey_0123456789";
    const other = collectingLogger();
    const rejected = await client({ apiKey: wrongKey, logger: other.logger, sdkLogLevel: "debug" })
      .generate({ system: [LETTER_TYPES], user: gridRow(4), maxTokens: 100 })
      .catch((e: unknown) => e);
    expect((rejected as Error).message).toMatch(/API key was rejected \(HTTP 401\)/);

    expect(lines.length).toBeGreaterThan(3); // the SDK's debug request logs came through
    const everything = [
      ...lines.map((l) => l.message),
      ...other.lines.map((l) => l.message),
      ...[storm, rejected].flatMap((e) => [String(e), (e as Error).stack ?? "", inspect(e, { depth: 6 }), JSON.stringify(e)]),
      inspect(c, { depth: 6, showHidden: true }),
    ].join("\n");
    expect(everything).not.toContain(FAKE_API_KEY);
    expect(everything).not.toContain(wrongKey);
    expect(everything).not.toContain("FAKEKEY");
  });

  it("uses ANTHROPIC_BASE_URL when no baseURL is given (the SDK's own default)", async () => {
    vi.stubEnv("ANTHROPIC_BASE_URL", fake.url);
    const c = new AnthropicClient({ apiKey: FAKE_API_KEY, prices: PRICES, logger: collectingLogger().logger });
    await c.generate({ system: [LETTER_TYPES], user: gridRow(1), maxTokens: 100 });
    expect(fake.requests).toHaveLength(1);
  });

  it("surfaces the SDK's deprecation warning for the chosen model, once, before any request", async () => {
    const warnings: string[] = [];
    const consoleWarn = vi.spyOn(console, "warn");
    const { logger, lines } = collectingLogger();
    const c = client({ model: "claude-sonnet-4-5", logger, onWarning: (w) => warnings.push(w) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/The model 'claude-sonnet-4-5' is deprecated and will reach end-of-life on/);
    expect(fake.requests).toHaveLength(0); // the check sent nothing

    await c.generate({ system: [LETTER_TYPES], user: gridRow(1), maxTokens: 100 });
    expect(warnings).toHaveLength(1); // each distinct warning once per client
    expect(c.warnings).toEqual(warnings);
    expect(lines.filter((l) => l.level === "warn").map((l) => l.message)).toEqual(warnings);
    expect(consoleWarn).not.toHaveBeenCalled(); // passed on, not printed behind the caller's back
    consoleWarn.mockRestore();
  });

  it("the default model is a current Sonnet the SDK does not warn about", () => {
    const warnings: string[] = [];
    const c = client({ onWarning: (w) => warnings.push(w) });
    expect(c.model).toBe(DEFAULT_MODEL);
    expect(DEFAULT_MODEL).toMatch(/^claude-sonnet-/);
    // DEFAULT_MODEL is typed KnownModel: the SDK's own model list, without the open string arm.
    // @ts-expect-error a name the installed SDK does not list is a compile error
    const unknown: KnownModel = "claude-sonnet-99";
    expect(unknown).toBeTypeOf("string");
    expect(warnings).toEqual([]);
  });

  it("rejects missing keys and bad price settings up front", () => {
    expect(() => new AnthropicClient({ apiKey: "", prices: PRICES })).toThrow(/No Anthropic API key/);
    expect(() => new AnthropicClient({ apiKey: FAKE_API_KEY, prices: { ...PRICES, output: Number.NaN } })).toThrow(/Price setting 'output'/);
  });
});
