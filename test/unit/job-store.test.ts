import Database from "better-sqlite3";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { addItems, claimJob, commitItem, createJob, finishJob, getJob, itemCounts, itemsOfJob, JobBusyError, startItem } from "../../src-main/jobs/jobStore.ts";
import { JobRuns } from "../../src-main/jobs/jobRuns.ts";
import { OWNER_SILENCE_MS, ownedElsewhere } from "../../src-main/jobs/owner.ts";
import { openStore, type Db } from "../../src-main/store/db.ts";
import { MIGRATIONS } from "../../src-main/store/migrations/index.ts";
import { insertSynthLetter } from "../../src-main/store/synth.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const usage = { input: 10, output: 20, cacheWrite: 0, cacheRead: 1000 };

function letter(itemId: number) {
  return { itemId, content: "letter", gold: null, rawOutput: "{}", model: "m", messageId: "msg_1", promptVersion: "v1", status: "accepted" as const, reasons: [], minhash: null };
}

/** Another connection to the same store, as another process would have. */
function asAnotherProcess(dir: string, sql: string, ...params: unknown[]): void {
  const raw = new Database(path.join(dir, "oncotimeline.sqlite"));
  raw.prepare(sql).run(...params);
  raw.close();
}

const newJob = (db: Db, kind = "synth:generate") => createJob(db, { kind, key: `k-${kind}-${Math.random()}`, params: { model: "m", promptVersion: "v1" } });

describe("migration 004_synth", () => {
  it("is registered as version 4 and upgrades a store at version 3 with STRICT tables", () => {
    expect(MIGRATIONS.find((m) => m.name === "synth")?.version).toBe(4);
    const dir = tempDir();
    openStore(dir, MIGRATIONS.filter((m) => m.version < 4)).close();
    const db = openStore(dir, MIGRATIONS.filter((m) => m.version <= 4));
    expect(db.pragma("user_version", { simple: true })).toBe(4);
    const tables = db.prepare("SELECT name, strict FROM pragma_table_list WHERE name LIKE 'synth_%' ORDER BY name").all();
    expect(tables).toEqual(["synth_items", "synth_jobs", "synth_letters", "synth_qa"].map((name) => ({ name, strict: 1 })));
    db.close();
  });
});

describe("the job runtime's store", () => {
  it("a key is stored once per job, and with uniqueInKind once per kind; a result commits once, with its cost", () => {
    const db = openStore(tempDir());
    const job = newJob(db);
    expect(addItems(db, job, [{ key: "a", payload: 1 }, { key: "b", payload: 2 }], { uniqueInKind: "synth:generate" })).toBe(2);
    expect(addItems(db, job, [{ key: "a", payload: 1 }, { key: "c", payload: 3 }], { uniqueInKind: "synth:generate" })).toBe(1);
    // Another job of the kind does not take a key already generated; a job of another kind may.
    expect(addItems(db, newJob(db), [{ key: "b", payload: 2 }, { key: "d", payload: 4 }], { uniqueInKind: "synth:generate" })).toBe(1);
    expect(addItems(db, newJob(db, "synth:qa"), [{ key: "b", payload: 2 }], { uniqueInKind: "synth:qa" })).toBe(1);
    expect(itemsOfJob(db, job).map((item) => [item.item_key, item.seq])).toEqual([["a", 0], ["b", 1], ["c", 2]]);
    const [a] = itemsOfJob(db, job, "pending");
    expect(commitItem(db, a!.id, { state: "done", error: null, usage, costUsd: 0.01 }, () => insertSynthLetter(db, letter(a!.id)))).toBe(true);
    expect(commitItem(db, a!.id, { state: "done", error: null, usage, costUsd: 0.01 }, () => insertSynthLetter(db, letter(a!.id)))).toBe(false);
    expect(db.prepare("SELECT count(*) AS n FROM synth_letters").get()).toEqual({ n: 1 });
    expect(db.prepare("SELECT cost_usd, cache_read_tokens FROM job_items WHERE id = ?").get(a!.id)).toEqual({ cost_usd: 0.01, cache_read_tokens: 1000 });
    expect(() => insertSynthLetter(db, letter(a!.id))).toThrow(/UNIQUE/);
    expect(itemCounts(db, job)).toMatchObject({ done: 1, pending: 2, total: 3 });
    db.close();
  });

  it("a failed write rolls the item back to open, cost included", () => {
    const db = openStore(tempDir());
    const job = newJob(db);
    addItems(db, job, [{ key: "a", payload: 1 }]);
    const [a] = itemsOfJob(db, job, "pending");
    expect(() =>
      commitItem(db, a!.id, { state: "done", error: null, usage, costUsd: 0.01 }, () => {
        throw new Error("disk full");
      }),
    ).toThrow("disk full");
    expect(db.prepare("SELECT state, cost_usd FROM job_items").get()).toEqual({ state: "pending", cost_usd: 0 });
    db.close();
  });

  it("a job run by another live process cannot be taken over; a dead owner's items in progress go back to pending; a budget given on resume replaces the stored one", () => {
    const dir = tempDir();
    const db = openStore(dir);
    const job = createJob(db, { kind: "synth:generate", key: "k", params: {}, budgetUsd: 1 });
    addItems(db, job, [{ key: "a", payload: 1 }, { key: "b", payload: 2 }]);
    expect(claimJob(db, job, { budgetUsd: 3 }).budget_usd).toBe(3);
    expect(claimJob(db, job).budget_usd).toBe(3);
    startItem(db, itemsOfJob(db, job)[0]!.id);
    // The parent process (vitest's) is alive: the job is refused, its running item untouched.
    asAnotherProcess(dir, "UPDATE jobs SET owner_pid = ? WHERE id = ?", process.ppid, job);
    expect(() => claimJob(db, job)).toThrow(JobBusyError);
    expect(() => claimJob(db, job)).toThrow(`job ${job} is being run by process ${process.ppid}; wait for it or stop it first`);
    expect(itemCounts(db, job)).toMatchObject({ running: 1, pending: 1 });
    // A pid no process has: the owner is gone, the job is taken over and its running item is pending again.
    asAnotherProcess(dir, "UPDATE jobs SET owner_pid = 4194304 WHERE id = ?", job);
    expect(claimJob(db, job).owner_pid).toBe(process.pid);
    expect(itemCounts(db, job)).toMatchObject({ running: 0, pending: 2 });
    db.close();
  });

  it("a job owned on another machine counts as alive while it writes, and as abandoned after OWNER_SILENCE_MS of silence", () => {
    const now = Date.parse("2026-12-07T12:00:00Z");
    const owner = { owner_pid: 1, owner_host: "ward-pc-7" };
    expect(ownedElsewhere({ ...owner, updated_at: new Date(now - 60_000).toISOString() }, now)).toBe(true);
    expect(ownedElsewhere({ ...owner, updated_at: new Date(now - OWNER_SILENCE_MS - 1).toISOString() }, now)).toBe(false);
    expect(ownedElsewhere({ owner_pid: null, owner_host: null, updated_at: new Date(now).toISOString() }, now)).toBe(false);
  });
});

