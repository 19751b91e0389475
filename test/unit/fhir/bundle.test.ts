import type { Condition, MedicationAdministration, MedicationRequest, Observation, Procedure } from "@medplum/fhirtypes";
import { describe, expect, it } from "vitest";
import { buildPatientBundle, stableUuid, type FhirLetterInput } from "../../../src-main/export/fhir/bundle.ts";
import { EXTRACTION_STATUS_EXTENSION, FIXED_CODINGS, MCODE_PROFILES, PATIENT_ID_SYSTEM } from "../../../src-main/export/fhir/mcode.ts";
import { groundDocument } from "../../../src-main/grounding/index.ts";
import type { TimelineDocument } from "../../../src-shared/timeline.ts";
import { checkBundle, evidenceOf, ofType, profiled, resources } from "../../helpers/fhir/checks.ts";

const LETTER = [
  "Diagnosis: Carcinoma of the left breast, diagnosed March 2021.",
  "Histology: invasive ductal carcinoma, grade 3. ER positive, HER2 negative.",
  "Stage: pT2 N1a M0, Stage IIB. Nodal disease in the left axilla.",
  "She had a wide local excision in April 2021 and adjuvant radiotherapy 40 Gy in 15 fractions.",
  "Letrozole 2.5 mg daily was started in June 2021. We plan to start abemaciclib next month.",
  "Her WHO performance status is 1. She reports mild fatigue.",
  "Response: no evidence of recurrence on the CT scan.",
].join("\n");

const DOCUMENT: TimelineDocument = {
  primary_cancer: {
    site: "left breast",
    year: 2021,
    month: 3,
    metastases: "left axilla",
    tnm_stage: "pT2 N1a M0",
    other_stage: "Stage IIB",
    histopathology_status: "invasive ductal carcinoma, grade 3",
    biomarker_status: "ER positive, HER2 negative",
    cancer_timeline: [
      { type: "treatment_surgery", value: "wide local excision in April 2021", year: 2021, month: 4 },
      { type: "treatment_radiotherapy", value: "adjuvant radiotherapy 40 Gy in 15 fractions", year: 2021 },
      { type: "treatment_systemic_start", value: "Letrozole 2.5 mg daily was started in June 2021", year: 2021, month: 6 },
      { type: "treatment_systemic_start", value: "We plan to start abemaciclib next month" },
      { type: "anatomical_finding", value: "no evidence of recurrence on the CT scan" },
    ],
  },
  other_cancers: [],
  patient_facts: [
    { type: "performance_status", value: "WHO performance status is 1" },
    { type: "current_symptom", value: "mild fatigue" },
  ],
  status_updates: [{ type: "latest_treatment_response", value: "no evidence of recurrence on the CT scan" }],
};

function letter(overrides: Partial<FhirLetterInput> = {}): FhirLetterInput {
  const document = overrides.document ?? DOCUMENT;
  const text = overrides.text ?? LETTER;
  return { letterId: 7, letterDate: "2021-09-14", source: "S001_2021-09-14_review.txt", text, document, evidence: groundDocument(text, document), ...overrides };
}

