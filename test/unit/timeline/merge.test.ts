import { describe, expect, it } from "vitest";
import { mergePatientTimeline } from "../../../src-main/timeline/merge.ts";
import type { LetterTimeline } from "../../../src-shared/patientTimeline.ts";
import { doc, letter } from "./helpers.ts";

/** The text a provenance link points at, in the letter it names. */
function spanText(texts: Record<number, string>, p: { letterId: number; span: { start: number; end: number } | null }): string | undefined {
  return p.span ? texts[p.letterId]?.slice(p.span.start, p.span.end) : undefined;
}

describe("mergePatientTimeline: de-duplication", () => {
  const texts: Record<number, string> = {
    1: "Plan: start FOLFOX chemotherapy. Cycle 1 of FOLFOX was given on 03/04/2023 without problems.",
    2: "Treatment review. She started FOLFOX chemotherapy on 3rd April 2023 and has now had 3 cycles.",
    3: "Summary: FOLFOX chemotherapy started 2023-4-3; completed 6 cycles.",
  };
  const letters: LetterTimeline[] = [
    letter(1, "2023-04-10", texts[1] as string, doc({ events: [{ type: "treatment_systemic_start", value: "Cycle 1 of FOLFOX was given on 03/04/2023", year: 2023, month: 4 }] })),
    letter(2, "2023-05-20", texts[2] as string, doc({ events: [{ type: "treatment_systemic_start", value: "started FOLFOX chemotherapy on 3rd April 2023", year: 2023, month: 4 }] })),
    letter(3, "2023-09-01", texts[3] as string, doc({ events: [{ type: "treatment_systemic_start", value: "FOLFOX chemotherapy started 2023-4-3", year: 2023 }] })),
  ];

  it("merges the same event from 3 letters into one, linked to every letter and span", () => {
    const timeline = mergePatientTimeline("X", letters);
    expect(timeline.events).toHaveLength(1);
    const [event] = timeline.events;
    expect(event?.provenance.map((p) => p.letterId)).toEqual([1, 2, 3]);
    expect(event?.provenance.map((p) => p.path)).toEqual([
      "primary_cancer.cancer_timeline[0].value",
      "primary_cancer.cancer_timeline[0].value",
      "primary_cancer.cancer_timeline[0].value",
    ]);
    for (const p of event?.provenance ?? []) {
      expect(p.grade).toBe("exact");
      expect(spanText(texts, p)).toBe(p.value);
    }
    // The most specific date (year + month) wins; the longest grounded wording represents it.
    expect(event).toMatchObject({ year: 2023, month: 4, dateSource: "stated", value: "started FOLFOX chemotherapy on 3rd April 2023" });
  });

  it("merges whatever order the letters come in", () => {
    const timeline = mergePatientTimeline("X", [...letters].reverse());
    expect(timeline.letters).toEqual([1, 2, 3]);
    expect(timeline.events).toHaveLength(1);
    expect(timeline.events[0]?.provenance.map((p) => p.letterId)).toEqual([1, 2, 3]);
  });

  it("respects the threshold option (above 1 nothing merges)", () => {
    expect(mergePatientTimeline("X", letters, { similarity: 1.01 }).events).toHaveLength(3);
  });

  it("does not merge near-duplicates that are different events", () => {
    const timeline = mergePatientTimeline("X", [
      letter(1, "2023-04-10", "Cycle 1 of FOLFOX given. Oxaliplatin stopped for neuropathy. CT showed a 12 mm node.", doc({
        events: [
          { type: "other_progress_or_event", value: "Cycle 1 of FOLFOX given" },
          { type: "treatment_systemic_change", value: "Oxaliplatin stopped for neuropathy" },
          { type: "anatomical_finding", value: "CT showed a 12 mm node", year: 2023, month: 3 },
        ],
      })),
      letter(2, "2023-08-01", "Cycle 6 of FOLFOX given. Oxaliplatin restarted at reduced dose. CT showed a 12 mm node.", doc({
        events: [
          { type: "other_progress_or_event", value: "Cycle 6 of FOLFOX given" },
          { type: "treatment_systemic_change", value: "Oxaliplatin restarted at reduced dose" },
          // Same words, different month: a different scan.
          { type: "anatomical_finding", value: "CT showed a 12 mm node", year: 2023, month: 7 },
        ],
      })),
      letter(3, "2023-09-01", "Oxaliplatin started in April.", doc({
        events: [{ type: "treatment_systemic_start", value: "Oxaliplatin started in April" }],
      })),
    ]);
    expect(timeline.events).toHaveLength(7);
    expect(timeline.events.every((e) => e.provenance.length === 1)).toBe(true);
  });

  it("never merges two events of the same letter", () => {
    const text = "CT on 02/05/2023 showed a stable liver lesion. CT on 02/05/2023 showed a stable lung lesion.";
    const timeline = mergePatientTimeline("X", [
      letter(1, "2023-05-10", text, doc({
        events: [
          { type: "anatomical_finding", value: "CT on 02/05/2023 showed a stable liver lesion", year: 2023, month: 5 },
          { type: "anatomical_finding", value: "CT on 02/05/2023 showed a stable lung lesion", year: 2023, month: 5 },
        ],
      })),
    ]);
    expect(timeline.events).toHaveLength(2);
  });

  it("merges a restatement into the closest earlier event, one to one", () => {
    const t1 = "Osimertinib 80 mg daily from 12/09/2022. Osimertinib withheld from 29/05/2023 for diarrhoea.";
    const t2 = "History: osimertinib 12/09/2022 - 10/01/2024; osimertinib withheld May 2023 because of diarrhoea.";
    const timeline = mergePatientTimeline("X", [
      letter(1, "2023-06-12", t1, doc({
        events: [
          { type: "treatment_systemic_start", value: "Osimertinib 80 mg daily from 12/09/2022", year: 2022, month: 9 },
          { type: "treatment_systemic_change", value: "Osimertinib withheld from 29/05/2023 for diarrhoea", year: 2023, month: 5 },
        ],
      })),
      letter(2, "2024-02-19", t2, doc({
        events: [
          { type: "treatment_systemic_start", value: "osimertinib 12/09/2022 - 10/01/2024", year: 2022, month: 9 },
          { type: "treatment_systemic_change", value: "osimertinib withheld May 2023 because of diarrhoea", year: 2023, month: 5 },
        ],
      })),
    ]);
    expect(timeline.events.map((e) => [e.type, e.provenance.map((p) => p.letterId)])).toEqual([
      ["treatment_systemic_start", [1, 2]],
      ["treatment_systemic_change", [1, 2]],
    ]);
  });
});

