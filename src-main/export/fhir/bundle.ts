/**
 * FHIR R4 / mCODE STU4 export: one `collection` Bundle per patient, built from that patient's
 * extracted letters.
 *
 * Per letter: a DocumentReference (the source letter) and, from its timeline document,
 *   primary_cancer / other_cancers[] → PrimaryCancerCondition (+ SecondaryCancerCondition for
 *     metastases, TNMStageGroup with T/N/M category Observations when the TNM string parses
 *     honestly, CancerStage for non-TNM systems, TumorMarkerTest for biomarker text);
 *   cancer_timeline[] → CancerRelatedMedicationAdministration (or ...MedicationRequest when the
 *     text says it is planned), CancerRelatedSurgicalProcedure, RadiotherapyCourseSummary, and a
 *     plain Observation for findings and other events;
 *   patient_facts[] / status_updates[] → ECOG/Karnofsky performance status, CancerDiseaseStatus
 *     (latest_treatment_response), and a plain Observation for the rest.
 * Each letter's resources stand alone: merging the same fact across letters is the patient
 * timeline's job, not the export's.
 *
 * Every resource but Patient and DocumentReference carries one evidence-span extension
 * (definitions.ts) per value it holds, its date included: the letter (a reference to its
 * DocumentReference), the value's JSON path, the onco-ext type, the grade and, when grounded, the
 * character span [start, end) in the letter text as stored (UTF-16 offsets) and the match score.
 * Clinical content stays as free text; the only codings are those mcode.ts lists. A required
 * element the letter does not give carries FHIR's data-absent-reason extension instead of a guess.
 * Dates are FHIR partial dates (YYYY, YYYY-MM), patient facts and status updates dated by the
 * letter. Full URLs are `urn:uuid:` UUIDs hashed from patient + letter id + path: re-exporting the
 * same store gives the same bundle, byte for byte.
 */
import { createHash } from "node:crypto";
import type {
  Bundle,
  BundleEntry,
  CodeableConcept,
  Condition,
  ConditionStage,
  DocumentReference,
  Extension,
  MedicationAdministration,
  MedicationRequest,
  Observation,
  Patient,
  Procedure,
  Reference,
  Resource,
} from "@medplum/fhirtypes";
import type { GroundedValue } from "../../../src-shared/evidence.ts";
import type { CancerEvent, OtherCancer, PrimaryCancer, TimelineDocument } from "../../../src-shared/timeline.ts";
import {
  BUNDLE_ID_SYSTEM,
  CONDITION_RELATED_EXTENSION,
  DATA_ABSENT_REASON_EXTENSION,
  EVIDENCE_EXTENSION,
  EXTRACTION_STATUS_EXTENSION,
  FIXED_CODINGS,
  LETTER_ID_SYSTEM,
  MCODE_PROFILES,
  PATIENT_ID_SYSTEM,
} from "./mcode.ts";
import { isTnmStageGroup, isPlanned, letterDate, parsePerformanceStatus, parseTnm, partialDate } from "./parse.ts";

export type FhirLetterInput = {
  letterId: number;
  /** `YYYY-MM-DD` (or a prefix of it) as stored; null when unknown. */
  letterDate: string | null;
  /** Where the letter came from (file name or row), as stored. */
  source: string;
  /** The letter text as stored; when given, its SHA-1 goes into the DocumentReference (never the text itself unless embedLetterText). */
  text?: string;
  document: TimelineDocument;
  evidence: GroundedValue[];
  status?: "model" | "corrected";
};

export type FhirPatientInput = { patient: string; letters: FhirLetterInput[] };

export type FhirBundleOptions = {
  /** Leave out every value graded `ungrounded` (or with no evidence record); a resource left with no value is left out. */
  excludeUngrounded?: boolean;
  /** Put the letter text itself (base64) into each DocumentReference; off by default (letters are identifying). */
  embedLetterText?: boolean;
  /** Leave out the plain Observations (findings, symptoms, comorbidities, other status updates) that no mCODE profile covers. */
  mcodeOnly?: boolean;
};

