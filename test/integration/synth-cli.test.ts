/**
 * `oncotimeline synth ...` as a user runs it: the real CLI process, the real SDK, the loopback
 * Anthropic stand-in reached through ANTHROPIC_BASE_URL.
 */
import Database from "better-sqlite3";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gridToCsv } from "../../src-main/synth/grid.ts";
import { sampleGrid } from "../../src-main/synth/gridSampler.ts";
import { runCli } from "../helpers/cli.ts";
import { FAKE_API_KEY, FakeAnthropic, fakeTeacher } from "../helpers/fakeAnthropic.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await FakeAnthropic.start({ respond: fakeTeacher });
});
afterEach(async () => {
  await fake.close();
});

const env = (): Record<string, string> => ({ ANTHROPIC_API_KEY: FAKE_API_KEY, ANTHROPIC_BASE_URL: fake.url });
const N = 8;

describe("oncotimeline synth", () => {
  it("kill -9 in the middle of synth generate, then the same command again: no letter lost, none stored twice", async () => {
    const data = tempDir();
    fake.delayMs = 400; // slow enough that the kill lands with requests in flight
    const args = ["--data", data, "--json", "synth", "generate", "--n", String(N), "--parallel", "2"];
    let items = 0;
    const first = await runCli(args, { env: env(), onEvent: (event, child) => event.type === "item" && ++items === 3 && child.kill("SIGKILL") });
    expect(first.code).toBeNull(); // killed
    const firstKeys = first.events.filter((e) => e.type === "item").map((e) => e.key);
    expect(firstKeys.length).toBeGreaterThanOrEqual(3);
    expect(firstKeys.length).toBeLessThan(N);

    fake.delayMs = 0;
    const second = await runCli(args, { env: env() });
    expect(second.code, second.stderr).toBe(0);
    expect(second.events[0]).toMatchObject({ type: "start", resumed: true, total: N, done: firstKeys.length });
    const secondKeys = second.events.filter((e) => e.type === "item").map((e) => e.key);
    expect(secondKeys.filter((key) => firstKeys.includes(key))).toEqual([]);
    expect(new Set([...firstKeys, ...secondKeys]).size).toBe(N);
    expect(second.events.at(-1)).toMatchObject({ type: "summary", state: "done", done: N, failed: 0 });

    const db = new Database(path.join(data, "oncotimeline.sqlite"), { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(db.prepare("SELECT count(*) AS n, count(DISTINCT item_key) AS k, sum(state = 'done') AS d FROM job_items").get()).toEqual({ n: N, k: N, d: N });
    expect(db.prepare("SELECT count(*) AS n, count(DISTINCT item_id) AS i FROM synth_letters").get()).toEqual({ n: N, i: N });
    expect(db.prepare("SELECT count(*) AS n FROM jobs WHERE kind LIKE 'synth:%'").get()).toEqual({ n: 1 });
    expect(db.prepare("SELECT count(*) AS n FROM letters").get()).toEqual({ n: 0 });
    db.close();

    const third = await runCli(args, { env: env() });
    expect(third.code).toBe(0);
    expect(third.events.filter((e) => e.type === "item")).toEqual([]);
  });

  it("status, qa and export: counts, cost and reasons; accepted letters with gold and QA pairs as JSONL", async () => {
    const data = tempDir();
    expect((await runCli(["--data", data, "synth", "generate", "--n", "3"], { env: env() })).code).toBe(0);
    const qa = await runCli(["--data", data, "--json", "synth", "qa", "--letters", "2"], { env: env() });
    expect(qa.code, qa.stderr).toBe(0);
    expect(qa.events.at(-1)).toMatchObject({ type: "summary", state: "done", done: 2 });

    const status = await runCli(["--data", data, "--json", "synth", "status"]);
    expect(status.code).toBe(0);
    expect(status.events[0]).toMatchObject({ type: "summary", letters: { accepted: 3, flagged: 0, rejected: 0 }, qa: { accepted: 14, rejected: 2 } });
    expect((status.events[0] as { costUsd: number }).costUsd).toBeGreaterThan(0);
    const human = await runCli(["--data", data, "synth", "status"]);
    expect(human.stdout).toMatch(/Letters: 3 accepted, 0 flagged, 0 rejected\. Cost so far: \$0\.\d{4}\./);
    expect(human.stdout).toMatch(/source-not-verbatim: 2/);

    const out = path.join(tempDir(), "synth.jsonl");
    expect((await runCli(["--data", data, "synth", "export", "--out", out])).code).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { letter: string; gold: { primary_cancer: unknown }; qa: unknown[] });
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.qa.length)).toEqual([7, 7, 0]);
    expect(lines[0]?.gold.primary_cancer).toBeDefined();
  });

  it("--grid FILE --batch: the rows of a grid CSV through one Message Batch, with live cost events", async () => {
    const data = tempDir();
    const grid = path.join(tempDir(), "grid.csv");
    writeFileSync(grid, gridToCsv(sampleGrid(3, undefined, 5)));
    const result = await runCli(["--data", data, "--json", "synth", "generate", "--grid", grid, "--batch", "--poll-seconds", "1", "--budget", "20"], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.events.filter((e) => e.type === "batch").map((e) => e.status)).toEqual(["submitted", "ended"]);
    const items = result.events.filter((e) => e.type === "item") as { totalCostUsd: number }[];
    expect(items).toHaveLength(3);
    expect(items.map((e) => e.totalCostUsd)).toEqual([...items.map((e) => e.totalCostUsd)].sort((a, b) => a - b));
    expect(result.events.at(-1)).toMatchObject({ type: "summary", state: "done", done: 3, budgetUsd: 20 });
    expect(fake.requests.filter((r) => r.path === "/v1/messages")).toHaveLength(0);
  });

  it("usage errors exit 2: no API key, no --n or --grid, a bad budget", async () => {
    const data = tempDir();
    const noKey = await runCli(["--data", data, "synth", "generate", "--n", "2"], { env: { ANTHROPIC_API_KEY: "", ANTHROPIC_BASE_URL: fake.url } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/set ANTHROPIC_API_KEY/);
    expect((await runCli(["--data", data, "synth", "generate"], { env: env() })).stderr).toMatch(/needs --n N/);
    const budget = await runCli(["--data", data, "synth", "generate", "--n", "2", "--budget", "-1"], { env: env() });
    expect(budget.code).toBe(2);
    expect(fake.requests).toHaveLength(0);
  });
});
