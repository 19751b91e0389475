import { z } from "zod";
import { endpoint, id } from "./endpoint.ts";

export type JobState = "running" | "paused" | "done" | "interrupted" | "cancelled" | "failed";
export type JobSummary = {
  id: number;
  kind: string;
  state: JobState;
  model: string | null;
  total: number;
  done: number;
  failed: number;
  pending: number;
  /** Letters per minute over this run (null before the first letter). */
  rate: number | null;
  etaSeconds: number | null;
  engine: string | null;
  /** Why the job stopped, or what the engine reduced to fit memory. */
  message: string | null;
  createdAt: string;
  updatedAt: string;
};
export type JobError = { letterId: number; source: string; error: string; attempts: number };
export type JobDetail = JobSummary & { errors: JobError[] };

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
  "jobs.list": endpoint<JobSummary[]>()(z.strictObject({ limit: z.number().int().min(1).max(500).default(50) })),
  "jobs.get": endpoint<JobDetail>()(z.strictObject({ id })),
  /** Extracts every letter not yet extracted with the model (and failed ones with retryFailed). */
  "jobs.startExtraction": endpoint<JobSummary>()(z.strictObject({ modelId: id, retryFailed: z.boolean().default(false) })),
  "jobs.pause": endpoint<JobSummary>()(z.strictObject({ id })),
  "jobs.resume": endpoint<JobSummary>()(z.strictObject({ id })),
  "jobs.cancel": endpoint<JobSummary>()(z.strictObject({ id })),
} as const;
