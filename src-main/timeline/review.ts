/**
 * A reviewer's work on one letter's timeline: every edit is applied to the corrected copy of the
 * model's document, checked against the schema, re-grounded in the letter, logged with the value
 * before and after, and audited, all in one transaction. The model's document is never changed.
 */
import { ApiFailure, type ReviewEdit, type ReviewState, type ReviewView } from "../../src-shared/api.ts";
import { applyDocumentEdit, DocumentPathError, getAtPath, shiftAcceptedPaths } from "../../src-shared/documentPath.ts";
import { validateTimeline, type TimelineDocument } from "../../src-shared/timeline.ts";
import { appendAudit } from "../audit/auditLog.ts";
import { groundDocument } from "../grounding/index.ts";
import type { Db } from "../store/db.ts";
import { evidenceFor } from "../store/extractions.ts";
import { getLetter, sourceLabel } from "../store/letters.ts";
import { appendCorrection, getReview, listCorrections, reviewEvidence, saveReview } from "../store/reviews.ts";

type ExtractionKey = { id: number; letter_id: number; model_id: number; status: "ok" | "failed"; document: string | null; error: string | null; model: string };

function extractionById(db: Db, extractionId: number): ExtractionKey {
  const row = db
    .prepare("SELECT e.id, e.letter_id, e.model_id, e.status, e.document, e.error, m.name AS model FROM extractions e JOIN models m ON m.id = e.model_id WHERE e.id = ?")
    .get(extractionId) as ExtractionKey | undefined;
  if (!row) throw new ApiFailure("not-found", `no extraction ${extractionId}`);
  return row;
}

/** The extraction shown for a letter: of the model asked for, else the newest one. */
function extractionForLetter(db: Db, letterId: number, modelId: number | undefined): ExtractionKey | undefined {
  return db
    .prepare(
      `SELECT e.id, e.letter_id, e.model_id, e.status, e.document, e.error, m.name AS model FROM extractions e JOIN models m ON m.id = e.model_id
       WHERE e.letter_id = ? AND (? IS NULL OR e.model_id = ?) ORDER BY e.id DESC LIMIT 1`,
    )
    .get(letterId, modelId ?? null, modelId ?? null) as ExtractionKey | undefined;
}

export function reviewView(db: Db, letterId: number, modelId?: number): ReviewView {
  const letter = getLetter(db, letterId);
  if (!letter) throw new ApiFailure("not-found", `no letter ${letterId}`);
  const letterText = { id: letter.id, patient: letter.patient, letterDate: letter.letter_date, source: sourceLabel(letter.source_path, letter.source_row), text: letter.text };
  const extraction = extractionForLetter(db, letterId, modelId);
  const empty = { modelDocument: null, document: null, corrected: false, evidence: [], accepted: [], review: "unreviewed" as ReviewState, history: [] };
  if (!extraction) return { letter: letterText, model: null, extractionId: null, status: "not_extracted", error: null, ...empty };
  if (extraction.status === "failed" || extraction.document === null) {
    return { letter: letterText, model: extraction.model, extractionId: extraction.id, status: "failed", error: extraction.error, ...empty };
  }
  const modelDocument = JSON.parse(extraction.document) as TimelineDocument;
  const review = getReview(db, letterId, extraction.model_id);
  const evidence = review ? reviewEvidence(db, letterId, extraction.model_id) : evidenceFor(db, extraction.id);
  return {
    letter: letterText,
    model: extraction.model,
    extractionId: extraction.id,
    status: "extracted",
    error: null,
    modelDocument,
    document: review?.document ?? modelDocument,
    corrected: review !== undefined && JSON.stringify(review.document) !== JSON.stringify(modelDocument),
    evidence: evidence.map(({ path, value, grade, start, end, score }) => ({ path, value, grade, start, end, score })),
    accepted: review?.accepted ?? [],
    review: review?.state ?? "unreviewed",
    history: listCorrections(db, letterId, extraction.model_id).map((row) => ({
      id: row.id,
      at: row.created_at,
      user: row.user,
      op: row.op,
      path: row.path,
      summary: describeCorrection(row.op, row.path, row.before, row.after),
    })),
  };
}

