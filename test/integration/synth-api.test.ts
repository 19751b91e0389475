/**
 * The synthetic studio through the service API the UI uses, with the real SDK against the loopback
 * Anthropic server: a sampled grid, a background generation job with cost, the letters beside
 * their gold, and a reviewer's verdict.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createServices, type Services } from "../../src-main/api/services.ts";
import { dispatchApiCall } from "../../src-main/api/dispatch.ts";
import type { ApiName, ApiOutput } from "../../src-shared/api.ts";
import { FAKE_API_KEY, FakeAnthropic, fakeTeacher, saveAnthropicEnvironment } from "../helpers/fakeAnthropic.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
let fake: FakeAnthropic;
let services: Services;
let dataDir: string;
let restoreEnvironment: () => void;

beforeEach(async () => {
  restoreEnvironment = saveAnthropicEnvironment();
  fake = await FakeAnthropic.start({ respond: fakeTeacher, pollsUntilEnded: 1 });
  dataDir = tempDir();
  services = createServices({ dataDir, log: () => {} });
});
afterEach(async () => {
  await services.close();
  await fake.close();
  restoreEnvironment();
});

async function call<N extends ApiName>(name: N, input: unknown): Promise<ApiOutput<N>> {
  const result = await dispatchApiCall(services.handlers, name, input);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as ApiOutput<N>;
}

describe("synth API", () => {
  it("refuses to start without an API key, with a message saying where to put it", async () => {
    delete process.env.ANTHROPIC_API_KEY;
    const grid = await call("synth.sampleGrid", { n: 2 });
    await expect(call("synth.generate", { rows: grid.rows })).rejects.toThrow(/no Anthropic API key: add it in Settings/);
    const secrets = await call("secrets.status", {});
    expect(secrets.canStore).toBe(false);
    expect(secrets.secrets.find((item) => item.name === "anthropic-api-key")).toMatchObject({ stored: false, fromEnvironment: false });
  });

  it("generates a sampled grid in the background with cost, lists letters with gold, and takes a reviewer's verdict", async () => {
    process.env.ANTHROPIC_API_KEY = FAKE_API_KEY;
    process.env.ANTHROPIC_BASE_URL = fake.url;
    const grid = await call("synth.sampleGrid", { n: 4, seed: 3 });
    expect(grid.rows).toHaveLength(4);
    expect(Object.keys(grid.rows[0] ?? {})).toEqual(grid.columns);

    const bad = grid.rows.map((row, i) => (i === 1 ? { ...row, letter_type: "poem" } : row));
    await expect(call("synth.generate", { rows: bad })).rejects.toThrow(/invalid-input: [\s\S]*row 2 .*letter_type/);

    const started = await call("synth.generate", { rows: grid.rows, budgetUsd: 5 });
    expect(started).toMatchObject({ state: "running", total: 4 });
    await services.synth.idle();
    const status = await call("synth.status", {});
    expect(status.current).toMatchObject({ state: "done", done: 4, failed: 0 });
    expect(status.current?.costUsd).toBeGreaterThan(0);
    expect(status.letters.accepted + status.letters.flagged + status.letters.rejected).toBe(4);

    const page = await call("synth.letters", { limit: 10 });
    expect(page.total).toBe(4);
    const first = page.rows[0];
    expect(first?.content).toEqual(expect.any(String));
    expect(first?.gold).toMatchObject({ primary_cancer: expect.any(Object) });

    const rejected = await call("synth.decide", { id: first?.id, status: "rejected" });
    expect(rejected.status).toBe("rejected");
    expect(rejected.reasons.at(-1)).toMatch(/^reviewer: rejected by /);

    // The same grid again sends nothing new: every row already has its letter.
    const requests = fake.requests.length;
    await call("synth.generate", { rows: grid.rows });
    await services.synth.idle();
    expect(fake.requests.length).toBe(requests);
    expect((await call("synth.letters", {})).total).toBe(4);
  });

  it("a generation job runs in the one job runtime: listed, paused (stored), resumed from its own items and cancelled through the jobs calls", async () => {
    process.env.ANTHROPIC_API_KEY = FAKE_API_KEY;
    process.env.ANTHROPIC_BASE_URL = fake.url;
    fake.delayMs = 150;
    const grid = await call("synth.sampleGrid", { n: 12, seed: 5 });
    const started = await call("synth.generate", { rows: grid.rows, budgetUsd: 5 });
    const jobId = started.jobId as number;
    const listed = await call("jobs.list", { limit: 10 });
    expect(listed).toEqual([expect.objectContaining({ id: jobId, kind: "synth:generate", state: "running", model: expect.any(String), engine: "Messages", total: 12, budgetUsd: 5 })]);
    expect(await call("jobs.list", { limit: 10, kind: "extract" })).toEqual([]);

    const pausing = await call("jobs.pause", { id: jobId });
    expect(pausing.message).toMatch(/^pausing/);
    await services.synth.idle();
    const paused = await call("jobs.get", { id: jobId });
    expect(paused).toMatchObject({ state: "paused", errors: [] });
    expect(paused.done).toBeLessThan(12);
    expect(paused.costUsd).toBeGreaterThan(0);
    expect((await call("synth.status", {})).current).toMatchObject({ jobId, state: "paused" });
    // A paused job stays paused for a new process (the store says so, not this one's memory).
    const reopened = createServices({ dataDir, log: () => {} });
    try {
      expect(await reopened.handlers["jobs.get"]({ id: jobId })).toMatchObject({ state: "paused" });
    } finally {
      await reopened.close();
    }

    fake.delayMs = 0;
    const resumed = await call("jobs.resume", { id: jobId });
    expect(resumed.state).toBe("running");
    await services.synth.idle();
    expect(await call("jobs.get", { id: jobId })).toMatchObject({ state: "done", done: 12, pending: 0 });
    // Every row was sent once: the resume went on from the job's items, in the grid's order.
    expect(fake.requests.filter((request) => request.path === "/v1/messages")).toHaveLength(12);
    await expect(call("jobs.resume", { id: jobId })).rejects.toThrow(`conflict: job ${jobId} is done: nothing to resume`);
    await expect(call("jobs.cancel", { id: jobId })).rejects.toThrow(`conflict: job ${jobId} is already done`);

    fake.delayMs = 150;
    const second = await call("synth.generate", { rows: (await call("synth.sampleGrid", { n: 6, seed: 6 })).rows });
    await call("jobs.cancel", { id: second.jobId as number });
    await services.synth.idle();
    expect(await call("jobs.get", { id: second.jobId as number })).toMatchObject({ state: "cancelled" });
    await expect(call("jobs.resume", { id: second.jobId as number })).rejects.toThrow(/is cancelled: nothing to resume/);
  });
});