describe("buildPatientBundle (hand-made letter)", () => {
  const bundle = buildPatientBundle({ patient: "S001", letters: [letter({ status: "corrected" })] });

  it("is a valid R4 collection bundle: 0 validator errors, references resolve, evidence on every resource", () => {
    checkBundle(bundle);
  });

  it("has one Patient with the study id and no name, and the letter as a DocumentReference", () => {
    const [patient] = ofType(bundle, "Patient");
    expect(patient?.identifier).toEqual([{ system: PATIENT_ID_SYSTEM, value: "S001" }]);
    expect(JSON.stringify(patient?.name)).not.toMatch(/given|family|text/);
    const [doc] = ofType(bundle, "DocumentReference");
    expect(doc?.context?.period?.start).toBe("2021-09-14");
    expect(doc?.content[0]?.attachment.title).toBe("S001_2021-09-14_review.txt");
    expect(doc?.content[0]?.attachment.hash).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(doc?.content[0]?.attachment.data).toBeUndefined();
    expect(doc?.extension).toEqual([{ url: EXTRACTION_STATUS_EXTENSION, valueCode: "corrected" }]);
  });

  it("maps the primary cancer to a PrimaryCancerCondition with free text and a partial onset date", () => {
    const [condition] = profiled(bundle, MCODE_PROFILES.primaryCancerCondition) as Condition[];
    expect(condition?.code).toEqual({ text: "invasive ductal carcinoma, grade 3" });
    expect(condition?.bodySite).toEqual([{ text: "left breast" }]);
    expect(condition?.onsetDateTime).toBe("2021-03");
    expect(condition?.stage?.[0]?.summary).toEqual({ text: "Stage IIB" });
    const [secondary] = profiled(bundle, MCODE_PROFILES.secondaryCancerCondition) as Condition[];
    expect(secondary?.code).toEqual({ text: "left axilla" });
  });

  it("splits an honest TNM string into T, N and M category observations under the stage group", () => {
    const [group] = profiled(bundle, MCODE_PROFILES.tnmStageGroup) as Observation[];
    expect(group?.valueCodeableConcept).toEqual({ text: "Stage IIB" });
    expect(group?.hasMember).toHaveLength(3);
    const values = [MCODE_PROFILES.tnmPrimaryTumorCategory, MCODE_PROFILES.tnmRegionalNodesCategory, MCODE_PROFILES.tnmDistantMetastasesCategory].map(
      (p) => (profiled(bundle, p) as Observation[]).map((o) => o.valueCodeableConcept?.text),
    );
    expect(values).toEqual([["pT2"], ["N1a"], ["M0"]]);
  });

  it("maps treatments: surgery, radiotherapy course, a given drug and a planned one", () => {
    const [surgery] = profiled(bundle, MCODE_PROFILES.cancerRelatedSurgicalProcedure) as Procedure[];
    expect(surgery?.code).toEqual({ text: "wide local excision in April 2021" });
    expect(surgery?.performedDateTime).toBe("2021-04");
    const [radiotherapy] = profiled(bundle, MCODE_PROFILES.radiotherapyCourseSummary) as Procedure[];
    expect(radiotherapy?.code?.text).toBe("adjuvant radiotherapy 40 Gy in 15 fractions");
    expect(radiotherapy?.performedPeriod).toEqual({ start: "2021" });
    const [given] = profiled(bundle, MCODE_PROFILES.cancerRelatedMedicationAdministration) as MedicationAdministration[];
    expect(given?.medicationCodeableConcept).toEqual({ text: "Letrozole 2.5 mg daily was started in June 2021" });
    expect(given?.effectiveDateTime).toBe("2021-06");
    const [planned] = profiled(bundle, MCODE_PROFILES.cancerRelatedMedicationRequest) as MedicationRequest[];
    expect(planned?.intent).toBe("plan");
    expect(planned?.medicationCodeableConcept).toEqual({ text: "We plan to start abemaciclib next month" });
  });

  it("reads a named performance-status scale as an integer, and keeps response and biomarkers as text", () => {
    const [ecog] = profiled(bundle, MCODE_PROFILES.ecogPerformanceStatus) as Observation[];
    expect(ecog?.valueInteger).toBe(1);
    expect(ecog?.code?.coding).toEqual([FIXED_CODINGS.ecog]);
    expect(ecog?.effectiveDateTime).toBe("2021-09-14");
    const [status] = profiled(bundle, MCODE_PROFILES.cancerDiseaseStatus) as Observation[];
    expect(status?.valueCodeableConcept).toEqual({ text: "no evidence of recurrence on the CT scan" });
    const [marker] = profiled(bundle, MCODE_PROFILES.tumorMarkerTest) as Observation[];
    expect(marker?.valueString).toBe("ER positive, HER2 negative");
    const plain = ofType(bundle, "Observation").filter((o) => !o.meta?.profile);
    expect(plain.map((o) => [o.code.text, o.valueString])).toEqual([
      ["anatomical finding", "no evidence of recurrence on the CT scan"],
      ["current symptom", "mild fatigue"],
    ]);
  });

  it("points every value at its span in the letter", () => {
    for (const resource of resources(bundle)) {
      for (const link of evidenceOf(resource)) {
        expect(link.grade).toBe("exact");
        expect(link.start).toBeTypeOf("number");
        expect(LETTER.slice(link.start, link.end).length).toBeGreaterThan(0);
      }
    }
    const [surgery] = profiled(bundle, MCODE_PROFILES.cancerRelatedSurgicalProcedure);
    const [link] = evidenceOf(surgery as Procedure);
    expect(LETTER.slice(link?.start, link?.end)).toBe("wide local excision in April 2021");
    expect(link?.type).toBe("treatment_surgery");
    expect(link?.path).toBe("primary_cancer.cancer_timeline[0].value");
  });

  it("is stable: the same input gives the same bundle, and full URLs hash patient + letter + path", () => {
    const again = buildPatientBundle({ patient: "S001", letters: [letter({ status: "corrected" })] });
    expect(JSON.stringify(again)).toBe(JSON.stringify(bundle));
    expect(bundle.entry?.[0]?.fullUrl).toBe(`urn:uuid:${stableUuid("S001", "Patient")}`);
    const other = buildPatientBundle({ patient: "S002", letters: [letter()] });
    const urls = new Set(bundle.entry?.map((e) => e.fullUrl));
    expect(other.entry?.some((e) => urls.has(e.fullUrl))).toBe(false);
  });

  it("leaves out the plain observations with mcodeOnly", () => {
    const mcode = buildPatientBundle({ patient: "S001", letters: [letter()] }, { mcodeOnly: true });
    checkBundle(mcode);
    expect(resources(mcode).filter((r) => r.resourceType !== "DocumentReference" && !r.meta?.profile)).toEqual([]);
    expect(resources(mcode).length).toBe(resources(bundle).length - 2);
  });

  it("embeds the letter text only when asked", () => {
    const embedded = buildPatientBundle({ patient: "S001", letters: [letter()] }, { embedLetterText: true });
    const [doc] = ofType(embedded, "DocumentReference");
    expect(Buffer.from(doc?.content[0]?.attachment.data ?? "", "base64").toString("utf8")).toBe(LETTER);
    checkBundle(embedded);
  });
});

