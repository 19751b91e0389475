/**
 * Canonical URLs and the few fixed codes of the FHIR R4 / mCODE STU4 (4.0.0) export.
 *
 * Profile URLs are those of the published package hl7.fhir.us.mcode@4.0.0. The only codings the
 * export ever writes are listed in FIXED_CODINGS: codes that an mCODE profile fixes by pattern
 * (they say what kind of record it is: "an ECOG score", "a radiotherapy course") and FHIR
 * category codes. Clinical content (site, histology, drug, stage, marker, response) is always
 * free text (`code.text`, `valueString`, `valueCodeableConcept.text`): no code is ever guessed.
 */
const MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/";

export const MCODE_PROFILES = {
  cancerPatient: `${MCODE}mcode-cancer-patient`,
  primaryCancerCondition: `${MCODE}mcode-primary-cancer-condition`,
  secondaryCancerCondition: `${MCODE}mcode-secondary-cancer-condition`,
  cancerStage: `${MCODE}mcode-cancer-stage`,
  tnmStageGroup: `${MCODE}mcode-tnm-stage-group`,
  tnmPrimaryTumorCategory: `${MCODE}mcode-tnm-primary-tumor-category`,
  tnmRegionalNodesCategory: `${MCODE}mcode-tnm-regional-nodes-category`,
  tnmDistantMetastasesCategory: `${MCODE}mcode-tnm-distant-metastases-category`,
  tumorMarkerTest: `${MCODE}mcode-tumor-marker-test`,
  cancerRelatedMedicationAdministration: `${MCODE}mcode-cancer-related-medication-administration`,
  cancerRelatedMedicationRequest: `${MCODE}mcode-cancer-related-medication-request`,
  cancerRelatedSurgicalProcedure: `${MCODE}mcode-cancer-related-surgical-procedure`,
  radiotherapyCourseSummary: `${MCODE}mcode-radiotherapy-course-summary`,
  ecogPerformanceStatus: `${MCODE}mcode-ecog-performance-status`,
  karnofskyPerformanceStatus: `${MCODE}mcode-karnofsky-performance-status`,
  cancerDiseaseStatus: `${MCODE}mcode-cancer-disease-status`,
} as const;

/** OncoTimeline's own definitions; a placeholder base until the project has a published one. */
export const ONCOTIMELINE_BASE = "http://oncotimeline.org/fhir";
export const EVIDENCE_EXTENSION = `${ONCOTIMELINE_BASE}/StructureDefinition/evidence-span`;
export const EXTRACTION_STATUS_EXTENSION = `${ONCOTIMELINE_BASE}/StructureDefinition/extraction-status`;
export const PATIENT_ID_SYSTEM = `${ONCOTIMELINE_BASE}/NamingSystem/study-patient-id`;
export const LETTER_ID_SYSTEM = `${ONCOTIMELINE_BASE}/NamingSystem/letter-id`;
/** A patient bundle is identified by the study patient id, in its own system. */
export const BUNDLE_ID_SYSTEM = `${ONCOTIMELINE_BASE}/NamingSystem/patient-bundle`;
export const DATA_ABSENT_REASON_EXTENSION = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
export const CONDITION_RELATED_EXTENSION = "http://hl7.org/fhir/StructureDefinition/condition-related";

const LOINC = "http://loinc.org";
const SNOMED = "http://snomed.info/sct";
const OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";
const CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category";

/** Every coding the export may write (tests assert nothing else appears). */
export const FIXED_CODINGS = {
  /** mCODE ECOGPerformanceStatus fixes Observation.code to LOINC 89247-1. */
  ecog: { system: LOINC, code: "89247-1", display: "ECOG Performance Status score" },
  /** mCODE KarnofskyPerformanceStatus fixes Observation.code to LOINC 89243-0. */
  karnofsky: { system: LOINC, code: "89243-0", display: "Karnofsky Performance Status score" },
  /** mCODE CancerDiseaseStatus fixes Observation.code to LOINC 97509-4. */
  diseaseStatus: { system: LOINC, code: "97509-4", display: "Cancer disease progression" },
  /** mCODE RadiotherapyCourseSummary fixes Procedure.code to SNOMED CT 1217123003. */
  radiotherapyCourse: { system: SNOMED, code: "1217123003", display: "Radiotherapy course of treatment (regime/therapy)" },
  /** US Core / mCODE condition category. */
  problemListItem: { system: CONDITION_CATEGORY, code: "problem-list-item", display: "Problem List Item" },
  /** US Core lab category, fixed by mCODE TumorMarkerTest. */
  laboratory: { system: OBSERVATION_CATEGORY, code: "laboratory", display: "Laboratory" },
  /** The category mCODE's own ECOG/Karnofsky examples use. */
  survey: { system: OBSERVATION_CATEGORY, code: "survey", display: "Survey" },
} as const;