export type { Bundle } from "@medplum/fhirtypes";

/** Deterministic RFC 4122 (version 5 layout, SHA-1) UUID of the given parts. */
export function stableUuid(...parts: (string | number)[]): string {
  const hash = createHash("sha1").update(parts.map(String).join("\u0000"), "utf8").digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const urn = (uuid: string) => `urn:uuid:${uuid}`;
const text = (value: string): CodeableConcept => ({ text: value });
const coded = (coding: { system: string; code: string; display: string }, label?: string): CodeableConcept => ({
  coding: [{ ...coding }],
  ...(label === undefined ? {} : { text: label }),
});
/** A required element the letter does not give: FHIR's data-absent-reason instead of a made-up value. */
const absent = (reason: "unknown" | "masked" = "unknown"): { extension: Extension[] } => ({
  extension: [{ url: DATA_ABSENT_REASON_EXTENSION, valueCode: reason }],
});

/** One value of the letter that a resource holds, with its evidence. */
type Held = { path: string; type?: string; value: string };

class LetterContext {
  readonly docUrl: string;
  private readonly evidence = new Map<string, GroundedValue>();

  constructor(
    readonly patient: string,
    readonly patientUrl: string,
    readonly letter: FhirLetterInput,
    private readonly options: FhirBundleOptions,
  ) {
    this.docUrl = urn(stableUuid(patient, letter.letterId, "DocumentReference"));
    for (const value of letter.evidence) this.evidence.set(value.path, value);
  }

  url(path: string): string {
    return urn(stableUuid(this.patient, this.letter.letterId, path));
  }

  /** The value at `path` when it may be exported (always, unless excludeUngrounded and it is ungrounded). */
  keep(path: string, value: string | undefined): string | undefined {
    if (value === undefined) return undefined;
    if (!this.options.excludeUngrounded) return value;
    const grounded = this.evidence.get(path);
    return grounded && grounded.grade !== "ungrounded" ? value : undefined;
  }

  /**
   * The FHIR partial date of an item's year/month, and its evidence (the grounding's
   * `<item>.date` entry, when the store has one). With excludeUngrounded a date graded
   * ungrounded is dropped; a date with no evidence record is kept (stores from before date
   * grounding have none).
   */
  date(itemPath: string, year: number | undefined, month: number | undefined): { date?: string; held: Held[] } {
    const date = partialDate(year, month);
    if (date === undefined) return { held: [] };
    const path = `${itemPath}.date`;
    const grounded = this.evidence.get(path);
    if (this.options.excludeUngrounded && grounded?.grade === "ungrounded") return { held: [] };
    return { date, held: grounded ? [{ path, value: date }] : [] };
  }

  evidenceExtensions(held: Held[]): Extension[] {
    return held.map(({ path, type, value }) => {
      const grounded = this.evidence.get(path);
      const parts: Extension[] = [
        { url: "letter", valueReference: { reference: this.docUrl, type: "DocumentReference" } },
        { url: "path", valueString: path },
      ];
      if (type) parts.push({ url: "type", valueString: type });
      parts.push({ url: "grade", valueCode: grounded?.grade ?? "ungrounded" });
      if (grounded?.span) {
        parts.push(
          { url: "start", valueInteger: grounded.span.start },
          { url: "end", valueInteger: grounded.span.end },
          { url: "score", valueDecimal: grounded.span.score },
        );
      }
      if (grounded === undefined) parts.push({ url: "note", valueString: `no evidence record for: ${value.slice(0, 80)}` });
      return { url: EVIDENCE_EXTENSION, extension: parts };
    });
  }
}

type Built = { fullUrl: string; resource: Resource };

/** Builds the patient's collection Bundle (see the module comment for the mapping). */
export function buildPatientBundle(input: FhirPatientInput, options: FhirBundleOptions = {}): Bundle {
  const patientUrl = urn(stableUuid(input.patient, "Patient"));
  // mCODE CancerPatient requires a name and a gender. Names never leave the store (masked); the
  // timeline does not hold gender (unknown): both as data-absent-reason, `_gender` being FHIR
  // JSON's extension slot of the primitive `gender`.
  const patient: Patient & { _gender: { extension: Extension[] } } = {
    resourceType: "Patient",
    meta: { profile: [MCODE_PROFILES.cancerPatient] },
    identifier: [{ system: PATIENT_ID_SYSTEM, value: input.patient }],
    name: [absent("masked")],
    _gender: absent("unknown"),
  };
  const entries: Built[] = [{ fullUrl: patientUrl, resource: patient }];
  const letters = [...input.letters].sort(
    (a, b) => (a.letterDate ?? "").localeCompare(b.letterDate ?? "") || a.letterId - b.letterId,
  );
  for (const letter of letters) {
    entries.push(...letterResources(new LetterContext(input.patient, patientUrl, letter, options), options));
  }
  return {
    resourceType: "Bundle",
    id: stableUuid(input.patient, "Bundle"),
    identifier: { system: BUNDLE_ID_SYSTEM, value: input.patient },
    type: "collection",
    entry: entries.map(({ fullUrl, resource }): BundleEntry => ({ fullUrl, resource })),
  };
}

function letterResources(ctx: LetterContext, options: FhirBundleOptions): Built[] {
  const built = allLetterResources(ctx, options);
  return options.mcodeOnly
    ? built.filter(({ resource }) => resource.resourceType === "DocumentReference" || (resource.meta?.profile?.length ?? 0) > 0)
    : built;
}

function allLetterResources(ctx: LetterContext, options: FhirBundleOptions): Built[] {
  const { letter } = ctx;
  const out: Built[] = [documentReference(ctx, options)];
  const doc = letter.document;
  const primary = cancerResources(ctx, doc.primary_cancer, "primary_cancer", out);
  doc.other_cancers.forEach((cancer, i) => cancerResources(ctx, cancer, `other_cancers[${i}]`, out));
  doc.primary_cancer.cancer_timeline.forEach((event, i) => {
    const built = timelineEvent(ctx, event, `primary_cancer.cancer_timeline[${i}]`, primary);
    if (built) out.push(built);
  });
  doc.patient_facts.forEach((fact, i) => {
    const built = statement(ctx, fact.type, fact.value, `patient_facts[${i}]`, primary);
    if (built) out.push(built);
  });
  doc.status_updates.forEach((update, i) => {
    const built = statement(ctx, update.type, update.value, `status_updates[${i}]`, primary);
    if (built) out.push(built);
  });
  return out;
}

function documentReference(ctx: LetterContext, options: FhirBundleOptions): Built {
  const { letter } = ctx;
  const date = letterDate(letter.letterDate);
  const bytes = letter.text === undefined ? undefined : Buffer.from(letter.text, "utf8");
  const resource: DocumentReference = {
    resourceType: "DocumentReference",
    identifier: [{ system: LETTER_ID_SYSTEM, value: String(letter.letterId) }],
    status: "current",
    type: text("clinic letter"),
    subject: { reference: ctx.patientUrl, type: "Patient" },
    description: letter.source,
    content: [
      {
        attachment: {
          contentType: "text/plain; charset=utf-8",
          title: letter.source,
          ...(bytes ? { size: bytes.length, hash: createHash("sha1").update(bytes).digest("base64") } : {}),
          ...(bytes && options.embedLetterText ? { data: bytes.toString("base64") } : {}),
        },
      },
    ],
    ...(date ? { context: { period: { start: date, end: date } } } : {}),
    ...(letter.status ? { extension: [{ url: EXTRACTION_STATUS_EXTENSION, valueCode: letter.status }] } : {}),
  };
  return { fullUrl: ctx.docUrl, resource };
}

function ref<T extends Resource>(url: string, type: T["resourceType"]): Reference<T> {
  return { reference: url, type };
}

/**
 * A cancer (primary_cancer or one of other_cancers) → PrimaryCancerCondition and the resources
 * hanging off it. Returns the Condition's full URL (or undefined when nothing of it is kept).
 */
function cancerResources(ctx: LetterContext, cancer: PrimaryCancer | OtherCancer, base: string, out: Built[]): string | undefined {
  const site = ctx.keep(`${base}.site`, cancer.site);
  const histology = ctx.keep(`${base}.histopathology_status`, cancer.histopathology_status);
  const metastases = ctx.keep(`${base}.metastases`, cancer.metastases);
  const tnm = ctx.keep(`${base}.tnm_stage`, cancer.tnm_stage);
  const otherStage = ctx.keep(`${base}.other_stage`, cancer.other_stage);
  const biomarker = ctx.keep(`${base}.biomarker_status`, cancer.biomarker_status);
  const situation = "latest_situation" in cancer ? ctx.keep(`${base}.latest_situation`, cancer.latest_situation) : undefined;
  const held: Held[] = [];
  if (site) held.push({ path: `${base}.site`, value: site });
  if (histology) held.push({ path: `${base}.histopathology_status`, value: histology });
  if (situation) held.push({ path: `${base}.latest_situation`, value: situation });
  const { date: onset, held: dateHeld } = ctx.date(base, cancer.year, cancer.month);
  held.push(...dateHeld);
  // A cancer named by none of site/histology/date is still the subject of its stage, metastases
  // or markers: those values are its evidence.
  const others: [string, string | undefined][] = [
    ["tnm_stage", tnm],
    ["other_stage", otherStage],
    ["metastases", metastases],
    ["biomarker_status", biomarker],
  ];
  const fallback = others.flatMap(([field, value]) => (value ? [{ path: `${base}.${field}`, value }] : []));
  if (held.length === 0 && fallback.length === 0 && onset === undefined) return undefined;

  const conditionUrl = ctx.url(`${base}#condition`);
  const condition: Condition = {
    resourceType: "Condition",
    meta: { profile: [MCODE_PROFILES.primaryCancerCondition] },
    extension: ctx.evidenceExtensions(held.length > 0 ? held : fallback),
    category: [coded(FIXED_CODINGS.problemListItem)],
    // Histology names the cancer; the site goes to bodySite. Both as written; neither coded.
    code: histology ? text(histology) : site ? text(site) : absent(),
    ...(site ? { bodySite: [text(site)] } : {}),
    subject: ref(ctx.patientUrl, "Patient"),
    ...(onset ? { onsetDateTime: onset } : {}),
    ...(situation ? { note: [{ text: situation }] } : {}),
  };
  out.push({ fullUrl: conditionUrl, resource: condition });

  const stages: ConditionStage[] = [];
  const tnmParts = tnm ? parseTnm(tnm) : undefined;
  const tnmGroupText = otherStage && isTnmStageGroup(otherStage) ? otherStage : undefined;
  if (tnm || tnmGroupText) {
    const groupUrl = ctx.url(`${base}#tnm-stage-group`);
    const members: Reference<Observation>[] = [];
    const categories = [
      ["t", MCODE_PROFILES.tnmPrimaryTumorCategory, "TNM primary tumour (T) category"],
      ["n", MCODE_PROFILES.tnmRegionalNodesCategory, "TNM regional nodes (N) category"],
      ["m", MCODE_PROFILES.tnmDistantMetastasesCategory, "TNM distant metastases (M) category"],
    ] as const;
    for (const [key, profile, label] of categories) {
      const value = tnmParts?.[key];
      if (value === undefined) continue;
      const url = ctx.url(`${base}#tnm-${key}`);
      members.push(ref(url, "Observation"));
      out.push({
        fullUrl: url,
        resource: stagingObservation(ctx, profile, label, value, conditionUrl, [{ path: `${base}.tnm_stage`, value: tnm as string }]),
      });
    }
    const groupHeld: Held[] = [];
    if (tnmGroupText) groupHeld.push({ path: `${base}.other_stage`, value: tnmGroupText });
    if (tnm) groupHeld.push({ path: `${base}.tnm_stage`, value: tnm });
    // The stage group as written when the letter gives one ("Stage IIB"); else the TNM string as written.
    const group = stagingObservation(ctx, MCODE_PROFILES.tnmStageGroup, "TNM stage group", tnmGroupText ?? (tnm as string), conditionUrl, groupHeld);
    if (members.length > 0) group.hasMember = members;
    out.push({ fullUrl: groupUrl, resource: group });
    stages.push({ summary: text(tnmGroupText ?? (tnm as string)), assessment: [ref(groupUrl, "Observation")] });
  }
  if (otherStage && !tnmGroupText) {
    const stageUrl = ctx.url(`${base}#cancer-stage`);
    out.push({
      fullUrl: stageUrl,
      resource: stagingObservation(ctx, MCODE_PROFILES.cancerStage, "cancer stage", otherStage, conditionUrl, [{ path: `${base}.other_stage`, value: otherStage }]),
    });
    stages.push({ summary: text(otherStage), assessment: [ref(stageUrl, "Observation")] });
  }
  if (stages.length > 0) condition.stage = stages;

  if (metastases) {
    out.push({
      fullUrl: ctx.url(`${base}#secondary`),
      resource: {
        resourceType: "Condition",
        meta: { profile: [MCODE_PROFILES.secondaryCancerCondition] },
        extension: [
          ...ctx.evidenceExtensions([{ path: `${base}.metastases`, value: metastases }]),
          { url: CONDITION_RELATED_EXTENSION, valueReference: ref(conditionUrl, "Condition") },
        ],
        category: [coded(FIXED_CODINGS.problemListItem)],
        code: text(metastases),
        bodySite: [text(metastases)],
        subject: ref(ctx.patientUrl, "Patient"),
      } satisfies Condition,
    });
  }
  if (biomarker) {
    out.push({
      fullUrl: ctx.url(`${base}#tumor-marker`),
      resource: {
        resourceType: "Observation",
        meta: { profile: [MCODE_PROFILES.tumorMarkerTest] },
        extension: ctx.evidenceExtensions([{ path: `${base}.biomarker_status`, value: biomarker }]),
        status: "final",
        category: [coded(FIXED_CODINGS.laboratory)],
        code: text("tumour marker status (as written in the letter)"),
        subject: ref(ctx.patientUrl, "Patient"),
        focus: [ref(conditionUrl, "Condition")],
        valueString: biomarker,
      } satisfies Observation,
    });
  }
  return conditionUrl;
}

function stagingObservation(ctx: LetterContext, profile: string, label: string, value: string, conditionUrl: string, held: Held[]): Observation {
  return {
    resourceType: "Observation",
    meta: { profile: [profile] },
    extension: ctx.evidenceExtensions(held),
    status: "final",
    // mCODE requires a category and a staging method (e.g. AJCC 8th); letters rarely state the method.
    category: [absent()],
    code: text(label),
    subject: ref(ctx.patientUrl, "Patient"),
    focus: [ref(conditionUrl, "Condition")],
    method: absent(),
    valueCodeableConcept: text(value),
  };
}

function timelineEvent(ctx: LetterContext, event: CancerEvent, path: string, primary: string | undefined): Built | undefined {
  const value = ctx.keep(`${path}.value`, event.value);
  if (value === undefined) return undefined;
  const { date: when, held: dateHeld } = ctx.date(path, event.year, event.month);
  const extension = ctx.evidenceExtensions([{ path: `${path}.value`, type: event.type, value }, ...dateHeld]);
  const subject = ref<Patient>(ctx.patientUrl, "Patient");
  const reasonReference = primary ? [ref<Condition>(primary, "Condition")] : undefined;
  const fullUrl = ctx.url(path);
  switch (event.type) {
    case "treatment_systemic_start":
    case "treatment_systemic_change": {
      if (event.type === "treatment_systemic_start" && isPlanned(value)) {
        const resource: MedicationRequest = {
          resourceType: "MedicationRequest",
          meta: { profile: [MCODE_PROFILES.cancerRelatedMedicationRequest] },
          extension,
          status: "unknown",
          intent: "plan",
          medicationCodeableConcept: text(value),
          subject,
          ...(when ? { authoredOn: when } : {}),
          ...(reasonReference ? { reasonReference } : {}),
        };
        return { fullUrl, resource };
      }
      const resource: MedicationAdministration = {
        resourceType: "MedicationAdministration",
        meta: { profile: [MCODE_PROFILES.cancerRelatedMedicationAdministration] },
        extension,
        status: "unknown",
        medicationCodeableConcept: text(value),
        subject,
        // R4 requires effective[x]: the date the letter attaches, else data-absent-reason.
        ...(when ? { effectiveDateTime: when } : { effectivePeriod: absent() }),
        ...(reasonReference ? { reasonReference } : {}),
      };
      return { fullUrl, resource };
    }
    case "treatment_surgery": {
      const resource: Procedure = {
        resourceType: "Procedure",
        meta: { profile: [MCODE_PROFILES.cancerRelatedSurgicalProcedure] },
        extension,
        status: "unknown",
        code: text(value),
        subject,
        ...(when ? { performedDateTime: when } : {}),
        ...(reasonReference ? { reasonReference } : {}),
      };
      return { fullUrl, resource };
    }
    case "treatment_radiotherapy": {
      const resource: Procedure = {
        resourceType: "Procedure",
        meta: { profile: [MCODE_PROFILES.radiotherapyCourseSummary] },
        extension,
        status: "unknown",
        code: coded(FIXED_CODINGS.radiotherapyCourse, value),
        subject,
        // The profile allows only a Period; the letter's date is taken as the course's start.
        ...(when ? { performedPeriod: { start: when } } : {}),
        ...(reasonReference ? { reasonReference } : {}),
      };
      return { fullUrl, resource };
    }
    default:
      return { fullUrl, resource: plainObservation(ctx, event.type, value, extension, when) };
  }
}

/** A patient fact or status update. */
function statement(ctx: LetterContext, type: string, rawValue: string, path: string, primary: string | undefined): Built | undefined {
  const value = ctx.keep(`${path}.value`, rawValue);
  if (value === undefined) return undefined;
  const extension = ctx.evidenceExtensions([{ path: `${path}.value`, type, value }]);
  // A patient fact or status is as of the letter.
  const when = letterDate(ctx.letter.letterDate);
  const fullUrl = ctx.url(path);
  const subject = ref<Patient>(ctx.patientUrl, "Patient");
  if (type === "performance_status" || type === "updated_patient_functional_status") {
    const score = parsePerformanceStatus(value);
    if (score) {
      const ecog = score.scale === "ecog";
      const resource: Observation = {
        resourceType: "Observation",
        meta: { profile: [ecog ? MCODE_PROFILES.ecogPerformanceStatus : MCODE_PROFILES.karnofskyPerformanceStatus] },
        extension,
        status: "final",
        category: [coded(FIXED_CODINGS.survey)],
        code: coded(ecog ? FIXED_CODINGS.ecog : FIXED_CODINGS.karnofsky),
        subject,
        ...(when ? { effectiveDateTime: when } : {}),
        valueInteger: score.score,
        note: [{ text: value }],
      };
      return { fullUrl, resource };
    }
  }
  if (type === "latest_treatment_response") {
    const resource: Observation = {
      resourceType: "Observation",
      meta: { profile: [MCODE_PROFILES.cancerDiseaseStatus] },
      extension,
      status: "final",
      code: coded(FIXED_CODINGS.diseaseStatus),
      subject,
      ...(primary ? { focus: [ref(primary, "Condition")] } : {}),
      ...(when ? { effectiveDateTime: when } : {}),
      valueCodeableConcept: text(value),
    };
    return { fullUrl, resource };
  }
  return { fullUrl, resource: plainObservation(ctx, type, value, extension, when) };
}

/** Anything mCODE has no profile for: a plain R4 Observation, the onco-ext type as its code text. */
function plainObservation(
  ctx: LetterContext,
  type: string,
  value: string,
  extension: Extension[],
  when: string | undefined,
): Observation {
  return {
    resourceType: "Observation",
    extension,
    status: "final",
    code: text(type.replace(/_/g, " ")),
    subject: ref(ctx.patientUrl, "Patient"),
    ...(when ? { effectiveDateTime: when } : {}),
    valueString: value,
  };
}