describe("JobRuns: pause, cancel and how a job reads, for any kind", () => {
  function tracked(db: Db, runs: JobRuns, kind: string) {
    const job = newJob(db, kind);
    const abort = new AbortController();
    // The runner's own end on a stop: it leaves the job interrupted (as runExtraction and runSynthJob do).
    const work = new Promise<void>((resolve) => abort.signal.addEventListener("abort", () => resolve(finishJob(db, job, "interrupted"))));
    const finished = runs.track(job, abort, work);
    return { job, finished };
  }

  it("a paused run is stored paused (resumable after a restart), a cancelled one cancelled", async () => {
    const db = openStore(tempDir());
    const runs = new JobRuns(db);
    const extraction = tracked(db, runs, "extract");
    const generation = tracked(db, runs, "synth:generate");
    expect(runs.state(getJob(db, extraction.job)!)).toBe("running");
    runs.stop(extraction.job, "pause");
    runs.stop(generation.job, "cancel");
    expect(runs.stopping(extraction.job)).toBe("pause");
    await Promise.all([extraction.finished, generation.finished]);
    expect(getJob(db, extraction.job)).toMatchObject({ state: "paused", owner_pid: null, finished_at: null });
    expect(getJob(db, generation.job)).toMatchObject({ state: "cancelled", owner_pid: null });
    expect(runs.checkResumable(extraction.job).id).toBe(extraction.job);
    expect(() => runs.checkResumable(generation.job)).toThrow(`job ${generation.job} is cancelled: nothing to resume`);
    expect(() => runs.stop(extraction.job, "pause")).toThrow(`job ${extraction.job} is not running`);
    db.close();
  });

  it("a job stored as running whose process is gone reads as interrupted and can be cancelled; one run elsewhere cannot", () => {
    const dir = tempDir();
    const db = openStore(dir);
    const runs = new JobRuns(db);
    const crashed = newJob(db);
    const elsewhere = newJob(db);
    asAnotherProcess(dir, "UPDATE jobs SET owner_pid = 4194304 WHERE id = ?", crashed);
    asAnotherProcess(dir, "UPDATE jobs SET owner_pid = ? WHERE id = ?", process.ppid, elsewhere);
    expect(runs.state(getJob(db, crashed)!)).toBe("interrupted");
    expect(runs.state(getJob(db, elsewhere)!)).toBe("running");
    expect(() => runs.cancelStored(elsewhere)).toThrow(`job ${elsewhere} is running in another process (process ${process.ppid}); stop it there`);
    expect(() => runs.checkResumable(elsewhere)).toThrow(/running in another process/);
    runs.cancelStored(crashed);
    expect(getJob(db, crashed)?.state).toBe("cancelled");
    expect(() => runs.cancelStored(crashed)).toThrow(`job ${crashed} is already cancelled`);
    db.close();
  });
});
