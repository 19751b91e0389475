/**
 * Evidence: where in the letter an extracted value is supported. Grades, best first:
 * exact (the value as written), normalised (same after case, whitespace, export artefacts and
 * lost-character `?` are evened out), fuzzy (similar text, with a score), ungrounded (no
 * supporting text found: a likely hallucination, shown to reviewers first).
 */
export const EVIDENCE_GRADES = ["exact", "normalised", "fuzzy", "ungrounded"] as const;
export type EvidenceGrade = (typeof EVIDENCE_GRADES)[number];

/** Half-open character range [start, end) in the letter text as stored. */
export type EvidenceSpan = { start: number; end: number; grade: Exclude<EvidenceGrade, "ungrounded">; score: number };

/** One extracted value and its grounding; `path` is its JSON path, e.g. `primary_cancer.cancer_timeline[2].value`. */
export type GroundedValue = { path: string; value: string; grade: EvidenceGrade; span: EvidenceSpan | null };
