import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appendResults, restoreFromResultsFile } from "../../src-main/extract/liveResultsFile.ts";
import { writeResultsFile } from "../../src-main/extract/resultsFile.ts";
import type { Db } from "../../src-main/store/db.ts";
import { registerModelRecord, type ModelRow } from "../../src-main/store/models.ts";
import { saveResult, storeWithLetters } from "../helpers/storeWithResults.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const MODEL = { name: "m", path: "/m.gguf", bytes: 1, fingerprint: "f" };

/** A node's store: three letters and the model, no results yet. */
function nodeStore(): { db: Db; model: ModelRow; ids: number[] } {
  const { db, letters } = storeWithLetters(tempDir(), 3);
  return { db, model: registerModelRecord(db, MODEL), ids: letters.map((letter) => letter.id) };
}

/** A result file of two of the three letters, as a stopped run leaves it. */
function resultsOfTwo(): string {
  const { db, model, ids } = nodeStore();
  for (const id of ids.slice(0, 2)) saveResult(db, id, model.id, "failed");
  const file = path.join(tempDir(), "shard.jsonl");
  writeResultsFile(db, model, undefined, file);
  db.close();
  return file;
}

const noProblems = (where: string, message: string) => {
  throw new Error(`unexpected problem ${where}: ${message}`);
};

describe("the live result file of extract --out", () => {
  it("appends each finished letter's line as the store holds it, and nothing for a letter without a result", () => {
    const { db, model, ids } = nodeStore();
    const file = path.join(tempDir(), "live.jsonl");
    const appender = appendResults(db, model, file);
    saveResult(db, ids[1] as number, model.id, "failed");
    appender.letterFinished(ids[1] as number);
    appender.letterFinished(ids[2] as number);
    appender.close();
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ source: "/letters/1.txt", status: "failed", error: "invalid output", rawOutput: "{" });
    expect(lines[1]).toBe("");
  });

  it("takes a file's results into a fresh store; the same file again changes nothing", async () => {
    const file = resultsOfTwo();
    const { db, model } = nodeStore();
    expect(await restoreFromResultsFile(db, model, undefined, file, noProblems)).toEqual({ file, restored: 2, unchanged: 0, problems: 0, droppedIncompleteLine: false });
    expect(db.prepare("SELECT COUNT(*) AS n FROM extractions").get()).toEqual({ n: 2 });
    expect(await restoreFromResultsFile(db, model, undefined, file, noProblems)).toMatchObject({ restored: 0, unchanged: 2 });
  });

  it("keeps a whole last line that lacks its newline, and adds the newline before anything is appended", async () => {
    const file = resultsOfTwo();
    const whole = readFileSync(file, "utf8");
    writeFileSync(file, whole.slice(0, -1));
    const { db, model } = nodeStore();
    expect(await restoreFromResultsFile(db, model, undefined, file, noProblems)).toMatchObject({ restored: 2, droppedIncompleteLine: false });
    expect(readFileSync(file, "utf8")).toBe(whole);
  });

  it("cuts off a last line a kill left half-written, even when it is the only line", async () => {
    const file = resultsOfTwo();
    const whole = readFileSync(file, "utf8");
    appendFileSync(file, whole.slice(0, 50));
    const { db, model } = nodeStore();
    expect(await restoreFromResultsFile(db, model, undefined, file, noProblems)).toMatchObject({ restored: 2, droppedIncompleteLine: true });
    expect(readFileSync(file, "utf8")).toBe(whole);

    writeFileSync(file, whole.slice(0, 50));
    expect(await restoreFromResultsFile(db, model, undefined, file, noProblems)).toMatchObject({ restored: 0, unchanged: 0, droppedIncompleteLine: true });
    expect(readFileSync(file, "utf8")).toBe("");
  });

  it("names a bad line in the middle and goes on with the rest", async () => {
    const file = resultsOfTwo();
    const [first, second] = readFileSync(file, "utf8").trim().split("\n");
    writeFileSync(file, `${first}\n{"format":"oncotimeline-result"}\n${second}\n`);
    const problems: string[] = [];
    const { db, model } = nodeStore();
    expect(await restoreFromResultsFile(db, model, undefined, file, (where, message) => problems.push(`${where}: ${message}`))).toMatchObject({ restored: 2, problems: 1 });
    expect(problems).toEqual([expect.stringMatching(/shard\.jsonl:2: not a result line: version: /)]);
  });

  it("refuses another model's file, naming the line", async () => {
    const file = resultsOfTwo();
    const { db } = nodeStore();
    const other = registerModelRecord(db, { name: "other", path: "/other.gguf", bytes: 2, fingerprint: "o" });
    await expect(restoreFromResultsFile(db, other, undefined, file, noProblems)).rejects.toThrow(/shard\.jsonl:1: .* holds results of model "m" \(\/m\.gguf\), not of "other"/);
    expect(db.prepare("SELECT COUNT(*) AS n FROM extractions").get()).toEqual({ n: 0 });
  });
});
