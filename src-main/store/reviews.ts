import type { GroundedValue } from "../../src-shared/evidence.ts";
import type { ReviewEdit, ReviewState } from "../../src-shared/api.ts";
import type { TimelineDocument } from "../../src-shared/timeline.ts";
import { nowIso, prepared, type Db } from "./db.ts";
import type { EvidenceRow } from "./extractions.ts";

export type ReviewRow = { document: TimelineDocument; accepted: string[]; state: ReviewState; edits: number; updatedAt: string };
export type CorrectionRow = { id: number; op: ReviewEdit["op"]; path: string; before: string | null; after: string | null; user: string; created_at: string };

export function getReview(db: Db, letterId: number, modelId: number): ReviewRow | undefined {
  const row = prepared(db, "SELECT document, accepted, state, edits, updated_at FROM reviews WHERE letter_id = ? AND model_id = ?").get(letterId, modelId) as
    | { document: string; accepted: string; state: ReviewState; edits: number; updated_at: string }
    | undefined;
  if (!row) return undefined;
  return { document: JSON.parse(row.document) as TimelineDocument, accepted: JSON.parse(row.accepted) as string[], state: row.state, edits: row.edits, updatedAt: row.updated_at };
}

/** Grounding of the corrected document (same shape as an extraction's evidence rows). */
export function reviewEvidence(db: Db, letterId: number, modelId: number): EvidenceRow[] {
  return prepared(
    db,
    "SELECT 0 AS extraction_id, path, value, grade, start, end, score FROM review_evidence WHERE letter_id = ? AND model_id = ? ORDER BY rowid",
  ).all(letterId, modelId) as EvidenceRow[];
}

/** Writes the review's current state; `evidence` (when given) replaces the stored grounding. */
export function saveReview(
  db: Db,
  key: { letterId: number; modelId: number },
  review: { document: TimelineDocument; accepted: readonly string[]; state: ReviewState; edits: number },
  evidence?: readonly GroundedValue[],
): void {
  prepared(
    db,
    `INSERT INTO reviews (letter_id, model_id, document, accepted, state, edits, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (letter_id, model_id) DO UPDATE SET document = excluded.document, accepted = excluded.accepted,
       state = excluded.state, edits = excluded.edits, updated_at = excluded.updated_at`,
  ).run(key.letterId, key.modelId, JSON.stringify(review.document), JSON.stringify(review.accepted), review.state, review.edits, nowIso());
  if (!evidence) return;
  prepared(db, "DELETE FROM review_evidence WHERE letter_id = ? AND model_id = ?").run(key.letterId, key.modelId);
  const insert = prepared(db, "INSERT INTO review_evidence (letter_id, model_id, path, value, grade, start, end, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  for (const item of evidence) {
    insert.run(key.letterId, key.modelId, item.path, item.value, item.grade, item.span?.start ?? null, item.span?.end ?? null, item.span?.score ?? null);
  }
}

export function appendCorrection(
  db: Db,
  key: { letterId: number; modelId: number },
  correction: { op: ReviewEdit["op"]; path: string; before: unknown; after: unknown; user: string },
): number {
  const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
  const result = prepared(
    db,
    "INSERT INTO corrections (letter_id, model_id, op, path, before, after, user, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  ).run(key.letterId, key.modelId, correction.op, correction.path, json(correction.before), json(correction.after), correction.user, nowIso());
  return Number(result.lastInsertRowid);
}

export function listCorrections(db: Db, letterId: number, modelId: number): CorrectionRow[] {
  return prepared(db, "SELECT id, op, path, before, after, user, created_at FROM corrections WHERE letter_id = ? AND model_id = ? ORDER BY id").all(
    letterId,
    modelId,
  ) as CorrectionRow[];
}
