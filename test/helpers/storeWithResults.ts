// A store with plain letters and results saved directly, for tests of the job queue and of
// result files that need no model run.
import { openStore, type Db } from "../../src-main/store/db.ts";
import { saveExtraction } from "../../src-main/store/extractions.ts";
import { insertLetter } from "../../src-main/store/letters.ts";

/** A store in `dir` with `n` letters ("Letter i: seen in clinic.", /letters/i.txt); their ids and checksums in id order. */
export function storeWithLetters(dir: string, n: number): { db: Db; letters: { id: number; checksum: string }[] } {
  const db = openStore(dir);
  for (let i = 0; i < n; i++) {
    insertLetter(db, { text: `Letter ${i}: seen in clinic.`, sourcePath: `/letters/${i}.txt`, sourceRow: null, sourceFormat: "txt", patientExternalId: null, letterDate: null });
  }
  return { db, letters: db.prepare("SELECT id, checksum FROM letters ORDER BY id").all() as { id: number; checksum: string }[] };
}

/** A result with no document: ok, or failed with `error`. */
export function saveResult(db: Db, letterId: number, modelId: number, status: "ok" | "failed", error = "invalid output"): void {
  saveExtraction(db, {
    letterId,
    modelId,
    jobId: null,
    status,
    document: null,
    rawOutput: status === "failed" ? "{" : null,
    error: status === "failed" ? error : null,
    warnings: [],
    promptVersion: "test",
    inputTokens: null,
    outputTokens: null,
    durationMs: 1,
    evidence: [],
  });
}
