import type { TimelineDocument } from "../../src-shared/timeline.ts";
import type { Db } from "../store/db.ts";
import { evidenceFor, getExtraction } from "../store/extractions.ts";
import { listLetters } from "../store/letters.ts";
import { findModel, type ModelRow } from "../store/models.ts";
import { getReview, reviewEvidence } from "../store/reviews.ts";
import type { ExtractedLetter } from "./rows.ts";

/**
 * The model whose results are exported: the one named, or else the one that produced the
 * newest extraction (the usual case: one model per data folder).
 */
export function resolveExportModel(db: Db, name: string | undefined): ModelRow | undefined {
  if (name !== undefined) {
    const model = findModel(db, name);
    if (!model) throw new Error(`no model named "${name}" in this data folder (see: oncotimeline models list)`);
    return model;
  }
  return db.prepare("SELECT m.* FROM models m JOIN extractions e ON e.model_id = m.id ORDER BY e.id DESC LIMIT 1").get() as
    | ModelRow
    | undefined;
}

export function* extractedLetters(db: Db, model: ModelRow | undefined, filter: { patient?: string }): Generator<ExtractedLetter> {
  for (const letter of listLetters(db, filter)) {
    const extraction = model ? getExtraction(db, letter.id, model.id) : undefined;
    if (!extraction) {
      yield { letter, model: null, status: "not_extracted", error: null, document: null, evidence: [], modelDocument: null, corrected: false };
    } else if (extraction.status === "failed") {
      yield { letter, model: model?.name ?? null, status: "failed", error: extraction.error, document: null, evidence: [], modelDocument: null, corrected: false };
    } else {
      const modelDocument = JSON.parse(extraction.document as string) as TimelineDocument;
      // A reviewer's corrected document replaces the model's in every export.
      const review = model ? getReview(db, letter.id, model.id) : undefined;
      yield {
        letter,
        model: model?.name ?? null,
        status: "extracted",
        error: null,
        document: review?.document ?? modelDocument,
        evidence: review && model ? reviewEvidence(db, letter.id, model.id) : evidenceFor(db, extraction.id),
        modelDocument,
        corrected: review !== undefined && JSON.stringify(review.document) !== JSON.stringify(modelDocument),
      };
    }
  }
}