describe("mergePatientTimeline: dates and order", () => {
  it("places undated events at their letter's date, marked, and orders everything by (year, month)", () => {
    const t1 = "Lump noticed in January 2022. Biopsy showed carcinoma. Mammogram in 2022 showed a mass.";
    const t2 = "Surgery on 14/03/2022. Started letrozole. Bone scan was clear.";
    const timeline = mergePatientTimeline("X", [
      letter(2, "2022-04-20", t2, doc({
        events: [
          { type: "treatment_surgery", value: "Surgery on 14/03/2022", year: 2022, month: 3 },
          { type: "treatment_systemic_start", value: "Started letrozole" },
          { type: "anatomical_finding", value: "Bone scan was clear" },
        ],
      })),
      letter(1, "2022-02-15", t1, doc({
        events: [
          { type: "laboratory_finding", value: "Biopsy showed carcinoma" },
          { type: "other_progress_or_event", value: "Lump noticed in January 2022", year: 2022, month: 1 },
          { type: "anatomical_finding", value: "Mammogram in 2022 showed a mass", year: 2022 },
        ],
      })),
      letter(3, null, "Under review.", doc({ events: [{ type: "other_progress_or_event", value: "Under review" }] })),
    ]);
    expect(timeline.events.map((e) => [e.value, e.year, e.month, e.dateSource])).toEqual([
      // Year only: before the months of its year.
      ["Mammogram in 2022 showed a mass", 2022, undefined, "stated"],
      ["Lump noticed in January 2022", 2022, 1, "stated"],
      // Undated, from the letter of 2022-02-15.
      ["Biopsy showed carcinoma", 2022, 2, "letter-date"],
      ["Surgery on 14/03/2022", 2022, 3, "stated"],
      ["Started letrozole", 2022, 4, "letter-date"],
      ["Bone scan was clear", 2022, 4, "letter-date"],
      // No date anywhere: last.
      ["Under review", undefined, undefined, "unknown"],
    ]);
    // The undated letter sorts first (it can never be "latest").
    expect(timeline.letters).toEqual([3, 1, 2]);
  });

  it("an undated restatement joins a dated event and keeps the stated date", () => {
    const timeline = mergePatientTimeline("X", [
      letter(1, "2022-05-01", "Left mastectomy on 14/03/2022.", doc({ events: [{ type: "treatment_surgery", value: "Left mastectomy on 14/03/2022", year: 2022, month: 3 }] })),
      letter(2, "2023-05-01", "She had a left mastectomy.", doc({ events: [{ type: "treatment_surgery", value: "left mastectomy" }] })),
    ]);
    expect(timeline.events).toHaveLength(1);
    expect(timeline.events[0]).toMatchObject({ year: 2022, month: 3, dateSource: "stated" });
    expect(timeline.events[0]?.provenance).toHaveLength(2);
  });
});

