import { describe, expect, it } from "vitest";
import { checkArtefact, editDistance, findAbbreviations, findMisspellings, findStages, requestedArtefacts, type ArtefactKind } from "../../src-main/synth/artefacts.ts";
import { DEFAULT_DATA_QUALITY_ISSUES, NO_ISSUE } from "../../src-main/synth/gridSampler.ts";
import type { TimelineDocument } from "../../src-shared/timeline.ts";

const EMPTY: TimelineDocument = { primary_cancer: { cancer_timeline: [] }, other_cancers: [], patient_facts: [], status_updates: [] };
const CLEAN = "Adenocarcinoma of the lung, stage IVB, EGFR exon 19 deletion. Osimertinib started 03/2022. CT 14/01/2023 showed stable disease. ECOG PS 1.";

const present = (kind: ArtefactKind, letter: string, gold: TimelineDocument = EMPTY): boolean => checkArtefact(kind, letter, gold).present;

describe("requested artefacts", () => {
  it("every default data-quality issue of the sampler maps to an artefact that is checked", () => {
    for (const issue of Object.keys(DEFAULT_DATA_QUALITY_ISSUES).filter((i) => i !== NO_ISSUE)) {
      expect(requestedArtefacts(issue), issue).not.toEqual([]);
    }
    expect(requestedArtefacts("a biomarker name misspelt (e.g. 'HER-2 postive', 'EGRF', 'Ki67%')")).toEqual(["misspelling"]);
    expect(requestedArtefacts("literal \\t and \\n runs")).toEqual(["export-whitespace"]);
    expect(requestedArtefacts(null)).toEqual([]);
    expect(requestedArtefacts("something nobody wrote a rule for")).toEqual([]);
  });

  it("misspellings: a clinical term one or two edits off is found; correct terms are not", () => {
    expect(editDistance("egrf", "egfr")).toBe(1); // a transposition is one edit
    expect(findMisspellings("HER-2 postive, started osimertinb.")).toEqual(["postive→positive", "osimertinb→osimertinib"]);
    expect(findMisspellings(CLEAN)).toEqual([]);
    expect(present("misspelling", "EGRF mutation found")).toBe(true);
    expect(present("misspelling", CLEAN)).toBe(false);
  });

  it("heavy abbreviations: ten or more distinct ones", () => {
    expect(findAbbreviations(CLEAN).sort()).toEqual(["CT", "ECOG", "EGFR", "IVB", "PS"]);
    expect(present("abbreviations", CLEAN)).toBe(false);
    expect(present("abbreviations", `${CLEAN} Pt c/o SOB, O/E NAD, BP and HR ok, SpO2 96% on RA, FBC and LFT normal, CXR clear.`)).toBe(true);
  });

  it("relative dates", () => {
    expect(present("relative-dates", `${CLEAN} Pain began three weeks ago.`)).toBe(true);
    expect(present("relative-dates", `${CLEAN} Seen last spring.`)).toBe(true);
    expect(present("relative-dates", CLEAN)).toBe(false);
  });

  it("missing dates: a treatment in the gold without a date", () => {
    const undated: TimelineDocument = { ...EMPTY, primary_cancer: { cancer_timeline: [{ type: "treatment_systemic_start", value: "started chemotherapy" }] } };
    const dated: TimelineDocument = { ...EMPTY, primary_cancer: { cancer_timeline: [{ type: "treatment_systemic_start", value: "Osimertinib started 03/2022", year: 2022, month: 3 }] } };
    expect(present("missing-dates", CLEAN, undated)).toBe(true);
    expect(present("missing-dates", CLEAN, dated)).toBe(false);
  });

  it("a repeated paragraph: twelve words or more occurring twice", () => {
    const paragraph = "She remains well with no new symptoms and is keen to continue treatment at the same dose.";
    expect(present("repeated-paragraph", `${paragraph} ${CLEAN} ${paragraph}`)).toBe(true);
    expect(present("repeated-paragraph", `${CLEAN} ECOG PS 1.`)).toBe(false);
  });

  it("inconsistent stage: two different stage statements", () => {
    expect(findStages("stage 3A then T2 N1 M0 and stage IIIA")).toEqual(["stage IIIA", "T2N1M0"]);
    expect(present("inconsistent-stage", `${CLEAN} Staging at referral was stage II.`)).toBe(true);
    expect(present("inconsistent-stage", "pT2 N1 M0 at surgery, later T3 N1 M1")).toBe(true);
    expect(present("inconsistent-stage", CLEAN)).toBe(false);
  });

  it("export whitespace and lost characters", () => {
    expect(present("export-whitespace", "Plan:\\n\\tCT")).toBe(true);
    expect(present("export-whitespace", "Plan:\n\tCT")).toBe(false);
    expect(present("lost-character", "the patient?s dose 20?mg")).toBe(true);
    expect(present("lost-character", "Is she well? Yes.")).toBe(false);
  });
});
