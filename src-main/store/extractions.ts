import type { GroundedValue } from "../../src-shared/evidence.ts";
import type { TimelineDocument } from "../../src-shared/timeline.ts";
import { nowIso, prepared, type Db } from "./db.ts";

export type ExtractionRecord = {
  letterId: number;
  modelId: number;
  jobId: number | null;
  status: "ok" | "failed";
  document: TimelineDocument | null;
  rawOutput: string | null;
  error: string | null;
  warnings: string[];
  promptVersion: string;
  inputTokens: number | null;
  outputTokens: number | null;
  durationMs: number;
  evidence: GroundedValue[];
};

export type ExtractionRow = {
  id: number;
  letter_id: number;
  model_id: number;
  status: "ok" | "failed";
  document: string | null;
  error: string | null;
  warnings: string;
  duration_ms: number;
};

export type EvidenceRow = {
  extraction_id: number;
  path: string;
  value: string;
  grade: GroundedValue["grade"];
  start: number | null;
  end: number | null;
  score: number | null;
};

/** Stores the result for (letter, model), replacing an earlier failed or superseded one. */
export function saveExtraction(db: Db, record: ExtractionRecord): number {
  return db.transaction(() => {
    const previous = prepared(db, "SELECT id FROM extractions WHERE letter_id = ? AND model_id = ?")
      .get(record.letterId, record.modelId) as { id: number } | undefined;
    if (previous) prepared(db, "DELETE FROM extractions WHERE id = ?").run(previous.id);
    const result = prepared(db, 
        `INSERT INTO extractions (letter_id, model_id, job_id, status, document, raw_output, error, warnings,
           prompt_version, input_tokens, output_tokens, duration_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.letterId,
        record.modelId,
        record.jobId,
        record.status,
        record.document === null ? null : JSON.stringify(record.document),
        record.rawOutput,
        record.error,
        JSON.stringify(record.warnings),
        record.promptVersion,
        record.inputTokens,
        record.outputTokens,
        Math.round(record.durationMs),
        nowIso(),
      );
    const extractionId = Number(result.lastInsertRowid);
    const insert = prepared(db, 
      "INSERT INTO evidence (extraction_id, path, value, grade, start, end, score) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    for (const item of record.evidence) {
      insert.run(extractionId, item.path, item.value, item.grade, item.span?.start ?? null, item.span?.end ?? null, item.span?.score ?? null);
    }
    return extractionId;
  })();
}

/** Everything stored for one extraction, for result files. */
export type StoredExtraction = {
  id: number;
  status: "ok" | "failed";
  document: string | null;
  raw_output: string | null;
  error: string | null;
  warnings: string;
  prompt_version: string;
  input_tokens: number | null;
  output_tokens: number | null;
  duration_ms: number;
  created_at: string;
};

export function getStoredExtraction(db: Db, letterId: number, modelId: number): StoredExtraction | undefined {
  return prepared(db, 
      `SELECT id, status, document, raw_output, error, warnings, prompt_version, input_tokens, output_tokens, duration_ms, created_at
       FROM extractions WHERE letter_id = ? AND model_id = ?`,
    )
    .get(letterId, modelId) as StoredExtraction | undefined;
}

export function getExtraction(db: Db, letterId: number, modelId: number): ExtractionRow | undefined {
  return prepared(db, "SELECT id, letter_id, model_id, status, document, error, warnings, duration_ms FROM extractions WHERE letter_id = ? AND model_id = ?")
    .get(letterId, modelId) as ExtractionRow | undefined;
}

export function evidenceFor(db: Db, extractionId: number): EvidenceRow[] {
  return prepared(db, "SELECT extraction_id, path, value, grade, start, end, score FROM evidence WHERE extraction_id = ? ORDER BY id").all(extractionId) as EvidenceRow[];
}
