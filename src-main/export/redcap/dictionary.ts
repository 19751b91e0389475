/**
 * The REDCap project this export fills: its data dictionary (instruments and fields), from which
 * both `data-dictionary.csv` and the columns of `import.csv` are generated, so the two cannot
 * disagree.
 *
 * Record unit: the patient (`record_id` = the patient id). Instruments:
 *   patient        (not repeating)  the merged patient timeline's primary cancer, counts
 *   letter         (repeating)      one instance per letter: id, date, source, status, the letter's
 *                                   primary-cancer fields with their evidence grades
 *   cancer_event   (repeating)      one per timeline event of any letter
 *   other_cancer   (repeating)      one per other cancer of any letter
 *   patient_fact   (repeating)      one per patient fact
 *   status_update  (repeating)      one per status update
 * Each repeating instance names its letter (`*_letter_id` = `let_id` of a `letter` instance).
 *
 * Dates: `date_ymd` (YYYY-MM-DD). The letters give year or year+month only, so a partial date is
 * written with the missing parts as 01 and its companion `*_prec` field says what was stated
 * (1 year | 2 month | 3 day): 2019 → 2019-01-01 + year; 2019-03 → 2019-03-01 + month.
 */
import { VALUE_ORIGINS } from "../origin.ts";
import { CANCER_EVENT_TYPES, PATIENT_FACT_TYPES, STATUS_UPDATE_TYPES } from "../../../src-shared/timeline.ts";
import { EVIDENCE_GRADES } from "../../../src-shared/evidence.ts";

/** The 18 columns of a REDCap data dictionary, in order, spelled as REDCap writes them. */
export const DICTIONARY_COLUMNS = [
  "Variable / Field Name",
  "Form Name",
  "Section Header",
  "Field Type",
  "Field Label",
  "Choices, Calculations, OR Slider Labels",
  "Field Note",
  "Text Validation Type OR Show Slider Number",
  "Text Validation Min",
  "Text Validation Max",
  "Identifier?",
  "Branching Logic (Show field only if...)",
  "Required Field?",
  "Custom Alignment",
  "Question Number (surveys only)",
  "Matrix Group Name",
  "Matrix Ranking?",
  "Field Annotation",
] as const;

export const INSTRUMENTS = ["patient", "letter", "cancer_event", "other_cancer", "patient_fact", "status_update"] as const;
export type Instrument = (typeof INSTRUMENTS)[number];
export const REPEATING_INSTRUMENTS: readonly Instrument[] = INSTRUMENTS.filter((name) => name !== "patient");

export type RedcapField = {
  name: string;
  form: Instrument;
  type: "text" | "notes" | "dropdown" | "yesno";
  label: string;
  section?: string;
  /** Dropdown labels; the codes are 1..n in this order. */
  choices?: readonly string[];
  note?: string;
  validation?: "date_ymd" | "integer" | "number";
  min?: string;
  max?: string;
  identifier?: boolean;
};

export const LETTER_STATUSES = ["extracted", "failed", "not_extracted"] as const;
export const PRECISIONS = ["year", "month", "day"] as const;
export const ORIGINS = VALUE_ORIGINS;

/** The dropdown code of `label` in `choices` (1-based), or null. */
export function choiceCode(choices: readonly string[], label: string | null | undefined): number | null {
  if (label === null || label === undefined) return null;
  const index = choices.indexOf(label);
  return index < 0 ? null : index + 1;
}

export function choicesText(choices: readonly string[]): string {
  return choices.map((label, i) => `${i + 1}, ${label}`).join(" | ");
}

const GRADE_NOTE = "evidence grade: exact | normalised | fuzzy (similar text) | ungrounded (no support found in the letter: likely hallucination)";
const OFFSET_NOTE = "character offset in the letter text as stored (0-based, end exclusive)";
const DATE_NOTE = "A year-only or year-month date is written with the missing parts as 01 (2019 -> 2019-01-01); the precision field says what the letter stated.";
const PREC_NOTE = "what the letter stated of the date: 1 year only, 2 year and month, 3 full date";

/** A cancer's text fields: the onco-ext key, the REDCap name stem, the label, long text or not. */
export const CANCER_TEXT_FIELDS = [
  { key: "site", stem: "site", label: "Site", long: false },
  { key: "metastases", stem: "metastases", label: "Metastases", long: true },
  { key: "tnm_stage", stem: "tnm_stage", label: "TNM stage", long: false },
  { key: "other_stage", stem: "other_stage", label: "Other stage", long: false },
  { key: "histopathology_status", stem: "histopath", label: "Histopathology", long: true },
  { key: "biomarker_status", stem: "biomarker", label: "Biomarkers", long: true },
] as const;

function grade(name: string, form: Instrument, label: string): RedcapField {
  return { name, form, type: "dropdown", label: `${label}: evidence grade`, choices: EVIDENCE_GRADES, note: GRADE_NOTE };
}

function dateFields(prefix: string, form: Instrument, label: string, withGrade: boolean): RedcapField[] {
  const fields: RedcapField[] = [
    { name: `${prefix}_date`, form, type: "text", label, validation: "date_ymd", note: DATE_NOTE },
    { name: `${prefix}_date_prec`, form, type: "dropdown", label: `${label}: precision`, choices: PRECISIONS, note: PREC_NOTE },
  ];
  if (withGrade) fields.push(grade(`${prefix}_date_grade`, form, label));
  return fields;
}

function textWithGrade(prefix: string, stem: string, form: Instrument, label: string, long: boolean): RedcapField[] {
  return [{ name: `${prefix}_${stem}`, form, type: long ? "notes" : "text", label }, grade(`${prefix}_${stem}_grade`, form, label)];
}