describe("buildPatientBundle: what the letter does not say", () => {
  it("keeps an unparseable TNM string whole in the stage group, with no category observations", () => {
    const document: TimelineDocument = {
      primary_cancer: { site: "cervix", tnm_stage: "T2 N1 M0 (TNM8)", other_stage: "FIGO stage IIIC1", cancer_timeline: [] },
      other_cancers: [],
      patient_facts: [{ type: "performance_status", value: "PS 1-2" }],
      status_updates: [],
    };
    const bundle = buildPatientBundle({ patient: "S003", letters: [letter({ document, text: "cervix T2 N1 M0 (TNM8) FIGO stage IIIC1 PS 1-2" })] });
    checkBundle(bundle);
    const [group] = profiled(bundle, MCODE_PROFILES.tnmStageGroup) as Observation[];
    expect(group?.valueCodeableConcept).toEqual({ text: "T2 N1 M0 (TNM8)" });
    expect(group?.hasMember).toBeUndefined();
    expect(profiled(bundle, MCODE_PROFILES.tnmPrimaryTumorCategory)).toHaveLength(0);
    const [stage] = profiled(bundle, MCODE_PROFILES.cancerStage) as Observation[];
    expect(stage?.valueCodeableConcept).toEqual({ text: "FIGO stage IIIC1" });
    // "PS 1-2": no scale named and a range: a plain observation with the text, no ECOG score.
    expect(profiled(bundle, MCODE_PROFILES.ecogPerformanceStatus)).toHaveLength(0);
    expect(ofType(bundle, "Observation").find((o) => o.code.text === "performance status")?.valueString).toBe("PS 1-2");
  });

  it("marks required elements the letter does not give with data-absent-reason, never a guess", () => {
    const document: TimelineDocument = {
      primary_cancer: { tnm_stage: "cT1 N0", cancer_timeline: [{ type: "treatment_systemic_change", value: "capecitabine dose reduced" }] },
      other_cancers: [],
      patient_facts: [],
      status_updates: [],
    };
    const bundle = buildPatientBundle({ patient: "S004", letters: [letter({ document, letterDate: null, text: "cT1 N0. capecitabine dose reduced." })] });
    checkBundle(bundle);
    const [condition] = profiled(bundle, MCODE_PROFILES.primaryCancerCondition) as Condition[];
    expect(JSON.stringify(condition?.code)).toContain("data-absent-reason");
    expect(condition?.onsetDateTime).toBeUndefined();
    const [given] = ofType(bundle, "MedicationAdministration");
    expect(given?.effectiveDateTime).toBeUndefined();
    expect(JSON.stringify(given?.effectivePeriod)).toContain("data-absent-reason");
    expect(ofType(bundle, "DocumentReference")[0]?.context).toBeUndefined();
    expect(profiled(bundle, MCODE_PROFILES.tnmDistantMetastasesCategory)).toHaveLength(0);
  });

  it("exports other cancers as their own PrimaryCancerCondition with their situation as a note", () => {
    const document: TimelineDocument = {
      primary_cancer: { site: "lung", cancer_timeline: [] },
      other_cancers: [{ site: "prostate", year: 2015, latest_situation: "in remission" }],
      patient_facts: [],
      status_updates: [],
    };
    const bundle = buildPatientBundle({ patient: "S005", letters: [letter({ document, text: "lung. prostate 2015, in remission" })] });
    checkBundle(bundle);
    const conditions = profiled(bundle, MCODE_PROFILES.primaryCancerCondition) as Condition[];
    expect(conditions.map((c) => [c.code?.text, c.onsetDateTime, c.note?.[0]?.text])).toEqual([
      ["lung", undefined, undefined],
      ["prostate", "2015", "in remission"],
    ]);
  });

  it("excludeUngrounded drops every ungrounded value and any resource left without one", () => {
    const text = "Carcinoma of the left breast. Letrozole was started.";
    const document: TimelineDocument = {
      primary_cancer: {
        site: "left breast",
        histopathology_status: "lobular carcinoma",
        biomarker_status: "BRCA2 mutation",
        cancer_timeline: [
          { type: "treatment_systemic_start", value: "Letrozole was started" },
          { type: "treatment_surgery", value: "mastectomy", year: 2020 },
        ],
      },
      other_cancers: [],
      patient_facts: [{ type: "performance_status", value: "ECOG 0" }],
      status_updates: [],
    };
    const input = { patient: "S006", letters: [letter({ document, text })] };
    const all = buildPatientBundle(input);
    checkBundle(all);
    const ungraded = resources(all).flatMap(evidenceOf).filter((l) => l.grade === "ungrounded");
    expect(ungraded.map((l) => l.path).sort()).toEqual([
      "patient_facts[0].value",
      "primary_cancer.biomarker_status",
      "primary_cancer.cancer_timeline[1].date",
      "primary_cancer.cancer_timeline[1].value",
      "primary_cancer.histopathology_status",
    ]);
    expect(ungraded.every((l) => l.start === undefined)).toBe(true);

    const grounded = buildPatientBundle(input, { excludeUngrounded: true });
    checkBundle(grounded);
    expect(resources(grounded).flatMap(evidenceOf).filter((l) => l.grade === "ungrounded")).toEqual([]);
    const [condition] = profiled(grounded, MCODE_PROFILES.primaryCancerCondition) as Condition[];
    expect(condition?.code).toEqual({ text: "left breast" });
    expect(profiled(grounded, MCODE_PROFILES.tumorMarkerTest)).toHaveLength(0);
    expect(profiled(grounded, MCODE_PROFILES.cancerRelatedSurgicalProcedure)).toHaveLength(0);
    expect(profiled(grounded, MCODE_PROFILES.ecogPerformanceStatus)).toHaveLength(0);
    expect(profiled(grounded, MCODE_PROFILES.cancerRelatedMedicationAdministration)).toHaveLength(1);
  });

  it("links each date to its words in the letter, and drops only an ungrounded date when excluding", () => {
    const text = "Letrozole was started in June 2021. Carcinoma of the left breast.";
    const document: TimelineDocument = {
      primary_cancer: {
        site: "left breast",
        year: 2019,
        cancer_timeline: [{ type: "treatment_systemic_start", value: "Letrozole was started", year: 2021, month: 6 }],
      },
      other_cancers: [],
      patient_facts: [],
      status_updates: [],
    };
    const input = { patient: "S010", letters: [letter({ document, text })] };
    const all = buildPatientBundle(input);
    checkBundle(all);
    const [given] = ofType(all, "MedicationAdministration");
    const dateLink = evidenceOf(given as MedicationAdministration).find((l) => l.path.endsWith(".date"));
    expect(dateLink?.grade).toBe("exact");
    expect(text.slice(dateLink?.start, dateLink?.end)).toBe("June 2021");
    const [condition] = profiled(all, MCODE_PROFILES.primaryCancerCondition) as Condition[];
    expect(condition?.onsetDateTime).toBe("2019");
    expect(evidenceOf(condition as Condition).find((l) => l.path === "primary_cancer.date")?.grade).toBe("ungrounded");

    const grounded = buildPatientBundle(input, { excludeUngrounded: true });
    checkBundle(grounded);
    const [kept] = profiled(grounded, MCODE_PROFILES.primaryCancerCondition) as Condition[];
    expect(kept?.code).toEqual({ text: "left breast" });
    expect(kept?.onsetDateTime).toBeUndefined();
    expect(ofType(grounded, "MedicationAdministration")[0]?.effectiveDateTime).toBe("2021-06");
  });

  it("treats a value with no evidence record as ungrounded when excluding", () => {
    const document: TimelineDocument = { primary_cancer: { site: "colon", cancer_timeline: [] }, other_cancers: [], patient_facts: [], status_updates: [] };
    const bare = letter({ document, text: "colon", evidence: [] });
    const kept = buildPatientBundle({ patient: "S007", letters: [bare] });
    checkBundle(kept);
    expect(evidenceOf(profiled(kept, MCODE_PROFILES.primaryCancerCondition)[0] as Condition)[0]?.grade).toBe("ungrounded");
    const dropped = buildPatientBundle({ patient: "S007", letters: [bare] }, { excludeUngrounded: true });
    checkBundle(dropped);
    expect(resources(dropped).map((r) => r.resourceType)).toEqual(["Patient", "DocumentReference"]);
  });

  it("orders letters by date then id and gives a patient with no letters a bundle of just the Patient", () => {
    const a = letter({ letterId: 2, letterDate: "2022-01-01" });
    const b = letter({ letterId: 1, letterDate: "2021-01-01" });
    const bundle = buildPatientBundle({ patient: "S008", letters: [a, b] });
    checkBundle(bundle);
    expect(ofType(bundle, "DocumentReference").map((d) => d.identifier?.[0]?.value)).toEqual(["1", "2"]);
    const empty = buildPatientBundle({ patient: "S009", letters: [] });
    checkBundle(empty);
    expect(resources(empty).map((r) => r.resourceType)).toEqual(["Patient"]);
  });
});
