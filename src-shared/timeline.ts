/**
 * The cancer timeline document: one per letter. This module is the single source of truth:
 * the TypeScript types, the runtime validator and the generation JSON schema (see
 * generationSchema.ts) all come from the zod schemas below.
 *
 * Field and enum names are kept exactly as in the onco-ext format so that models fine-tuned on
 * that format work unchanged. Convention: a field the letter does not state is absent (never
 * null, never ""); lists may be empty.
 *
 * Every string and list is bounded because a grammar-constrained generator will otherwise run
 * to maxTokens on an unbounded string.
 */
import { z } from "zod";

export const CANCER_EVENT_TYPES = [
  "treatment_systemic_start",
  "treatment_systemic_change",
  "treatment_radiotherapy",
  "treatment_surgery",
  "anatomical_finding",
  "laboratory_finding",
  "other_progress_or_event",
  "clinical_trial_update",
] as const;

export const PATIENT_FACT_TYPES = [
  "comorbidity",
  "current_symptom",
  "examination_finding",
  "performance_status",
  "quality_of_life_finding",
  "investigation_finding",
] as const;

export const STATUS_UPDATE_TYPES = [
  "clinical_summary",
  "latest_treatment_response",
  "latest_treatment_toxicity",
  "update_to_treatment",
  "updated_patient_functional_status",
  "planned_investigation",
  "follow_up_referral",
  "death_flag",
] as const;

/** Bounds shared by the validator and the generation grammar. */
export const LIMITS = {
  shortText: 160,
  longText: 400,
  timelineEvents: 40,
  otherCancers: 6,
  patientFacts: 40,
  statusUpdates: 30,
  minYear: 1900,
  maxYear: 2100,
} as const;

/**
 * Text of at most `max` characters counted as Unicode code points, the way the generation
 * grammar counts them (zod's .max counts UTF-16 units, so an emoji would count twice).
 */
function boundedText(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .refine((text) => [...text].length <= max, { message: `Too long: at most ${max} characters` })
    .meta({ maxLength: max });
}

const shortText = boundedText(LIMITS.shortText);
const longText = boundedText(LIMITS.longText);
export const YearSchema = z.number().int().min(LIMITS.minYear).max(LIMITS.maxYear);
export const MonthSchema = z.number().int().min(1).max(12);

export const CancerEventSchema = z.strictObject({
  type: z.enum(CANCER_EVENT_TYPES),
  value: longText,
  year: YearSchema.optional(),
  month: MonthSchema.optional(),
});

const cancerFields = {
  site: shortText.optional(),
  year: YearSchema.optional(),
  month: MonthSchema.optional(),
  metastases: longText.optional(),
  tnm_stage: shortText.optional(),
  other_stage: shortText.optional(),
  histopathology_status: longText.optional(),
  biomarker_status: longText.optional(),
};

export const PrimaryCancerSchema = z.strictObject({
  ...cancerFields,
  cancer_timeline: z.array(CancerEventSchema).max(LIMITS.timelineEvents),
});

export const OtherCancerSchema = z.strictObject({
  ...cancerFields,
  latest_situation: longText.optional(),
});

export const PatientFactSchema = z.strictObject({
  type: z.enum(PATIENT_FACT_TYPES),
  value: longText,
});

export const StatusUpdateSchema = z.strictObject({
  type: z.enum(STATUS_UPDATE_TYPES),
  value: longText,
});

export const TimelineDocumentSchema = z.strictObject({
  primary_cancer: PrimaryCancerSchema,
  other_cancers: z.array(OtherCancerSchema).max(LIMITS.otherCancers),
  patient_facts: z.array(PatientFactSchema).max(LIMITS.patientFacts),
  status_updates: z.array(StatusUpdateSchema).max(LIMITS.statusUpdates),
});

export type CancerEventType = (typeof CANCER_EVENT_TYPES)[number];
export type PatientFactType = (typeof PATIENT_FACT_TYPES)[number];
export type StatusUpdateType = (typeof STATUS_UPDATE_TYPES)[number];
export type CancerEvent = z.infer<typeof CancerEventSchema>;
export type PrimaryCancer = z.infer<typeof PrimaryCancerSchema>;
export type OtherCancer = z.infer<typeof OtherCancerSchema>;
export type PatientFact = z.infer<typeof PatientFactSchema>;
export type StatusUpdate = z.infer<typeof StatusUpdateSchema>;
export type TimelineDocument = z.infer<typeof TimelineDocumentSchema>;

export type ValidationResult =
  | { ok: true; document: TimelineDocument }
  | { ok: false; errors: string[] };

/** Validates an already-parsed value; errors read like `primary_cancer.year: Too big ...`. */
export function validateTimeline(value: unknown): ValidationResult {
  const parsed = TimelineDocumentSchema.safeParse(value);
  if (parsed.success) return { ok: true, document: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => `${formatPath(issue.path) || "(document)"}: ${issue.message}`),
  };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
