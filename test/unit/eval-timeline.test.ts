import { describe, expect, it } from "vitest";
import { toScored, type ScoredDocument } from "../../src-main/evaluate/timeline/timelineFile.ts";
import { dateAgreement, normaliseText, scoreLetter } from "../../src-main/evaluate/timeline/timelineScore.ts";

function scored(value: Record<string, unknown>): { document: ScoredDocument; notes: string[] } {
  const read = toScored(value);
  if (read.document === null) throw new Error(read.error);
  return read;
}

const GOLD = {
  primary_cancer: {
    site: "Left breast",
    year: 2021,
    tnm_stage: "cT2 N1 M0",
    metastases: "",
    other_stage: null,
    cancer_timeline: [
      { type: "treatment_surgery", value: "Wide local excision", year: 2021, month: 4 },
      { type: "treatment_systemic_start", value: "Started FOLFOX  cycle 1.", year: 2021, month: 5 },
      { type: "treatment_systemic_start", value: "Started FOLFOX cycle 1", year: 2021 },
      { type: "investigation_finding", value: "CT clear" },
    ],
  },
  other_cancers: [{ site: "Basal cell carcinoma", year: 2015 }],
  patient_facts: [{ type: "comorbidity", value: "Asthma" }],
  status_updates: [],
};

describe("reading a timeline for scoring", () => {
  it("reads absent, \"\" and null alike as missing, and reports a type outside the schema without dropping it", () => {
    const { document, notes } = scored(GOLD);
    expect(Object.keys(document.scalars)).toEqual(["site", "year", "tnm_stage"]);
    expect(document.lists.cancer_timeline.map((item) => item.type)).toContain("investigation_finding");
    expect(notes).toEqual(['primary_cancer.cancer_timeline[3]: type "investigation_finding" is not a cancer_timeline type in the schema (scored as it is)']);
    expect(document.lists.other_cancers).toEqual([{ type: "other_cancer", value: "Basal cell carcinoma", year: 2015 }]);
  });

  it("normalises text: lower case, whitespace collapsed, trimmed, trailing .,;: removed", () => {
    expect(normaliseText("  Started FOLFOX \n cycle 1.;  ")).toBe("started folfox cycle 1");
    expect(normaliseText("T2: N1")).toBe("t2: n1");
  });
});

describe("strict scoring, worked by hand", () => {
  it("counts scalars, list items matched one-to-one with dates where the gold gives them, and other cancers by site", () => {
    const gold = scored(GOLD).document;
    const predicted = scored({
      primary_cancer: {
        site: "left breast.", // = gold after normalising: TP
        year: 2021, // TP
        tnm_stage: "cT2 N0 M0", // wrong value: 1 FP + 1 FN
        histopathology_status: "IDC grade 3", // not in the gold: FP
        cancer_timeline: [
          { type: "treatment_systemic_start", value: "started folfox cycle 1", year: 2021, month: 5 }, // can match gold #2 (month 5) or #3 (no month)
          { type: "treatment_systemic_start", value: "Started FOLFOX cycle 1", year: 2021, month: 6 }, // only gold #3 (month 6 ≠ 5): one-to-one gives both a match
          { type: "treatment_surgery", value: "Wide local excision", year: 2020, month: 4 }, // year differs from the gold's 2021: FP, and gold #1 is an FN
        ],
      },
      other_cancers: [{ site: "basal cell carcinoma", year: 2015 }], // TP (site in place of type and value)
      patient_facts: [{ type: "current_symptom", value: "Asthma" }], // same text, another type: FP, and the gold comorbidity an FN
      status_updates: [],
    }).document;
    // primary_cancer scalars: TP site, year = 2; FP tnm_stage, histopathology = 2; FN tnm_stage = 1.
    // cancer_timeline: TP 2 (the two FOLFOX starts, one-to-one); FP 1 (surgery 2020); FN 2 (surgery 2021, the CT finding).
    // other_cancers: TP 1. patient_facts: FP 1, FN 1. status_updates: nothing.
    // Overall: TP 5, FP 4, FN 4 → precision 5/9, recall 5/9, F1 2·5/(10+4+4) = 10/18.
    const counts = scoreLetter(gold, predicted, "strict");
    expect(counts.bySection).toEqual({
      primary_cancer: { tp: 2, fp: 2, fn: 1 },
      cancer_timeline: { tp: 2, fp: 1, fn: 2 },
      other_cancers: { tp: 1, fp: 0, fn: 0 },
      patient_facts: { tp: 0, fp: 1, fn: 1 },
      status_updates: { tp: 0, fp: 0, fn: 0 },
    });
    expect(counts.byField.tnm_stage).toEqual({ tp: 0, fp: 1, fn: 1 });
    expect(counts.byType.treatment_systemic_start).toEqual({ tp: 2, fp: 0, fn: 0 });
    expect(counts.byType.investigation_finding).toEqual({ tp: 0, fp: 0, fn: 1 });
    expect(counts.misses).toContainEqual({ section: "primary_cancer", type: "tnm_stage", gold: "cT2 N1 M0", predicted: "cT2 N0 M0" });
    expect(counts.misses).toContainEqual({ section: "cancer_timeline", type: "treatment_surgery", gold: "Wide local excision (2021-04)", predicted: null });
    expect(counts.misses).toContainEqual({ section: "cancer_timeline", type: "treatment_surgery", gold: null, predicted: "Wide local excision (2020-04)" });

    // Date accuracy, events matched on type and text alone: surgery (gold 2021-04, predicted 2020-04)
    // and the two FOLFOX starts (gold 2021-05 and 2021) ↔ predicted 2021-05 and 2021-06, the pair
    // whose dates agree preferred. Years given: 3, right: the two FOLFOX → 2/3. Months given: 2
    // (surgery, FOLFOX 2021-05), right: 1.
    expect(dateAgreement(gold, predicted)).toEqual({ withYear: 3, yearRight: 2, withMonth: 2, monthRight: 1 });

    // The order of the predicted items does not change the one-to-one matching.
    const reversed = { ...predicted, lists: { ...predicted.lists, cancer_timeline: [...predicted.lists.cancer_timeline].reverse() } };
    expect(scoreLetter(gold, reversed, "strict").bySection).toEqual(counts.bySection);
    expect(dateAgreement(gold, reversed)).toEqual(dateAgreement(gold, predicted));
  });

  it("relaxed: similar text by token-sort ratio, dates to the year; 'cancer' and 'non-cancer' stay apart", () => {
    const gold = scored({ primary_cancer: { tnm_stage: "cT2 N1 M0", cancer_timeline: [{ type: "treatment_systemic_start", value: "cycle 3 of FOLFOX", year: 2021, month: 5 }, { type: "anatomical_finding", value: "cancer" }] }, other_cancers: [], patient_facts: [], status_updates: [] }).document;
    const predicted = scored({ primary_cancer: { tnm_stage: "cT2 N1 M0.", cancer_timeline: [{ type: "treatment_systemic_start", value: "FOLFOX, cycle 3", year: 2021, month: 6 }, { type: "anatomical_finding", value: "non-cancer" }] }, other_cancers: [], patient_facts: [], status_updates: [] }).document;
    expect(scoreLetter(gold, predicted, "strict").bySection.cancer_timeline).toEqual({ tp: 0, fp: 2, fn: 2 });
    expect(scoreLetter(gold, predicted, "relaxed").bySection.cancer_timeline).toEqual({ tp: 1, fp: 1, fn: 1 });
    expect(scoreLetter(gold, predicted, "relaxed").bySection.primary_cancer).toEqual({ tp: 1, fp: 0, fn: 0 });
  });
});
