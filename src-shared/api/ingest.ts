import { z } from "zod";
import { endpoint, id, nonEmpty } from "./endpoint.ts";
import { REVIEW_STATES, type ReviewState } from "./timeline.ts";

export type LetterStatus = "not_extracted" | "extracted" | "failed";

export type LetterSummary = {
  id: number;
  patient: string | null;
  letterDate: string | null;
  source: string;
  chars: number;
  status: LetterStatus;
  /** Values the letter does not support (null when not extracted). */
  ungrounded: number | null;
  review: ReviewState;
};
export type LetterPage = { total: number; offset: number; rows: LetterSummary[] };
export type LetterText = { id: number; patient: string | null; letterDate: string | null; source: string; text: string };

export type ImportFileResult = {
  source: string;
  status: "imported" | "duplicate" | "problem" | "skipped";
  letters: number;
  message: string | null;
};
export type ImportReport = { imported: number; duplicates: number; problems: number; files: ImportFileResult[] };

const uploadFile = z.strictObject({
  name: z.string().trim().min(1).max(255),
  /** The file's bytes, base64 (the browser build cannot hand over paths). */
  base64: z.string().max(70_000_000),
});

export const ingestApi = {
  "letters.list": endpoint<LetterPage>()(
    z.strictObject({
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(200),
      search: z.string().max(200).optional(),
      patient: z.string().max(200).optional(),
      status: z.enum(["not_extracted", "extracted", "failed"]).optional(),
      review: z.enum(REVIEW_STATES).optional(),
      modelId: id.optional(),
    }),
  ),
  "letters.get": endpoint<LetterText>()(z.strictObject({ id })),
  /** Files or folders on this machine (the desktop app's dialog and drag-and-drop). */
  "letters.import": endpoint<ImportReport>()(z.strictObject({ paths: z.array(nonEmpty).min(1).max(10_000) })),
  /** File contents (the browser build's drag-and-drop). */
  "letters.upload": endpoint<ImportReport>()(z.strictObject({ files: z.array(uploadFile).min(1).max(500) })),
} as const;
