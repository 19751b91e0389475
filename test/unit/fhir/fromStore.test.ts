import { describe, expect, it } from "vitest";
import { buildPatientBundle } from "../../../src-main/export/fhir/bundle.ts";
import { fhirInputsFromExtracted, groundedValue, letterFileName } from "../../../src-main/export/fhir/fromStore.ts";
import type { ExtractedLetter } from "../../../src-main/export/rows.ts";
import type { LetterRow } from "../../../src-main/store/letters.ts";
import type { TimelineDocument } from "../../../src-shared/timeline.ts";
import { checkBundle, evidenceOf, resources } from "../../helpers/fhir/checks.ts";

const DOCUMENT: TimelineDocument = { primary_cancer: { site: "rectum", cancer_timeline: [] }, other_cancers: [], patient_facts: [], status_updates: [] };

function row(id: number, patient: string | null, overrides: Partial<ExtractedLetter> = {}): ExtractedLetter {
  const letter: LetterRow = {
    id,
    patient_id: null,
    patient,
    text: "Cancer of the rectum.",
    source_path: `/letters/${id}.txt`,
    source_row: null,
    source_format: "txt",
    letter_date: "2024-05-01",
    char_count: 21,
  };
  return {
    letter,
    model: "m",
    status: "extracted",
    error: null,
    document: DOCUMENT,
    evidence: [{ extraction_id: id, path: "primary_cancer.site", value: "rectum", grade: "exact", start: 14, end: 20, score: 1 }],
    modelDocument: DOCUMENT,
    corrected: false,
    ...overrides,
  };
}

describe("fhirInputsFromExtracted", () => {
  it("groups extracted letters by patient and reports the letters it cannot export", () => {
    const { patients, skipped } = fhirInputsFromExtracted([
      row(3, "B"),
      row(1, "A"),
      row(2, null),
      row(4, "A", { status: "failed", error: "timeout", document: null, evidence: [] }),
      row(5, "A", { status: "not_extracted", document: null, evidence: [] }),
      row(6, "A"),
    ]);
    expect(patients.map((p) => [p.patient, p.letters.map((l) => l.letterId)])).toEqual([
      ["A", [1, 6]],
      ["B", [3]],
    ]);
    expect(skipped).toEqual([
      { letterId: 2, source: "2.txt", reason: "no patient id" },
      { letterId: 4, source: "4.txt", reason: "extraction failed: timeout" },
      { letterId: 5, source: "5.txt", reason: "not extracted" },
    ]);
    const bundle = buildPatientBundle(patients[0] as (typeof patients)[number]);
    checkBundle(bundle);
    const spans = resources(bundle).flatMap(evidenceOf);
    expect(spans.map((s) => [s.grade, s.start, s.end])).toEqual([
      ["exact", 14, 20],
      ["exact", 14, 20],
    ]);
  });

  it("names a letter by its file name and row, never its folder", () => {
    expect(letterFileName(row(1, "A").letter)).toBe("1.txt");
    expect(letterFileName({ ...row(1, "A").letter, source_path: "C:\\Users\\dr.jones\\clinic.csv", source_row: 12 })).toBe("clinic.csv:12");
  });

  it("turns evidence rows back into grounded values", () => {
    expect(groundedValue({ extraction_id: 1, path: "p", value: "v", grade: "normalised", start: 1, end: 3, score: null })).toEqual({
      path: "p",
      value: "v",
      grade: "normalised",
      span: { start: 1, end: 3, grade: "normalised", score: 1 },
    });
    expect(groundedValue({ extraction_id: 1, path: "p", value: "v", grade: "ungrounded", start: null, end: null, score: null }).span).toBeNull();
  });
});
