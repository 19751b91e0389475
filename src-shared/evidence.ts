/**
 * Evidence: where in the letter an extracted value is supported. Grades, best first:
 * exact (the value as written), normalised (same after case, whitespace, export artefacts and
 * lost-character `?` are evened out), fuzzy (similar text, with a score), ungrounded (no
 * supporting text found: a likely hallucination, shown to reviewers first).
 *
 * Dates are evidence too: each dated item (primary cancer, timeline event, other cancer) has one
 * entry at `<item path>.date` with value "2019" or "2019-03". It is exact when the letter writes
 * that year (and month) in any common format, fuzzy when only the year is written for a
 * year+month date, ungrounded when the letter has no such date.
 */
export const EVIDENCE_GRADES = ["exact", "normalised", "fuzzy", "ungrounded"] as const;
export type EvidenceGrade = (typeof EVIDENCE_GRADES)[number];

/**
 * Half-open character range [start, end) in the letter text as stored. `score` is 1 for exact and
 * normalised; for fuzzy text it is 1 - edits / value length (at least the fuzzy threshold, 0.8 by
 * default); for a year-only date it is 0.5 (one of year and month found).
 */
export type EvidenceSpan = { start: number; end: number; grade: Exclude<EvidenceGrade, "ungrounded">; score: number };

/**
 * One extracted value and its grounding; `path` is its JSON path, e.g.
 * `primary_cancer.cancer_timeline[2].value`, or `primary_cancer.cancer_timeline[2].date` for its date.
 */
export type GroundedValue = { path: string; value: string; grade: EvidenceGrade; span: EvidenceSpan | null };