describe("mergePatientTimeline: primary cancer fields and conflicts", () => {
  it("keeps equal values (after normalisation) as one value with every letter's provenance", () => {
    const timeline = mergePatientTimeline("X", [
      letter(1, "2022-01-01", "Stage IIB, T2 N1 M0, left breast, diagnosed 2021.", doc({ primary: { other_stage: "Stage IIB", tnm_stage: "T2 N1 M0", site: "left breast", year: 2021 } })),
      letter(2, "2022-06-01", "stage IIb (T2N1M0) left  breast, diagnosed March 2021.", doc({ primary: { other_stage: "stage IIb", tnm_stage: "T2N1M0", site: "left  breast", year: 2021, month: 3 } })),
    ]);
    expect(timeline.conflicts).toEqual([]);
    expect(timeline.primaryCancer.other_stage).toMatchObject({ value: "stage IIb", conflicted: false });
    expect(timeline.primaryCancer.other_stage?.provenance.map((p) => p.letterId)).toEqual([1, 2]);
    expect(timeline.primaryCancer.tnm_stage?.provenance.every((p) => p.grade === "exact")).toBe(true);
    // "2021" and "2021-03" are compatible: the more specific form is shown.
    expect(timeline.primaryCancer.diagnosis).toMatchObject({ value: "2021-03", year: 2021, month: 3, conflicted: false });
    expect(timeline.primaryCancer.diagnosis?.provenance.map((p) => [p.path, p.value, p.grade])).toEqual([
      ["primary_cancer.year", "2021", null],
      ["primary_cancer.year", "2021-03", null],
    ]);
  });

  it("surfaces two different stages and two diagnosis dates as conflicts, showing the latest flagged", () => {
    const t1 = "Staging: T2 N0 M0. Diagnosed in February 2021.";
    const t2 = "Restaging: T3 N1 M0. Diagnosed in April 2021.";
    const timeline = mergePatientTimeline("X", [
      letter(2, "2022-01-01", t2, doc({ primary: { tnm_stage: "T3 N1 M0", year: 2021, month: 4 } })),
      letter(1, "2021-03-01", t1, doc({ primary: { tnm_stage: "T2 N0 M0", year: 2021, month: 2 } })),
    ]);
    expect(timeline.primaryCancer.tnm_stage).toMatchObject({ value: "T3 N1 M0", conflicted: true });
    expect(timeline.primaryCancer.diagnosis).toMatchObject({ value: "2021-04", conflicted: true });
    const stage = timeline.conflicts.find((c) => c.field === "primary_cancer.tnm_stage");
    expect(stage?.kind).toBe("different");
    expect(stage?.values.map((v) => [v.value, v.provenance.map((p) => p.letterId)])).toEqual([
      ["T2 N0 M0", [1]],
      ["T3 N1 M0", [2]],
    ]);
    const span = stage?.values[0]?.provenance[0]?.span;
    expect(span && t1.slice(span.start, span.end)).toBe("T2 N0 M0");
    expect(timeline.conflicts.find((c) => c.field === "primary_cancer.diagnosis")?.values.map((v) => v.value)).toEqual(["2021-02", "2021-04"]);
  });

  it("calls a fuller wording of the same value a refinement, not a difference", () => {
    const timeline = mergePatientTimeline("X", [
      letter(1, "2022-01-01", "ER 8/8, HER2 3+ on IHC", doc({ primary: { biomarker_status: "ER 8/8, HER2 3+ on IHC" } })),
      letter(2, "2022-06-01", "ER 8/8, HER2 3+", doc({ primary: { biomarker_status: "ER 8/8, HER2 3+" } })),
    ]);
    expect(timeline.conflicts).toMatchObject([{ field: "primary_cancer.biomarker_status", kind: "refinement" }]);
  });

  it("treats ER+ and ER- as different", () => {
    const timeline = mergePatientTimeline("X", [
      letter(1, "2022-01-01", "ER+ PR-", doc({ primary: { biomarker_status: "ER+ PR-" } })),
      letter(2, "2022-06-01", "ER- PR-", doc({ primary: { biomarker_status: "ER- PR-" } })),
    ]);
    expect(timeline.conflicts).toHaveLength(1);
  });
});

