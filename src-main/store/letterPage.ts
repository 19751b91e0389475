import type { LetterPage, LetterStatus, ReviewState } from "../../src-shared/api.ts";
import { prepared, type Db } from "./db.ts";
import { sourceLabel } from "./letters.ts";

export type LetterPageQuery = {
  offset: number;
  limit: number;
  search?: string;
  patient?: string;
  status?: LetterStatus;
  review?: ReviewState;
  /** Whose results the status refers to (default: the model of the newest extraction). */
  modelId?: number;
};

/**
 * One page of the letter list, filtered in SQL so that 100,000 letters never leave the
 * database at once; ungrounded counts are computed for the page's rows only.
 */
export function pageLetters(db: Db, query: LetterPageQuery): LetterPage {
  const modelId = query.modelId ?? (prepared(db, "SELECT model_id FROM extractions ORDER BY id DESC LIMIT 1").get() as { model_id: number } | undefined)?.model_id ?? null;
  const conditions: string[] = [];
  const params: Record<string, unknown> = { model: modelId, limit: query.limit, offset: query.offset };
  if (query.search?.trim()) {
    conditions.push("(l.source_path LIKE @search ESCAPE '\\' OR p.external_id LIKE @search ESCAPE '\\')");
    params.search = `%${query.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  }
  if (query.patient !== undefined) {
    conditions.push("p.external_id = @patient");
    params.patient = query.patient;
  }
  if (query.status === "not_extracted") conditions.push("e.id IS NULL");
  else if (query.status === "extracted") conditions.push("e.status = 'ok'");
  else if (query.status === "failed") conditions.push("e.status = 'failed'");
  if (query.review === "unreviewed") conditions.push("r.state IS NULL OR r.state = 'unreviewed'");
  else if (query.review) {
    conditions.push("r.state = @review");
    params.review = query.review;
  }
  const where = conditions.length ? `WHERE ${conditions.map((c) => `(${c})`).join(" AND ")}` : "";
  const from = `FROM letters l LEFT JOIN patients p ON p.id = l.patient_id
    LEFT JOIN extractions e ON e.letter_id = l.id AND e.model_id = @model
    LEFT JOIN reviews r ON r.letter_id = l.id AND r.model_id = @model`;
  const total = (prepared(db, `SELECT count(*) AS n ${from} ${where}`).get(params) as { n: number }).n;
  const rows = prepared(
    db,
    `SELECT l.id, p.external_id AS patient, l.letter_date, l.source_path, l.source_row, l.char_count, e.id AS extraction_id, e.status,
       r.state AS review,
       CASE WHEN e.status = 'ok' THEN
         CASE WHEN r.letter_id IS NOT NULL
           THEN (SELECT count(*) FROM review_evidence v WHERE v.letter_id = l.id AND v.model_id = @model AND v.grade = 'ungrounded')
           ELSE (SELECT count(*) FROM evidence v WHERE v.extraction_id = e.id AND v.grade = 'ungrounded') END
       END AS ungrounded
     ${from} ${where} ORDER BY l.id LIMIT @limit OFFSET @offset`,
  ).all(params) as {
    id: number;
    patient: string | null;
    letter_date: string | null;
    source_path: string;
    source_row: number | null;
    char_count: number;
    status: "ok" | "failed" | null;
    review: ReviewState | null;
    ungrounded: number | null;
  }[];
  return {
    total,
    offset: query.offset,
    rows: rows.map((row) => ({
      id: row.id,
      patient: row.patient,
      letterDate: row.letter_date,
      source: sourceLabel(row.source_path, row.source_row),
      chars: row.char_count,
      status: row.status === null ? "not_extracted" : row.status === "ok" ? "extracted" : "failed",
      ungrounded: row.ungrounded,
      review: row.review ?? "unreviewed",
    })),
  };
}
