import type { LongCsvRow, WideCsvRow } from "../../src-shared/csvColumns.ts";
import type { EvidenceGrade } from "../../src-shared/evidence.ts";
import { OtherCancerSchema, PrimaryCancerSchema, type TimelineDocument } from "../../src-shared/timeline.ts";
import type { EvidenceRow } from "../store/extractions.ts";
import { letterOrigin, originOf } from "./origin.ts";
import { sourceLabel, type LetterRow } from "../store/letters.ts";

/** The cancer fields that hold text, in schema order (dates go in the year/month columns). */
const DATE_FIELDS = new Set(["year", "month"]);
const PRIMARY_TEXT_FIELDS = Object.keys(PrimaryCancerSchema.shape).filter((key) => !DATE_FIELDS.has(key) && key !== "cancer_timeline");
const OTHER_TEXT_FIELDS = Object.keys(OtherCancerSchema.shape).filter((key) => !DATE_FIELDS.has(key));

export type ExtractedLetter = {
  letter: LetterRow;
  model: string | null;
  status: "extracted" | "failed" | "not_extracted";
  error: string | null;
  /** What exports use: the reviewer's corrected document when there is one, else the model's. */
  document: TimelineDocument | null;
  evidence: EvidenceRow[];
  /** The model's own document, to tell corrected values from model output. */
  modelDocument: TimelineDocument | null;
  corrected: boolean;
};


/** One row per extracted value. */
export function longRows(item: ExtractedLetter): LongCsvRow[] {
  const { document, letter } = item;
  if (!document) return [];
  const byPath = new Map(item.evidence.map((row) => [row.path, row]));
  const rows: LongCsvRow[] = [];
  const push = (section: string, index: number | null, type: string, value: string, path: string, year?: number, month?: number) => {
    const evidence = byPath.get(path);
    const grade: EvidenceGrade = evidence?.grade ?? "ungrounded";
    rows.push({
      letter_id: letter.id,
      patient: letter.patient,
      letter_date: letter.letter_date,
      source: sourceLabel(letter.source_path, letter.source_row),
      model: item.model,
      section,
      item: index,
      type,
      value,
      year: year ?? null,
      month: month ?? null,
      evidence_start: evidence?.start ?? null,
      evidence_end: evidence?.end ?? null,
      grade,
      score: evidence?.score ?? null,
      grounded: grade !== "ungrounded",
      origin: originOf(item, path),
    });
  };
  const primary = document.primary_cancer as Record<string, unknown> & TimelineDocument["primary_cancer"];
  for (const field of PRIMARY_TEXT_FIELDS) {
    const value = primary[field];
    if (typeof value === "string") push("primary_cancer", null, field, value, `primary_cancer.${field}`, primary.year, primary.month);
  }
  primary.cancer_timeline.forEach((event, i) =>
    push("cancer_timeline", i, event.type, event.value, `primary_cancer.cancer_timeline[${i}].value`, event.year, event.month),
  );
  document.other_cancers.forEach((cancer, i) => {
    for (const field of OTHER_TEXT_FIELDS) {
      const value = (cancer as Record<string, unknown>)[field];
      if (typeof value === "string") push("other_cancers", i, field, value, `other_cancers[${i}].${field}`, cancer.year, cancer.month);
    }
  });
  document.patient_facts.forEach((fact, i) => push("patient_facts", i, fact.type, fact.value, `patient_facts[${i}].value`));
  document.status_updates.forEach((update, i) => push("status_updates", i, update.type, update.value, `status_updates[${i}].value`));
  return rows;
}

/** Exactly one row per letter, whatever its extraction status. */
export function wideRow(item: ExtractedLetter): WideCsvRow {
  const { document, letter } = item;
  const primary = document?.primary_cancer;
  return {
    letter_id: letter.id,
    patient: letter.patient,
    letter_date: letter.letter_date,
    source: sourceLabel(letter.source_path, letter.source_row),
    status: item.status,
    error: item.error,
    model: item.model,
    primary_site: primary?.site ?? null,
    diagnosis_year: primary?.year ?? null,
    diagnosis_month: primary?.month ?? null,
    metastases: primary?.metastases ?? null,
    tnm_stage: primary?.tnm_stage ?? null,
    other_stage: primary?.other_stage ?? null,
    histopathology_status: primary?.histopathology_status ?? null,
    biomarker_status: primary?.biomarker_status ?? null,
    events: document ? document.primary_cancer.cancer_timeline.length : null,
    other_cancers: document ? document.other_cancers.length : null,
    patient_facts: document ? document.patient_facts.length : null,
    status_updates: document ? document.status_updates.length : null,
    values: document ? item.evidence.length : null,
    ungrounded: document ? item.evidence.filter((row) => row.grade === "ungrounded").length : null,
    origin: document ? letterOrigin(item) : null,
  };
}
