/** Column (CSV) or key (JSONL) names recognised for each field, most specific meaning first. */
export const FIELD_NAMES = {
  text: ["text", "letter", "letter_text", "body", "content", "note", "note_text"],
  patient: ["patient", "patient_id", "mrn", "nhs_number", "subject_id"],
  date: ["date", "letter_date", "clinic_date", "note_date"],
} as const;

export type Field = keyof typeof FIELD_NAMES;

/** "Patient ID", "patient-id" and "PATIENT_ID" are one name: spreadsheets write headers every way. */
export function normaliseName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s.-]+/g, "_");
}

/**
 * Index in `names` of the column for `field`: the explicit name when given, else the first
 * recognised name in FIELD_NAMES order (so `text` wins over `note` when both are present).
 * -1 when there is none.
 */
export function findField(names: readonly string[], field: Field, explicit?: string): number {
  const normalised = names.map(normaliseName);
  if (explicit !== undefined) {
    const exact = names.indexOf(explicit);
    return exact >= 0 ? exact : normalised.indexOf(normaliseName(explicit));
  }
  for (const candidate of FIELD_NAMES[field]) {
    const index = normalised.indexOf(candidate);
    if (index >= 0) return index;
  }
  return -1;
}

/** "expected one of text, letter, …" or "expected "Letter Body" (options.columns.text)". */
export function expectedNames(field: Field, explicit?: string): string {
  return explicit !== undefined ? `expected "${explicit}" (options.columns.${field})` : `expected one of ${FIELD_NAMES[field].join(", ")}`;
}

/** A patient id cell/value as text, or null when blank or not a scalar. */
export function scalarText(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}
