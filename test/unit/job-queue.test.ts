import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { writeResultsFile } from "../../src-main/extract/resultsFile.ts";
import { inShard } from "../../src-main/extract/shards.ts";
import type { Db } from "../../src-main/store/db.ts";
import { createJob, deleteJobIfEmpty, getJob, itemCounts as jobCounts, pendingItemsAfter } from "../../src-main/jobs/jobStore.ts";
import { queueLettersNeedingExtraction } from "../../src-main/extract/letterQueue.ts";
import { ExtractionBusyError, runExtraction } from "../../src-main/extract/queue.ts";
import { registerModelRecord } from "../../src-main/store/models.ts";
import { saveResult, storeWithLetters as storeWithLettersIn } from "../helpers/storeWithResults.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();

const storeWithLetters = (n: number) => storeWithLettersIn(tempDir(), n);

/** Every pending letter of the job, read page by page as the extraction queue reads it. */
function readPages(db: Db, jobId: number, pageSize: number): number[][] {
  const pages: number[][] = [];
  for (let after = 0, page = pendingItemsAfter(db, jobId, after, pageSize); page.length > 0; page = pendingItemsAfter(db, jobId, after, pageSize)) {
    // An extraction item's seq is its letter's id.
    pages.push(page.map((item) => item.seq));
    after = page.at(-1)?.seq as number;
  }
  return pages;
}