describe("mergePatientTimeline: reviewer corrections", () => {
  const text = "Staging CT: T2 N1 M0. Started tamoxifen 20 mg daily in May 2022.";
  const model = doc({
    primary: { tnm_stage: "T2 N0 M0" },
    events: [{ type: "treatment_systemic_start", value: "tamoxifen", year: 2022, month: 5 }],
  });
  const corrected = doc({
    primary: { tnm_stage: "T2 N1 M0" },
    events: [{ type: "treatment_systemic_start", value: "Started tamoxifen 20 mg daily in May 2022", year: 2022, month: 5 }],
  });

  it("a corrected document replaces the model's for its letter, without a conflict", () => {
    const timeline = mergePatientTimeline("X", [letter(1, "2022-06-01", text, model), letter(1, "2022-06-01", text, corrected, true)]);
    expect(timeline.letters).toEqual([1]);
    expect(timeline.conflicts).toEqual([]);
    expect(timeline.primaryCancer.tnm_stage).toMatchObject({ value: "T2 N1 M0", conflicted: false });
    expect(timeline.primaryCancer.tnm_stage?.provenance).toMatchObject([{ corrected: true, grade: "exact" }]);
    expect(timeline.events).toHaveLength(1);
    // Same result whichever order the two documents come in.
    const reversed = mergePatientTimeline("X", [letter(1, "2022-06-01", text, corrected, true), letter(1, "2022-06-01", text, model)]);
    expect(reversed).toEqual(timeline);
  });

  it("a corrected value is shown over a later letter's model value, but the disagreement stays a conflict", () => {
    const later = doc({
      primary: { tnm_stage: "T2 N0 M0" },
      events: [{ type: "treatment_systemic_start", value: "tamoxifen", year: 2022, month: 5 }],
    });
    const timeline = mergePatientTimeline("X", [
      letter(1, "2022-06-01", text, corrected, true),
      letter(2, "2023-01-01", "Staging T2 N0 M0. On tamoxifen.", later),
    ]);
    expect(timeline.primaryCancer.tnm_stage).toMatchObject({ value: "T2 N1 M0", conflicted: true });
    expect(timeline.conflicts.map((c) => c.field)).toEqual(["primary_cancer.tnm_stage"]);
    // The merged event takes the corrected wording, and keeps both letters.
    expect(timeline.events).toHaveLength(1);
    expect(timeline.events[0]?.value).toBe("Started tamoxifen 20 mg daily in May 2022");
    expect(timeline.events[0]?.provenance.map((p) => [p.letterId, p.corrected])).toEqual([
      [1, true],
      [2, false],
    ]);
  });
});

