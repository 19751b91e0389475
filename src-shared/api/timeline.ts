import { z } from "zod";
import type { EvidenceGrade } from "../evidence.ts";
import type { PatientTimeline } from "../patientTimeline.ts";
import type { TimelineDocument } from "../timeline.ts";
import { endpoint, id, nonEmpty } from "./endpoint.ts";
import type { LetterStatus, LetterText } from "./ingest.ts";

export const REVIEW_STATES = ["unreviewed", "in_review", "reviewed"] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export type EvidenceItem = {
  path: string;
  value: string;
  grade: EvidenceGrade;
  start: number | null;
  end: number | null;
  score: number | null;
};
export type CorrectionEntry = { id: number; at: string; user: string; op: ReviewEdit["op"]; path: string; summary: string };
export type ReviewView = {
  letter: LetterText;
  model: string | null;
  extractionId: number | null;
  status: LetterStatus;
  error: string | null;
  /** What the model produced, never changed by review. */
  modelDocument: TimelineDocument | null;
  /** The model's document with every correction applied (what exports use). */
  document: TimelineDocument | null;
  corrected: boolean;
  /** Grounding of `document`'s values in the letter. */
  evidence: EvidenceItem[];
  /** Paths the reviewer has accepted as they stand. */
  accepted: string[];
  review: ReviewState;
  history: CorrectionEntry[];
};

export type PatientSummary = { id: string; letters: number; extracted: number };

export const ReviewEditSchema = z.discriminatedUnion("op", [
  /** Replace the value at a path (a field, or one list item as a whole), or add a missing field. */
  z.strictObject({ op: z.literal("set"), path: nonEmpty, value: z.unknown() }),
  /** Remove a field or a list item (reject). */
  z.strictObject({ op: z.literal("remove"), path: nonEmpty }),
  /** Insert a list item at the path's index (add an event; the undo of a remove). */
  z.strictObject({ op: z.literal("insert"), path: nonEmpty, value: z.unknown() }),
  /** Mark a value as checked and correct as it stands. */
  z.strictObject({ op: z.literal("accept"), path: nonEmpty }),
  /** Take an accept back (its undo). */
  z.strictObject({ op: z.literal("unaccept"), path: nonEmpty }),
]);
export type ReviewEdit = z.infer<typeof ReviewEditSchema>;

/** The review screen's settings (stored as their own section; `reviewer` sits at the top of Settings). */
export const ReviewSettingsSchema = z.strictObject({ reviewer: z.string().trim().max(80) });
export type ReviewSettings = z.infer<typeof ReviewSettingsSchema>;

export const timelineApi = {
  "patients.list": endpoint<PatientSummary[]>()(z.strictObject({ modelId: id.optional() })),
  /** The patient's letters merged into one timeline, with provenance and conflicts. */
  "patients.timeline": endpoint<PatientTimeline>()(z.strictObject({ patient: nonEmpty, modelId: id.optional() })),

  "review.get": endpoint<ReviewView>()(z.strictObject({ letterId: id, modelId: id.optional() })),
  /** Applies one edit, saved at once; returns the new state. */
  "review.edit": endpoint<ReviewView>()(z.strictObject({ extractionId: id, edit: ReviewEditSchema })),
  "review.setState": endpoint<ReviewView>()(z.strictObject({ extractionId: id, state: z.enum(REVIEW_STATES) })),
} as const;
