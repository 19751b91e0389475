import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { batchStatus } from "../../src-main/extract/batchStatus.ts";
import { writeResultsFile } from "../../src-main/extract/resultsFile.ts";
import { inShard } from "../../src-main/extract/shards.ts";
import type { Db } from "../../src-main/store/db.ts";
import { registerModelRecord, type ModelRow } from "../../src-main/store/models.ts";
import { saveResult, storeWithLetters as storeWithLettersIn } from "../helpers/storeWithResults.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();

function storeWithLetters(n: number): { db: Db; model: ModelRow; letters: { id: number; checksum: string }[] } {
  const { db, letters } = storeWithLettersIn(tempDir(), n);
  return { db, letters, model: registerModelRecord(db, { name: "m", path: "/m.gguf", bytes: 1, fingerprint: "f" }) };
}

describe("batch-status: a sharded batch's progress from its result files", () => {
  it("counts each shard's letters done (each once, ok over failed), names a missing shard, and flags lines it cannot read", async () => {
    const { db, model, letters } = storeWithLetters(60);
    const of = (index: number) => letters.filter((letter) => inShard(letter.checksum, { index, count: 3 }));
    const dir = tempDir();

    // Shard 1 finished: every letter ok but one failed.
    of(1).forEach((letter, i) => saveResult(db, letter.id, model.id, i === 0 ? "failed" : "ok"));
    writeResultsFile(db, model, { index: 1, count: 3 }, path.join(dir, "shard-1-of-3.jsonl"));
    // Shard 2 half way, as a running shard's file looks: a failed letter retried ok further down,
    // a result from a letter of another corpus, and the line being appended.
    const shard2 = path.join(dir, "shard-2-of-3.jsonl");
    const half = of(2).slice(0, Math.floor(of(2).length / 2));
    for (const letter of half) saveResult(db, letter.id, model.id, "failed", "timeout");
    writeResultsFile(db, model, { index: 2, count: 3 }, shard2);
    const retried = half[0] as { id: number };
    saveResult(db, retried.id, model.id, "ok");
    const okLine = readFileSync(writeResultsFile(db, model, { index: 2, count: 3 }, path.join(tempDir(), "x.jsonl")).path, "utf8").split("\n")[0] as string;
    appendFileSync(shard2, `${okLine}\n`);
    appendFileSync(shard2, `${okLine.replace(/"checksum":"[0-9a-f]{64}"/, `"checksum":"${"0".repeat(64)}"`)}\n`);
    appendFileSync(shard2, okLine.slice(0, 40));
    writeFileSync(path.join(dir, "notes.txt"), "not a shard file");

    const status = await batchStatus(db, dir);
    expect(status.count).toBe(3);
    expect(status.shards.map(({ lastWrite, file, ...rest }) => ({ ...rest, file: file && path.basename(file), written: lastWrite !== null }))).toEqual([
      { shard: "1/3", letters: of(1).length, ok: of(1).length - 1, failed: 1, file: "shard-1-of-3.jsonl", written: true, unreadable: 0, notInStore: 0 },
      { shard: "2/3", letters: of(2).length, ok: 2, failed: half.length - 1, file: "shard-2-of-3.jsonl", written: true, unreadable: 1, notInStore: 1 },
      { shard: "3/3", letters: of(3).length, ok: 0, failed: 0, file: null, written: false, unreadable: 0, notInStore: 0 },
    ]);
    expect(status.letters).toBe(60);
    expect(status.ok + status.failed).toBe(of(1).length + half.length + 1);
  });

  it("refuses a folder without shard files, or with files of two different splits", async () => {
    const { db } = storeWithLetters(1);
    const dir = tempDir();
    await expect(batchStatus(db, dir)).rejects.toThrow(/no shard result files \(shard-I-of-N\.jsonl\) in /);
    writeFileSync(path.join(dir, "shard-1-of-3.jsonl"), "");
    writeFileSync(path.join(dir, "shard-1-of-4.jsonl"), "");
    await expect(batchStatus(db, dir)).rejects.toThrow(/holds result files of different splits \(of 3, of 4\): one batch per folder/);
  });
});
