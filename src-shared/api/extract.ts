import { z } from "zod";
import { endpoint, id } from "./endpoint.ts";
import type { JobSummary } from "./jobs.ts";

/** The engine's shape and limits, chosen per machine on the settings screen. */
export const ExtractionSettingsSchema = z.strictObject({
  parallel: z.number().int().min(1).max(256),
  contexts: z.number().int().min(1).max(64).nullable(),
  contextSize: z.number().int().min(1024).max(131072),
  maxTokens: z.number().int().min(256).max(32768),
  gpu: z.enum(["auto", "off"]),
});
export type ExtractionSettings = z.infer<typeof ExtractionSettingsSchema>;

export const extractApi = {
  /** Extracts every letter not yet extracted with the model (and failed ones with retryFailed). */
  "jobs.startExtraction": endpoint<JobSummary>()(z.strictObject({ modelId: id, retryFailed: z.boolean().default(false) })),
} as const;
