/**
 * The synthetic studio through the service API the UI uses, with the real SDK against the loopback
 * Anthropic server: a sampled grid, a background generation job with cost, the letters beside
 * their gold, and a reviewer's verdict.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createServices, type Services } from "../../src-main/api/services.ts";
import { dispatchApiCall } from "../../src-main/api/dispatch.ts";
import type { ApiName, ApiOutput } from "../../src-shared/api.ts";
import { FAKE_API_KEY, FakeAnthropic, fakeTeacher } from "../helpers/fakeAnthropic.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
let fake: FakeAnthropic;
let services: Services;
const saved = { key: process.env.ANTHROPIC_API_KEY, url: process.env.ANTHROPIC_BASE_URL };

beforeEach(async () => {
  fake = await FakeAnthropic.start({ respond: fakeTeacher, pollsUntilEnded: 1 });
  services = createServices({ dataDir: tempDir(), log: () => {} });
});
afterEach(async () => {
  await services.close();
  await fake.close();
  process.env.ANTHROPIC_API_KEY = saved.key;
  process.env.ANTHROPIC_BASE_URL = saved.url;
  if (saved.key === undefined) delete process.env.ANTHROPIC_API_KEY;
  if (saved.url === undefined) delete process.env.ANTHROPIC_BASE_URL;
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
});
