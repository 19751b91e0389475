/**
 * The CSV exports' columns, in order: the one table the exporter, the README and any reader
 * share. `kind` says how a cell is written ("number" cells are unquoted numbers).
 */
export type CsvColumn = { name: string; kind: "text" | "number" | "boolean"; description: string };

export const LONG_CSV_COLUMNS = [
  { name: "letter_id", kind: "number", description: "store id of the letter" },
  { name: "patient", kind: "text", description: "patient id from the file name or column" },
  { name: "letter_date", kind: "text", description: "date of the letter, YYYY-MM-DD" },
  { name: "source", kind: "text", description: "source file (and :row for CSV/JSONL)" },
  { name: "model", kind: "text", description: "model that extracted it" },
  { name: "section", kind: "text", description: "primary_cancer | cancer_timeline | other_cancers | patient_facts | status_updates" },
  { name: "item", kind: "number", description: "0-based index of the item within its section (events, facts, updates, other cancers)" },
  { name: "type", kind: "text", description: "event/fact/update type, or the field name for cancer fields (site, tnm_stage ...)" },
  { name: "value", kind: "text", description: "the extracted text as the model wrote it" },
  { name: "year", kind: "number", description: "year of the event, or of diagnosis for cancer fields" },
  { name: "month", kind: "number", description: "month (1-12), as year" },
  { name: "evidence_start", kind: "number", description: "start offset of the supporting span in the letter text (characters)" },
  { name: "evidence_end", kind: "number", description: "end offset (exclusive)" },
  { name: "grade", kind: "text", description: "exact | normalised | fuzzy | ungrounded" },
  { name: "score", kind: "number", description: "match score 0-1 (1 for exact and normalised; below for fuzzy)" },
  { name: "grounded", kind: "boolean", description: "true when a supporting span was found" },
  { name: "origin", kind: "text", description: "model (the model's output) | corrected (changed or added by a reviewer)" },
] as const satisfies readonly CsvColumn[];

export const WIDE_CSV_COLUMNS = [
  { name: "letter_id", kind: "number", description: "store id of the letter" },
  { name: "patient", kind: "text", description: "patient id" },
  { name: "letter_date", kind: "text", description: "date of the letter, YYYY-MM-DD" },
  { name: "source", kind: "text", description: "source file (and :row)" },
  { name: "status", kind: "text", description: "extracted | failed | not_extracted" },
  { name: "error", kind: "text", description: "why extraction failed" },
  { name: "model", kind: "text", description: "model that extracted it" },
  { name: "primary_site", kind: "text", description: "primary_cancer.site" },
  { name: "diagnosis_year", kind: "number", description: "primary_cancer.year" },
  { name: "diagnosis_month", kind: "number", description: "primary_cancer.month" },
  { name: "metastases", kind: "text", description: "primary_cancer.metastases" },
  { name: "tnm_stage", kind: "text", description: "primary_cancer.tnm_stage" },
  { name: "other_stage", kind: "text", description: "primary_cancer.other_stage" },
  { name: "histopathology_status", kind: "text", description: "primary_cancer.histopathology_status" },
  { name: "biomarker_status", kind: "text", description: "primary_cancer.biomarker_status" },
  { name: "events", kind: "number", description: "number of cancer_timeline events" },
  { name: "other_cancers", kind: "number", description: "number of other cancers" },
  { name: "patient_facts", kind: "number", description: "number of patient facts" },
  { name: "status_updates", kind: "number", description: "number of status updates" },
  { name: "values", kind: "number", description: "number of grounded items: text values and dates" },
  { name: "ungrounded", kind: "number", description: "of those, how many have no supporting span in the letter" },
  { name: "origin", kind: "text", description: "model | corrected (a reviewer changed this letter's timeline)" },
] as const satisfies readonly CsvColumn[];

export type LongCsvRow = Record<(typeof LONG_CSV_COLUMNS)[number]["name"], string | number | boolean | null>;
export type WideCsvRow = Record<(typeof WIDE_CSV_COLUMNS)[number]["name"], string | number | boolean | null>;
