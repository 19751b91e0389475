import { describe, expect, it } from "vitest";
import { mergePartDocuments, splitLetter } from "../../src-main/extract/longLetters.ts";
import type { TimelineDocument } from "../../src-shared/timeline.ts";

const paragraph = (i: number) => `Paragraph ${i}. ${"The patient was reviewed in clinic today. ".repeat(5)}`;

describe("splitLetter", () => {
  it("covers the whole letter in parts no longer than asked, overlapping, broken at paragraphs", () => {
    const text = Array.from({ length: 12 }, (_, i) => paragraph(i)).join("\n\n");
    const parts = splitLetter(text, 600, 100);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts[0]?.start).toBe(0);
    expect(parts.at(-1)?.end).toBe(text.length);
    for (const [i, part] of parts.entries()) {
      expect(part.text).toBe(text.slice(part.start, part.end));
      expect(part.end - part.start).toBeLessThanOrEqual(600);
      if (i > 0) expect(part.start).toBeLessThan(parts[i - 1]?.end as number); // overlap
      if (part.end < text.length) expect(text.slice(part.end - 2, part.end)).toBe("\n\n");
    }
  });

  it("treats the literal \\n\\n of bad exports as a paragraph break", () => {
    const text = Array.from({ length: 8 }, (_, i) => paragraph(i)).join("\\n\\n");
    const parts = splitLetter(text, 500, 50);
    for (const part of parts.slice(0, -1)) expect(text.slice(part.end - 4, part.end)).toBe("\\n\\n");
  });

  it("always makes progress, even through one endless word", () => {
    const parts = splitLetter("x".repeat(1000), 300, 50);
    expect(parts.at(-1)?.end).toBe(1000);
    expect(parts.length).toBeLessThan(10);
  });
});

describe("mergePartDocuments", () => {
  const doc = (partial: Partial<TimelineDocument> & { primary?: Partial<TimelineDocument["primary_cancer"]> }): TimelineDocument => ({
    primary_cancer: { cancer_timeline: [], ...partial.primary },
    other_cancers: partial.other_cancers ?? [],
    patient_facts: partial.patient_facts ?? [],
    status_updates: partial.status_updates ?? [],
  });

  it("drops the duplicates the overlap produces, keeps the rest in order", () => {
    const event = { type: "treatment_surgery" as const, value: "Wide local excision", year: 2021, month: 4 };
    const merged = mergePartDocuments([
      doc({ primary: { site: "left breast", cancer_timeline: [event] }, patient_facts: [{ type: "comorbidity", value: "COPD" }] }),
      doc({ primary: { cancer_timeline: [{ ...event, value: "wide  local excision" }, { type: "treatment_radiotherapy", value: "40 Gy in 15 fractions" }] } }),
    ]);
    expect(merged.document.primary_cancer).toEqual({
      site: "left breast",
      cancer_timeline: [event, { type: "treatment_radiotherapy", value: "40 Gy in 15 fractions" }],
    });
    expect(merged.document.patient_facts).toEqual([{ type: "comorbidity", value: "COPD" }]);
    expect(merged.warnings).toEqual([]);
  });

  it("keeps the first part's cancer field and reports a different one, never choosing silently", () => {
    const merged = mergePartDocuments([doc({ primary: { tnm_stage: "pT2 N1 M0" } }), doc({ primary: { tnm_stage: "T3 N1 M0" } })]);
    expect(merged.document.primary_cancer.tnm_stage).toBe("pT2 N1 M0");
    expect(merged.warnings).toEqual(['part 2 gives another primary_cancer.tnm_stage ("T3 N1 M0"); kept "pT2 N1 M0"']);
  });
});
