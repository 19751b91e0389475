import Database from "better-sqlite3";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src-main/store/db.ts";
import { MIGRATIONS } from "../../src-main/store/migrations/index.ts";
import { addSynthItems, claimSynthJob, commitSynthItem, createSynthJob, insertSynthLetter, synthItemCounts, synthItems } from "../../src-main/store/synth.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const usage = { input: 10, output: 20, cacheWrite: 0, cacheRead: 1000 };

function letter(itemId: number) {
  return { itemId, content: "letter", gold: null, rawOutput: "{}", model: "m", messageId: "msg_1", promptVersion: "v1", status: "accepted" as const, reasons: [], minhash: null };
}

describe("migration 004_synth and the synth store", () => {
  it("is registered as version 4 and upgrades a store at version 3 with STRICT tables", () => {
    expect(MIGRATIONS.find((m) => m.name === "synth")?.version).toBe(4);
    const dir = tempDir();
    openStore(dir, MIGRATIONS.filter((m) => m.version < 4)).close();
    const db = openStore(dir);
    expect(db.pragma("user_version", { simple: true })).toBeGreaterThanOrEqual(4);
    const tables = db.prepare("SELECT name, strict FROM pragma_table_list WHERE name LIKE 'synth_%' ORDER BY name").all();
    expect(tables).toEqual(["synth_items", "synth_jobs", "synth_letters", "synth_qa"].map((name) => ({ name, strict: 1 })));
    db.close();
  });

  it("an idempotency key is stored once; a result commits once, with its cost; a second commit changes nothing", () => {
    const db = openStore(tempDir());
    const job = createSynthJob(db, { kind: "generate", jobKey: "k", model: "m", promptVersion: "v1", budgetUsd: null, params: {} });
    expect(addSynthItems(db, job, [{ key: "a", payload: 1 }, { key: "b", payload: 2 }])).toBe(2);
    expect(addSynthItems(db, job, [{ key: "a", payload: 1 }, { key: "c", payload: 3 }])).toBe(1);
    const [a] = synthItems(db, job, "pending");
    expect(commitSynthItem(db, a!.id, { state: "done", error: null, usage, costUsd: 0.01 }, () => insertSynthLetter(db, letter(a!.id)))).toBe(true);
    expect(commitSynthItem(db, a!.id, { state: "done", error: null, usage, costUsd: 0.01 }, () => insertSynthLetter(db, letter(a!.id)))).toBe(false);
    expect(db.prepare("SELECT count(*) AS n FROM synth_letters").get()).toEqual({ n: 1 });
    expect(db.prepare("SELECT cost_usd, cache_read_tokens FROM synth_items WHERE id = ?").get(a!.id)).toEqual({ cost_usd: 0.01, cache_read_tokens: 1000 });
    expect(() => insertSynthLetter(db, letter(a!.id))).toThrow(/UNIQUE/);
    expect(synthItemCounts(db, job)).toMatchObject({ done: 1, pending: 2, total: 3 });
    db.close();
  });

  it("a failed write rolls the item back to open, cost included", () => {
    const db = openStore(tempDir());
    const job = createSynthJob(db, { kind: "generate", jobKey: "k", model: "m", promptVersion: "v1", budgetUsd: null, params: {} });
    addSynthItems(db, job, [{ key: "a", payload: 1 }]);
    const [a] = synthItems(db, job, "pending");
    expect(() =>
      commitSynthItem(db, a!.id, { state: "done", error: null, usage, costUsd: 0.01 }, () => {
        throw new Error("disk full");
      }),
    ).toThrow("disk full");
    expect(db.prepare("SELECT state, cost_usd FROM synth_items").get()).toEqual({ state: "pending", cost_usd: 0 });
    db.close();
  });

  it("a job run by another live process cannot be taken over; a budget given on resume replaces the stored one", () => {
    const dir = tempDir();
    const db = openStore(dir);
    const job = createSynthJob(db, { kind: "generate", jobKey: "k", model: "m", promptVersion: "v1", budgetUsd: 1, params: {} });
    expect(claimSynthJob(db, job, 3).budget_usd).toBe(3);
    expect(claimSynthJob(db, job, undefined).budget_usd).toBe(3);
    const raw = new Database(path.join(dir, "oncotimeline.sqlite"));
    raw.prepare("UPDATE synth_jobs SET owner_pid = ? WHERE id = ?").run(process.ppid, job);
    raw.close();
    expect(() => claimSynthJob(db, job, undefined)).toThrow(/is being run by process/);
    db.close();
  });
});