function describeCorrection(op: ReviewEdit["op"], path: string, before: string | null, after: string | null): string {
  const short = (json: string | null) => {
    if (json === null) return "(nothing)";
    const value = JSON.parse(json) as unknown;
    const text = typeof value === "string" ? `"${value}"` : typeof value === "object" && value !== null && "value" in value ? `"${String((value as { value: unknown }).value)}"` : JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
  };
  switch (op) {
    case "accept":
      return `accepted ${path}`;
    case "unaccept":
      return `took back the acceptance of ${path}`;
    case "remove":
      return `removed ${path} (was ${short(before)})`;
    case "insert":
      return `added ${path}: ${short(after)}`;
    case "set":
      return `${path}: ${short(before)} → ${short(after)}`;
  }
}

/** Applies one reviewer edit and returns the letter's new review state. */
export function applyReviewEdit(db: Db, extractionId: number, edit: ReviewEdit, user: string): ReviewView {
  const { extraction, key } = reviewable(db, extractionId);
  db.transaction(() => {
    const { review, document: current } = reviewedDocument(db, extraction);
    const accepted = review?.accepted ?? [];
    let next: TimelineDocument = current;
    let nextAccepted: string[];
    if (edit.op === "accept" || edit.op === "unaccept") {
      if (getAtPath(current, edit.path) === undefined) throw new ApiFailure("invalid-input", `${edit.path}: there is no value there to ${edit.op}`);
      nextAccepted = edit.op === "accept" ? [...new Set([...accepted, edit.path])] : accepted.filter((path) => path !== edit.path);
    } else {
      try {
        next = checked(applyDocumentEdit(current, edit));
      } catch (error) {
        if (error instanceof DocumentPathError) throw new ApiFailure("invalid-input", error.message);
        throw error;
      }
      // An edited value has not been accepted in its new form.
      nextAccepted = shiftAcceptedPaths(accepted, edit).filter((path) => edit.op !== "set" || (path !== edit.path && !path.startsWith(`${edit.path}.`)));
    }
    const letter = getLetter(db, key.letterId);
    const evidence = next === current && review ? undefined : groundDocument(letter?.text ?? "", next);
    saveReview(db, key, { document: next, accepted: nextAccepted, state: review?.state === "reviewed" ? "reviewed" : "in_review", edits: (review?.edits ?? 0) + 1 }, evidence);
    const before = edit.op === "insert" ? undefined : getAtPath(current, edit.path);
    const after = edit.op === "remove" || edit.op === "accept" || edit.op === "unaccept" ? undefined : getAtPath(next, edit.path);
    const correctionId = appendCorrection(db, key, { op: edit.op, path: edit.path, before, after, user });
    // The audit entry records who changed what where; the values stay in the store, not the trail.
    appendAudit(db, { action: "correction", subject: `letter ${key.letterId}`, details: { correction: correctionId, op: edit.op, path: edit.path, model: extraction.model } });
  }).immediate();
  return reviewView(db, key.letterId, key.modelId);
}

export function setReviewState(db: Db, extractionId: number, state: ReviewState): ReviewView {
  const { extraction, key } = reviewable(db, extractionId);
  db.transaction(() => {
    const { review, document } = reviewedDocument(db, extraction);
    const letter = getLetter(db, key.letterId);
    saveReview(db, key, { document, accepted: review?.accepted ?? [], state, edits: review?.edits ?? 0 }, review ? undefined : groundDocument(letter?.text ?? "", document));
    appendAudit(db, { action: "review-state", subject: `letter ${key.letterId}`, details: { state, model: extraction.model } });
  }).immediate();
  return reviewView(db, key.letterId, key.modelId);
}

/** An extraction a reviewer can work on (it succeeded), and the key its review is stored under. */
function reviewable(db: Db, extractionId: number): { extraction: ExtractionKey; key: { letterId: number; modelId: number } } {
  const extraction = extractionById(db, extractionId);
  if (extraction.status !== "ok" || extraction.document === null) throw new ApiFailure("conflict", "this letter's extraction failed: there is nothing to review; retry the extraction first");
  return { extraction, key: { letterId: extraction.letter_id, modelId: extraction.model_id } };
}

/** The review so far and the document it stands at: the corrected one, or the model's before any edit. */
function reviewedDocument(db: Db, extraction: ExtractionKey): { review: ReturnType<typeof getReview>; document: TimelineDocument } {
  const review = getReview(db, extraction.letter_id, extraction.model_id);
  return { review, document: review?.document ?? (JSON.parse(extraction.document as string) as TimelineDocument) };
}

function checked(document: TimelineDocument): TimelineDocument {
  const result = validateTimeline(document);
  if (!result.ok) throw new ApiFailure("invalid-input", `the corrected timeline is not valid: ${result.errors.join("; ")}`);
  return result.document;
}