describe("mergePatientTimeline: patient facts, status updates, other cancers", () => {
  const t1 = "PS: ECOG 1. Comorbidities: diabetes; hypertension. Plan: CT in 3 months.";
  const t2 = "PS: ECOG 2. Comorbidities: diabetes. Plan: refer to palliative care.";
  const t3 = "Sadly he died on 02/02/2024.";
  const timeline = mergePatientTimeline("X", [
    letter(1, "2023-01-01", t1, doc({
      patient_facts: [
        { type: "performance_status", value: "ECOG 1" },
        { type: "comorbidity", value: "diabetes" },
        { type: "comorbidity", value: "hypertension" },
      ],
      status_updates: [{ type: "planned_investigation", value: "CT in 3 months" }],
      other_cancers: [{ site: "prostate", year: 2015, latest_situation: "PSA undetectable" }],
    })),
    letter(2, "2023-06-01", t2, doc({
      patient_facts: [
        { type: "performance_status", value: "ECOG 2" },
        { type: "comorbidity", value: "diabetes" },
      ],
      status_updates: [{ type: "follow_up_referral", value: "refer to palliative care" }],
      other_cancers: [{ site: "Prostate", year: 2016, latest_situation: "PSA rising" }],
    })),
    letter(3, "2024-02-10", t3, doc({ status_updates: [{ type: "death_flag", value: "he died on 02/02/2024" }] })),
  ]);

  it("keeps the latest letter's values current and earlier ones as history, per type", () => {
    const ps = timeline.patientFacts.find((f) => f.type === "performance_status");
    expect(ps?.current.map((v) => [v.value, v.letterId])).toEqual([["ECOG 2", 2]]);
    expect(ps?.history.map((v) => [v.value, v.letterId])).toEqual([["ECOG 1", 1]]);
    expect(ps?.current[0]?.provenance).toMatchObject({ path: "patient_facts[0].value", grade: "exact" });
    const comorbidity = timeline.patientFacts.find((f) => f.type === "comorbidity");
    expect(comorbidity?.current.map((v) => v.value)).toEqual(["diabetes"]);
    expect(comorbidity?.history.map((v) => v.value)).toEqual(["diabetes", "hypertension"]);
    expect(timeline.patientFacts.map((f) => f.type)).toEqual(["comorbidity", "performance_status"]);
  });

  it("status updates: a type's current value is from the latest letter that mentions the type", () => {
    const byType = Object.fromEntries(timeline.statusUpdates.map((g) => [g.type, g.current.map((v) => v.letterId)]));
    expect(byType).toEqual({ planned_investigation: [1], follow_up_referral: [2], death_flag: [3] });
  });

  it("matches other cancers by site, merges their fields and keeps the latest situation with history", () => {
    expect(timeline.otherCancers).toHaveLength(1);
    const [prostate] = timeline.otherCancers;
    expect(prostate?.label).toBe("prostate");
    expect(prostate?.site?.conflicted).toBe(false);
    expect(prostate?.diagnosis?.conflicted).toBe(true);
    expect(prostate?.latestSituation?.current.value).toBe("PSA rising");
    expect(prostate?.latestSituation?.history.map((v) => v.value)).toEqual(["PSA undetectable"]);
    expect(timeline.conflicts.map((c) => c.field)).toEqual(["other_cancers[prostate].diagnosis"]);
  });
});

describe("mergePatientTimeline: evidence", () => {
  it("does not use evidence recorded for another value at the same path", () => {
    const input = letter(1, "2023-01-01", "T2 N0 M0", doc({ primary: { tnm_stage: "T2 N0 M0" } }));
    const stale: LetterTimeline = { ...input, document: doc({ primary: { tnm_stage: "T4 N0 M0" } }) };
    const timeline = mergePatientTimeline("X", [stale]);
    expect(timeline.primaryCancer.tnm_stage?.provenance).toMatchObject([{ value: "T4 N0 M0", span: null, grade: null }]);
  });

  it("returns an empty timeline for no letters", () => {
    expect(mergePatientTimeline("X", [])).toEqual({
      patient: "X",
      letters: [],
      primaryCancer: {},
      events: [],
      otherCancers: [],
      patientFacts: [],
      statusUpdates: [],
      conflicts: [],
    });
  });
});