describe("extraction job queue", () => {
  it("writes a shard's result file page by page: every processed letter of the shard once, in letter order", () => {
    // More of the shard's letters than a page (1,000), so the file spans pages.
    const { db, letters } = storeWithLetters(3_600);
    const model = registerModelRecord(db, { name: "m", path: "/m.gguf", bytes: 1, fingerprint: "f" });
    const unprocessed = new Set(letters.filter((_, i) => i % 10 === 0).map((l) => l.id));
    db.transaction(() => {
      for (const l of letters) if (!unprocessed.has(l.id)) saveResult(db, l.id, model.id, "ok");
    })();
    const shard = { index: 2, count: 3 };
    const out = path.join(tempDir(), "shard.jsonl");
    const written = writeResultsFile(db, model, shard, out);
    const checksums = readFileSync(out, "utf8").trim().split("\n").map((line) => (JSON.parse(line) as { checksum: string }).checksum);
    const expected = letters.filter((l) => !unprocessed.has(l.id) && inShard(l.checksum, shard)).map((l) => l.checksum);
    expect(expected.length).toBeGreaterThan(1_000);
    expect(checksums).toEqual(expected);
    expect(written.lines).toBe(expected.length);
    expect(writeResultsFile(db, model, undefined, out).lines).toBe(letters.length - unprocessed.size);
  });

  it("queues the letters without a result for the model, and with retryFailed those that failed; pages come in letter order", () => {
    const { db, letters } = storeWithLetters(7);
    const model = registerModelRecord(db, { name: "m", path: "/m.gguf", bytes: 1, fingerprint: "f" });
    const other = registerModelRecord(db, { name: "other", path: "/o.gguf", bytes: 1, fingerprint: "o" });
    const [ok, failed, elsewhere] = letters.map((l) => ({ id: l.id })) as [{ id: number }, { id: number }, { id: number }];
    saveResult(db, ok.id, model.id, "ok");
    saveResult(db, failed.id, model.id, "failed");
    // A result for another model does not count for this one.
    saveResult(db, elsewhere.id, other.id, "ok");

    const job = createJob(db, { kind: "extract", modelId: model.id, params: {} });
    expect(queueLettersNeedingExtraction(db, job, model.id, { retryFailed: false })).toBe(5);
    const pages = readPages(db, job, 2);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(letters.map((l) => l.id).filter((id) => id !== ok.id && id !== failed.id));
    // Queuing again adds nothing twice.
    expect(queueLettersNeedingExtraction(db, job, model.id, { retryFailed: false })).toBe(0);
    expect(jobCounts(db, job).total).toBe(5);

    const retry = createJob(db, { kind: "extract", modelId: model.id, params: {} });
    expect(queueLettersNeedingExtraction(db, retry, model.id, { retryFailed: true })).toBe(6);
    expect(readPages(db, retry, 100).flat()).toContain(failed.id);
  });

  it("a letter that failed in the job goes back to pending; one done stays done", () => {
    const { db, letters } = storeWithLetters(2);
    const model = registerModelRecord(db, { name: "m", path: "/m.gguf", bytes: 1, fingerprint: "f" });
    const job = createJob(db, { kind: "extract", modelId: model.id, params: {} });
    queueLettersNeedingExtraction(db, job, model.id, { retryFailed: true });
    const [done, failed] = letters.map((l) => ({ id: l.id })) as [{ id: number }, { id: number }];
    db.prepare("UPDATE job_items SET state = 'done' WHERE seq = ?").run(done.id);
    db.prepare("UPDATE job_items SET state = 'failed' WHERE seq = ?").run(failed.id);
    saveResult(db, done.id, model.id, "ok");
    saveResult(db, failed.id, model.id, "failed");
    expect(queueLettersNeedingExtraction(db, job, model.id, { retryFailed: true })).toBe(1);
    expect(jobCounts(db, job)).toMatchObject({ pending: 1, done: 1, failed: 0 });
  });

  it("splits the letters into shards exactly as the JavaScript split does: each letter in one shard", () => {
    const { db, letters } = storeWithLetters(40);
    const model = registerModelRecord(db, { name: "m", path: "/m.gguf", bytes: 1, fingerprint: "f" });
    const seen: number[] = [];
    for (const index of [1, 2, 3]) {
      const shard = { index, count: 3 };
      const job = createJob(db, { kind: `extract:${index}/3`, modelId: model.id, params: {} });
      queueLettersNeedingExtraction(db, job, model.id, { retryFailed: false, shard });
      const queued = readPages(db, job, 7).flat();
      expect(queued).toEqual(letters.filter((l) => inShard(l.checksum, shard)).map((l) => l.id));
      expect(queued.length).toBeGreaterThan(0);
      seen.push(...queued);
    }
    expect(seen.sort((a, b) => a - b)).toEqual(letters.map((l) => l.id));
  });

  it("deletes a job only while it has no items", () => {
    const { db } = storeWithLetters(1);
    const model = registerModelRecord(db, { name: "m", path: "/m.gguf", bytes: 1, fingerprint: "f" });
    const empty = createJob(db, { kind: "extract", modelId: model.id, params: {} });
    deleteJobIfEmpty(db, empty);
    expect(getJob(db, empty)).toBeUndefined();
    const busy = createJob(db, { kind: "extract", modelId: model.id, params: {} });
    queueLettersNeedingExtraction(db, busy, model.id, { retryFailed: false });
    deleteJobIfEmpty(db, busy);
    expect(getJob(db, busy)?.id).toBe(busy);
  });

  it("refuses to run a model's extraction while another live process runs it, naming the model and the process", async () => {
    const { db } = storeWithLetters(2);
    const model = registerModelRecord(db, { name: "onco-8b", path: "/m.gguf", bytes: 1, fingerprint: "f" });
    const job = createJob(db, { kind: "extract", modelId: model.id, params: {} });
    queueLettersNeedingExtraction(db, job, model.id, { retryFailed: false });
    // The parent process (vitest's) is alive: it stands for the other extraction.
    db.prepare("UPDATE jobs SET owner_pid = ? WHERE id = ?").run(process.ppid, job);
    // Refused before the engine is touched.
    const run = runExtraction({ db, engine: undefined as never, model, prompt: { text: "", version: "v" } }, { retryFailed: false });
    await expect(run).rejects.toThrow(ExtractionBusyError);
    await expect(runExtraction({ db, engine: undefined as never, model, prompt: { text: "", version: "v" } }, { retryFailed: false })).rejects.toThrow(
      `another extraction with model "onco-8b" is running on this data folder (process ${process.ppid}); wait for it or stop it first`,
    );
    expect(getJob(db, job)?.owner_pid).toBe(process.ppid);
  });
});
