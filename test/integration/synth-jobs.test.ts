/**
 * The generation and QA jobs against the loopback Anthropic API with the real SDK: resumability,
 * batches, the budget cap, --retry-failed, 429 and 529 at job level, and privacy of stored letters.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Db } from "../../src-main/store/db.ts";
import { insertLetter } from "../../src-main/store/letters.ts";
import { synthStatus } from "../../src-main/store/synth.ts";
import { AnthropicClient, SONNET_PRICES_USD_PER_MTOK } from "../../src-main/synth/anthropicClient.ts";
import { runGeneration, type GenerationOptions } from "../../src-main/synth/generateJob.ts";
import type { GridRow } from "../../src-main/synth/grid.ts";
import { sampleGrid } from "../../src-main/synth/gridSampler.ts";
import { runQa } from "../../src-main/synth/qaJob.ts";
import type { SynthEvent } from "../../src-main/synth/synthJob.ts";
import { FAKE_API_KEY, FakeAnthropic, fakeTeacher } from "../helpers/fakeAnthropic.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
let fake: FakeAnthropic;
let db: Db;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeEach(async () => {
  fake = await FakeAnthropic.start({ respond: fakeTeacher, pollsUntilEnded: 1 });
  db = openStore(tempDir());
});
afterEach(async () => {
  db.close();
  await fake.close();
});

function client(): AnthropicClient {
  return new AnthropicClient({ apiKey: FAKE_API_KEY, baseURL: fake.url, prices: SONNET_PRICES_USD_PER_MTOK, retryBaseDelayMs: 1, retryMaxDelayMs: 2, maxRetries: 3, logger: silent });
}

const ROWS: GridRow[] = sampleGrid(6, undefined, 42);

async function generate(extra: Partial<GenerationOptions> = {}) {
  const events: SynthEvent[] = [];
  const summary = await runGeneration({ db, client: client(), rows: ROWS, batchPollMs: 5, onEvent: (e) => events.push(e), ...extra });
  return { summary, events };
}

const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
const messageRequests = (): number => fake.requests.filter((r) => r.method === "POST" && r.path === "/v1/messages").length;

describe("synth generation job", () => {
  it("generates, validates and stores one letter per grid row, with cost from the usage fields; a rerun sends nothing", async () => {
    const { summary, events } = await generate({ parallel: 3 });
    expect(summary).toMatchObject({ state: "done", total: 6, done: 6, failed: 0, pending: 0 });
    expect(count("SELECT count(*) AS n FROM synth_letters WHERE status = 'accepted'")).toBe(6);
    const items = events.filter((e) => e.type === "item");
    expect(items).toHaveLength(6);
    expect(items.at(-1)).toMatchObject({ done: 6, total: 6, letter: "accepted" });
    expect(items.every((e) => e.type === "item" && typeof e.etaSeconds === "number")).toBe(true);
    // The many-shot context is written to the cache once and read after that.
    const usage = db.prepare("SELECT sum(cache_write_tokens) AS w, sum(cache_read_tokens) AS r, sum(cost_usd) AS c FROM job_items").get() as { w: number; r: number; c: number };
    expect(usage.w).toBeGreaterThan(10_000);
    expect(usage.r).toBeGreaterThan(usage.w * 4);
    expect(summary.costUsd).toBeCloseTo(usage.c, 12);
    expect((items.at(-1) as { totalCostUsd: number }).totalCostUsd).toBeCloseTo(usage.c, 12);

    const sent = messageRequests();
    const again = await generate();
    expect(again.summary).toMatchObject({ state: "done", done: 6 });
    expect(messageRequests()).toBe(sent);
    expect(count("SELECT count(*) AS n FROM jobs WHERE kind LIKE 'synth:%'")).toBe(1);
    expect(count("SELECT count(*) AS n FROM synth_letters")).toBe(6);
  });

  it("batch mode: one Message Batch, costs at the 50% discount; a job stopped while polling collects the same batch on resume", async () => {
    const abort = new AbortController();
    const first = await generate({ mode: "batch", signal: abort.signal, onEvent: (e) => e.type === "batch" && e.status === "submitted" && abort.abort() });
    expect(first.summary).toMatchObject({ state: "interrupted", submitted: 6, done: 0 });
    expect(count("SELECT count(DISTINCT external_id) AS n FROM job_items WHERE state = 'submitted'")).toBe(1);

    const second = await generate({ mode: "batch" });
    expect(second.summary).toMatchObject({ state: "done", done: 6, submitted: 0 });
    expect(fake.requests.filter((r) => r.method === "POST" && r.path === "/v1/messages/batches")).toHaveLength(1);
    expect(messageRequests()).toBe(0);
    const row = db.prepare("SELECT sum(input_tokens) AS i, sum(output_tokens) AS o, sum(cache_write_tokens) AS w, sum(cache_read_tokens) AS r, sum(cost_usd) AS c FROM job_items").get() as Record<string, number>;
    const full = ((row.i as number) * 3 + (row.o as number) * 15 + (row.w as number) * 3.75 + (row.r as number) * 0.3) / 1e6;
    expect(row.c).toBeCloseTo(full * 0.5, 12);
    expect(count("SELECT count(*) AS n FROM synth_letters")).toBe(6);
  });

  it("stops cleanly before the budget would be exceeded (budget-reached), and goes on with a higher budget", async () => {
    const first = await generate({ budgetUsd: 0.22, parallel: 1 });
    expect(first.summary.state).toBe("budget-reached");
    expect(first.summary.costUsd).toBeLessThanOrEqual(0.22);
    expect(first.summary.done).toBeGreaterThan(0);
    expect(first.summary.pending).toBeGreaterThan(0);
    expect(first.events.find((e) => e.type === "budget-reached")).toMatchObject({ budgetUsd: 0.22 });
    expect(synthStatus(db).jobs[0]).toMatchObject({ state: "budget-reached", budgetUsd: 0.22 });

    const same = await generate();
    expect(same.summary.state).toBe("budget-reached"); // the stored budget still holds

    const more = await generate({ budgetUsd: 5 });
    expect(more.summary).toMatchObject({ state: "done", done: 6, pending: 0 });
    expect(count("SELECT count(*) AS n FROM synth_letters")).toBe(6);
    expect(count("SELECT count(DISTINCT item_id) AS n FROM synth_letters")).toBe(6);
  });

  it("--retry-failed retries only the failed items", async () => {
    fake.erroredBatchItems.add("item-2").add("item-5");
    const first = await generate({ mode: "batch" });
    expect(first.summary).toMatchObject({ state: "done", done: 4, failed: 2 });
    expect(db.prepare("SELECT id, error FROM job_items WHERE state = 'failed' ORDER BY id").all()).toEqual([
      { id: 2, error: "invalid_request_error: prompt is too long" },
      { id: 5, error: "invalid_request_error: prompt is too long" },
    ]);

    fake.erroredBatchItems.clear();
    await generate();
    expect(messageRequests()).toBe(0); // without the flag, failed items stay failed

    const retried = await generate({ retryFailed: true });
    expect(retried.summary).toMatchObject({ state: "done", done: 6, failed: 0 });
    expect(retried.events[0]).toMatchObject({ type: "start", retried: 2, pending: 2 });
    expect(messageRequests()).toBe(2);
    expect(db.prepare("SELECT item_id FROM synth_letters ORDER BY item_id").all()).toEqual([1, 2, 3, 4, 5, 6].map((item_id) => ({ item_id })));
  });

  it("a 429 then success: the job finishes, each letter stored and paid for once", async () => {
    fake.fail({ status: 429, times: 2 });
    const { summary } = await generate({ parallel: 1 });
    expect(summary).toMatchObject({ state: "done", done: 6, failed: 0 });
    expect(messageRequests()).toBe(8);
    expect(count("SELECT count(*) AS n FROM synth_letters")).toBe(6);
    expect(count("SELECT count(*) AS n FROM job_items WHERE attempts <> 1")).toBe(0);
  });

  it("a 529 storm stops the job with a clear error, loses nothing and sends nothing more; it resumes once the API is back", async () => {
    fake.fail({ status: 529, times: Infinity });
    const { summary, events } = await generate({ parallel: 2 });
    expect(summary.state).toBe("interrupted");
    expect(summary.error).toMatch(/overloaded \(HTTP 529\) on all 4 attempts.*The Anthropic API is overloaded/);
    expect(summary).toMatchObject({ done: 0, failed: 0, pending: 6 });
    expect(events.filter((e) => e.type === "api-error")).toHaveLength(1);
    expect(messageRequests()).toBe(8); // two requests in flight, four attempts each; no third item was started
    expect(synthStatus(db).jobs[0]).toMatchObject({ state: "interrupted", error: summary.error });

    fake.clearFailures();
    const resumed = await generate();
    expect(resumed.summary).toMatchObject({ state: "done", done: 6, error: null });
  });
});

describe("synth QA job and privacy", () => {
  const REAL = "Mrs Adaeze Oduya-Realpatient, NHS 943 476 5919, seen in clinic: her real letter must never leave.";

  it("distils QA pairs from accepted letters only, stores them with their letter, never sends a stored real letter", async () => {
    insertLetter(db, { text: REAL, sourcePath: "/letters/real.txt", sourceRow: null, sourceFormat: "txt", patientExternalId: "P1", letterDate: null });
    await generate();
    expect(count("SELECT count(*) AS n FROM letters")).toBe(1); // synthetic letters never go into `letters`

    const events: SynthEvent[] = [];
    const summary = await runQa({ db, client: client(), letters: 4, onEvent: (e) => events.push(e) });
    expect(summary).toMatchObject({ state: "done", total: 4, done: 4, failed: 0 });
    expect(events.filter((e) => e.type === "item").map((e) => e.type === "item" && [e.accepted, e.rejected])).toEqual([
      [7, 1],
      [7, 1],
      [7, 1],
      [7, 1],
    ]);
    expect(count("SELECT count(*) AS n FROM synth_qa WHERE status = 'accepted'")).toBe(28);
    expect(db.prepare("SELECT DISTINCT reason FROM synth_qa WHERE status = 'rejected'").all()).toEqual([{ reason: "source-not-verbatim: the source quote does not occur in the letter" }]);
    expect(synthStatus(db).qa).toMatchObject({ accepted: 28, rejected: 4, byKind: { yes_no: 8, numeric: 8, not_answerable_yes_no: 8, not_answerable_numeric: 4 } });

    const rest = await runQa({ db, client: client() });
    expect(rest).toMatchObject({ total: 2, done: 2 });
    expect(await runQa({ db, client: client() })).toBeNull();
    expect(fake.receivedText()).not.toContain("Oduya");
  });

  it("a QA answer that is not JSON fails its item (counted, never an empty list); --retry-failed asks again", async () => {
    await generate();
    fake.respond = (body) => (JSON.stringify(body).includes("Question-answer distillation") ? "I cannot help with that." : fakeTeacher(body));
    const first = await runQa({ db, client: client(), letters: 2 });
    expect(first).toMatchObject({ state: "done", failed: 2 });
    expect(db.prepare("SELECT DISTINCT error FROM job_items WHERE state = 'failed'").all()).toEqual([{ error: expect.stringMatching(/^the QA answer is not JSON/) }]);
    fake.respond = fakeTeacher;
    const retried = await runQa({ db, client: client(), retryFailed: true });
    expect(retried).toMatchObject({ state: "done", done: 2, failed: 0 });
  });
});
