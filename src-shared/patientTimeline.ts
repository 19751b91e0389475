/**
 * The patient timeline: every letter of one patient merged into one ordered, de-duplicated view,
 * with a link from every merged value back to each letter and span it came from. Plain data, so
 * the store, the exports and the UI can all use it (and it serialises as JSON).
 */
import type { EvidenceGrade, EvidenceSpan, GroundedValue } from "./evidence.ts";
import type { CancerEventType, PatientFactType, StatusUpdateType, TimelineDocument } from "./timeline.ts";

export type LetterTimeline = {
  letterId: number;
  /** YYYY-MM-DD, or null when the letter's date is unknown. */
  letterDate: string | null;
  source: string;
  /** The model's document, or the reviewer's corrected one. */
  document: TimelineDocument;
  /** Grounding of the document's text values (path → span), as groundDocument returns it. */
  evidence: GroundedValue[];
  /**
   * True when a reviewer's corrected document replaces the model's. When both the model's and the
   * corrected document of the same letter are passed, the corrected one is used and the model's is
   * dropped entirely: the reviewer has seen the letter, so the model's reading of that letter is
   * superseded, not a competing opinion (no conflict between them is ever reported).
   */
  corrected?: boolean;
};

export type Provenance = {
  letterId: number;
  /** JSON path in that letter's document, e.g. `primary_cancer.cancer_timeline[2].value`. */
  path: string;
  value: string;
  span: EvidenceSpan | null;
  /**
   * The grounding grade of this value in its letter; null when no grounding applies or was
   * recorded (numbers such as the diagnosis year are not text and are never grounded).
   */
  grade: EvidenceGrade | null;
  corrected: boolean;
};

/**
 * Where the merged event's date comes from: "stated" (a letter attached year/month to it),
 * "letter-date" (no letter dated it; placed at the date of the first letter that reported it, as
 * it happened on or before then), "unknown" (neither: sorted last).
 */
export type DateSource = "stated" | "letter-date" | "unknown";

export type MergedEvent = {
  type: CancerEventType;
  /** Representative wording: a corrected letter's first, then the best grounded, then the longest. */
  value: string;
  year?: number;
  month?: number;
  dateSource: DateSource;
  /** One entry per letter that reported the event, oldest letter first. */
  provenance: Provenance[];
};

/**
 * A scalar field (stage, site, ...) merged over letters. When the letters disagree, `conflicted` is
 * true, a Conflict lists every value, and `value` is the latest corrected letter's value if any
 * corrected letter states the field, else the latest letter's: the most likely current value (a
 * stage or the metastatic sites do change over time), shown but flagged, never silently chosen.
 */
export type ScalarField = {
  value: string;
  conflicted: boolean;
  /** Every letter that stated the field, whatever its value; oldest first. */
  provenance: Provenance[];
};

/** Diagnosis date: "YYYY" or "YYYY-MM" in `value`, and as numbers. */
export type DiagnosisDate = ScalarField & { year: number; month?: number };

export type MergedCancer = {
  site?: ScalarField;
  diagnosis?: DiagnosisDate;
  metastases?: ScalarField;
  tnm_stage?: ScalarField;
  other_stage?: ScalarField;
  histopathology_status?: ScalarField;
  biomarker_status?: ScalarField;
};

/** A value of a patient fact, status update or other cancer's latest situation, from one letter. */
export type FactValue = { value: string; letterId: number; letterDate: string | null; provenance: Provenance };

/**
 * Values of one type over time. `current`: every value of that type in the most recent letter
 * that mentions the type (a letter can list several comorbidities); `history`: the values of
 * earlier letters, newest first. Nothing is de-duplicated: the history is what each letter said.
 */
export type FactGroup<T extends string> = { type: T; current: FactValue[]; history: FactValue[] };

export type MergedOtherCancer = MergedCancer & {
  /** The representative site wording, or `#n` for one stated without a site; names its conflicts. */
  label: string;
  latestSituation?: { current: FactValue; history: FactValue[] };
};

/**
 * Letters disagree on a field. kind "refinement": the values' words nest (every word of one is
 * in the other, e.g. "ER 8/8, HER2 3+" and "ER 8/8, HER2 3+ on IHC"): probably the same fact,
 * worded more or less fully; "different": a real disagreement or a change over time (restaging,
 * new metastases, "IDC" vs "invasive ductal carcinoma" too: no abbreviation list is assumed).
 * Both are for a reviewer: neither is resolved here.
 */
export type Conflict = {
  /** e.g. `primary_cancer.tnm_stage`, `primary_cancer.diagnosis`, `other_cancers[prostate].tnm_stage`. */
  field: string;
  kind: "refinement" | "different";
  /** One entry per distinct (normalised) value, in the order the letters first stated them. */
  values: { value: string; provenance: Provenance[] }[];
};

export type PatientTimeline = {
  patient: string;
  /** Letter ids in chronological order (letters without a date first: they never count as latest). */
  letters: number[];
  primaryCancer: MergedCancer;
  /** Ordered by (year, month); see ordering in merge.ts. */
  events: MergedEvent[];
  otherCancers: MergedOtherCancer[];
  patientFacts: FactGroup<PatientFactType>[];
  statusUpdates: FactGroup<StatusUpdateType>[];
  conflicts: Conflict[];
};

export type MergeOptions = {
  /** Event de-duplication threshold on the similarity score (similarity.ts); default DEFAULT_SIMILARITY. */
  similarity?: number;
};