function valueFields(prefix: string, form: Instrument, label: string): RedcapField[] {
  return [
    { name: `${prefix}_value`, form, type: "notes", label, note: "as the letter words it (model output)" },
    { name: `${prefix}_origin`, form, type: "dropdown", label: "Origin", choices: ORIGINS, note: "model output, or corrected by a reviewer" },
    grade(`${prefix}_grade`, form, label),
    { name: `${prefix}_ev_start`, form, type: "text", label: "Evidence start", validation: "integer", min: "0", note: OFFSET_NOTE },
    { name: `${prefix}_ev_end`, form, type: "text", label: "Evidence end", validation: "integer", min: "0", note: OFFSET_NOTE },
    { name: `${prefix}_score`, form, type: "text", label: "Match score", validation: "number", min: "0", max: "1", note: "1 for exact and normalised, below for fuzzy" },
  ];
}

function letterRef(name: string, form: Instrument): RedcapField {
  return { name, form, type: "text", label: "Letter id", validation: "integer", note: "the letter instance's let_id" };
}

export const FIELDS: readonly RedcapField[] = [
  // patient (the record)
  { name: "record_id", form: "patient", type: "text", label: "Patient id", identifier: true, note: "from the letter file name or column" },
  { name: "pat_letters", form: "patient", type: "text", label: "Letters", validation: "integer", min: "0" },
  { name: "pat_model", form: "patient", type: "text", label: "Model that extracted the letters" },
  ...CANCER_TEXT_FIELDS.flatMap(({ stem, label, long }): RedcapField[] => [
    {
      name: `pat_${stem}`,
      form: "patient",
      type: long ? "notes" : "text",
      label: `Primary cancer: ${label}`,
      note: "merged over the letters: the latest letter's value",
      ...(stem === "site" ? { section: "Primary cancer, merged over all letters" } : {}),
    },
    { name: `pat_${stem}_conflict`, form: "patient", type: "yesno", label: `${label}: the letters disagree` },
  ]),
  ...dateFields("pat_dx", "patient", "Primary cancer: date of diagnosis", false),
  { name: "pat_dx_conflict", form: "patient", type: "yesno", label: "Diagnosis date: the letters disagree" },
  { name: "pat_events", form: "patient", type: "text", label: "Merged timeline events", validation: "integer", min: "0" },
  { name: "pat_conflicts", form: "patient", type: "text", label: "Fields the letters disagree on", validation: "integer", min: "0" },
  // letter
  { name: "let_id", form: "letter", type: "text", label: "Letter id", validation: "integer", note: "OncoTimeline store id" },
  { name: "let_date", form: "letter", type: "text", label: "Letter date", validation: "date_ymd" },
  { name: "let_source", form: "letter", type: "text", label: "Source file (and :row)", identifier: true },
  { name: "let_status", form: "letter", type: "dropdown", label: "Extraction status", choices: LETTER_STATUSES },
  { name: "let_error", form: "letter", type: "notes", label: "Why extraction failed" },
  { name: "let_origin", form: "letter", type: "dropdown", label: "Origin", choices: ORIGINS, note: "model output, or corrected by a reviewer" },
  ...CANCER_TEXT_FIELDS.flatMap(({ stem, label, long }) => textWithGrade("let", stem, "letter", `Primary cancer: ${label}`, long)),
  ...dateFields("let_dx", "letter", "Primary cancer: date of diagnosis", true),
  { name: "let_values", form: "letter", type: "text", label: "Grounded items (text values and dates)", validation: "integer", min: "0" },
  { name: "let_ungrounded", form: "letter", type: "text", label: "Of those, ungrounded", validation: "integer", min: "0" },
  { name: "let_dropped", form: "letter", type: "text", label: "Ungrounded text values left out of this export", validation: "integer", min: "0" },
  // cancer_event
  letterRef("ev_letter_id", "cancer_event"),
  { name: "ev_type", form: "cancer_event", type: "dropdown", label: "Event type", choices: CANCER_EVENT_TYPES },
  ...valueFields("ev", "cancer_event", "Event"),
  ...dateFields("ev", "cancer_event", "Event date", true),
  // other_cancer
  letterRef("oc_letter_id", "other_cancer"),
  ...CANCER_TEXT_FIELDS.flatMap(({ stem, label, long }) => textWithGrade("oc", stem, "other_cancer", label, long)),
  ...dateFields("oc_dx", "other_cancer", "Date of diagnosis", true),
  ...textWithGrade("oc", "latest_situation", "other_cancer", "Latest situation", true),
  // patient_fact
  letterRef("pf_letter_id", "patient_fact"),
  { name: "pf_type", form: "patient_fact", type: "dropdown", label: "Fact type", choices: PATIENT_FACT_TYPES },
  ...valueFields("pf", "patient_fact", "Fact"),
  // status_update
  letterRef("su_letter_id", "status_update"),
  { name: "su_type", form: "status_update", type: "dropdown", label: "Update type", choices: STATUS_UPDATE_TYPES },
  ...valueFields("su", "status_update", "Update"),
];

/** The import file's columns: record_id, the two repeat columns, then every other field in dictionary order. */
export const IMPORT_COLUMNS: readonly string[] = [
  "record_id",
  "redcap_repeat_instrument",
  "redcap_repeat_instance",
  ...FIELDS.filter((field) => field.name !== "record_id").map((field) => field.name),
];

export function dictionaryRow(field: RedcapField): (string | null)[] {
  return [
    field.name,
    field.form,
    field.section ?? null,
    field.type,
    field.label,
    field.choices ? choicesText(field.choices) : null,
    field.note ?? null,
    field.validation ?? null,
    field.min ?? null,
    field.max ?? null,
    field.identifier ? "y" : null,
    null,
    null,
    null,
    null,
    null,
    null,
    null,
  ];
}
