import { z } from "zod";
import { endpoint, id } from "./endpoint.ts";

/** How a job reads: `interrupted` is a job whose process is gone (killed, crashed), resumable like a paused one. */
export type JobState = "running" | "paused" | "interrupted" | "budget-reached" | "done" | "cancelled" | "failed";
export type JobSummary = {
  id: number;
  /** "extract" (or "extract:shard-I-of-N"), "synth:generate", "synth:qa". */
  kind: string;
  state: JobState;
  /** The model that does the work: the local model extracting, or the teacher writing letters. */
  model: string | null;
  total: number;
  done: number;
  failed: number;
  pending: number;
  /** Items (letters) per minute over this run (null before the first). */
  rate: number | null;
  etaSeconds: number | null;
  engine: string | null;
  /** What the work has cost so far, where it costs money (a cloud provider); null otherwise. */
  costUsd: number | null;
  budgetUsd: number | null;
  /** Why the job stopped, or what the engine reduced to fit memory. */
  message: string | null;
  createdAt: string;
  updatedAt: string;
};
/** A failed item: its letter where it is one of the store's letters (extraction), else null. */
export type JobError = { key: string; letterId: number | null; source: string; error: string; attempts: number };
export type JobDetail = JobSummary & { errors: JobError[] };

/** Every kind of job, through one runtime: list, progress, pause, resume, cancel. Starting one is its capability's call. */
export const jobsApi = {
  "jobs.list": endpoint<JobSummary[]>()(
    z.strictObject({
      limit: z.number().int().min(1).max(500).default(50),
      /** Only jobs of this kind: "extract" also lists its shards ("extract:shard-1-of-4"). */
      kind: z.string().min(1).max(100).optional(),
    }),
  ),
  "jobs.get": endpoint<JobDetail>()(z.strictObject({ id })),
  "jobs.pause": endpoint<JobSummary>()(z.strictObject({ id })),
  "jobs.resume": endpoint<JobSummary>()(z.strictObject({ id })),
  "jobs.cancel": endpoint<JobSummary>()(z.strictObject({ id })),
} as const;
