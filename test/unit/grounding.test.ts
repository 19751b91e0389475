import { describe, expect, it } from "vitest";
import { groundableValues, groundDocument, groundValue, indexLetter, textValues } from "../../src-main/grounding/index.ts";
import type { TimelineDocument } from "../../src-shared/timeline.ts";

const LETTER =
  "Diagnosis:\\tCarcinoma of the LEFT breast,\\n\\n   grade 3 (pT2 N1a M0).\\nThe patient?s ER 8/8, HER2 negative.\\n" +
  "Temperature 37.5?C on arrival. She remains over-anxious about recurrence.";

function grounded(value: string) {
  const result = groundValue(indexLetter(LETTER), value);
  return { grade: result.grade, text: result.span ? LETTER.slice(result.span.start, result.span.end) : null };
}

describe("grounding", () => {
  it("finds a value as written: exact", () => {
    expect(grounded("pT2 N1a M0")).toEqual({ grade: "exact", text: "pT2 N1a M0" });
  });

  it("evens out whitespace re-wrapped by export artefacts: normalised, span maps to the original", () => {
    expect(grounded("Carcinoma of the LEFT breast, grade 3")).toEqual({
      grade: "normalised",
      text: "Carcinoma of the LEFT breast,\\n\\n   grade 3",
    });
  });

  it("matches a character lost as ? in the letter", () => {
    expect(grounded("patient's ER 8/8")).toEqual({ grade: "normalised", text: "patient?s ER 8/8" });
    expect(grounded("37.5°C")).toEqual({ grade: "normalised", text: "37.5?C" });
  });

  it("matches an abbreviation written in another case", () => {
    expect(grounded("her2 NEGATIVE")).toEqual({ grade: "normalised", text: "HER2 negative" });
  });

  it("flags a value the letter does not contain as ungrounded", () => {
    expect(grounded("EGFR exon 19 deletion")).toEqual({ grade: "ungrounded", text: null });
    expect(grounded("   ")).toEqual({ grade: "ungrounded", text: null });
  });

  it("does not ground a short value inside another word", () => {
    expect(grounded("ER 8/8").grade).toBe("exact");
    expect(grounded("over").grade).toBe("exact"); // "over-anxious": a hyphen is a word boundary
    expect(grounded("ove")).toEqual({ grade: "ungrounded", text: null });
  });

  it("ignores a trailing full stop the model added", () => {
    expect(grounded("HER2 negative.").grade).toBe("exact");
    expect(grounded("HER2 negative;")).toEqual({ grade: "normalised", text: "HER2 negative" });
  });

  it("grounds every free-text value of a document and skips enum labels", () => {
    const document: TimelineDocument = {
      primary_cancer: {
        site: "LEFT breast",
        tnm_stage: "pT2 N1a M0",
        cancer_timeline: [{ type: "laboratory_finding", value: "HER2 negative", year: 2021 }],
      },
      other_cancers: [],
      patient_facts: [{ type: "current_symptom", value: "chest pain" }],
      status_updates: [],
    };
    expect(textValues(document).map((item) => item.path)).toEqual([
      "primary_cancer.site",
      "primary_cancer.tnm_stage",
      "primary_cancer.cancer_timeline[0].value",
      "patient_facts[0].value",
    ]);
    const result = groundDocument(LETTER, document);
    // The event's year is not in the letter: its date is ungrounded too.
    expect(result.map((item) => [item.path, item.grade])).toEqual([
      ["primary_cancer.site", "exact"],
      ["primary_cancer.tnm_stage", "exact"],
      ["primary_cancer.cancer_timeline[0].value", "exact"],
      ["patient_facts[0].value", "ungrounded"],
      ["primary_cancer.cancer_timeline[0].date", "ungrounded"],
    ]);
    expect(groundableValues(document)).toEqual(result.map(({ path, value }) => ({ path, value })));
    for (const item of result) {
      if (item.span) expect(LETTER.slice(item.span.start, item.span.end).toLowerCase()).toContain(item.value.toLowerCase().slice(0, 4));
    }
  });
});
