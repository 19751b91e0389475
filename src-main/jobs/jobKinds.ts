/**
 * What the job runtime needs from each capability that runs jobs: how its jobs read beyond the
 * counts every job has, its failed items, and how one is resumed. Pause and cancel need nothing
 * from the capability: they go through JobRuns. Fine-tuning and evaluation runs register here too.
 */
import type { JobError, JobState, JobSummary } from "../../src-shared/api.ts";
import type { Db } from "../store/db.ts";
import { itemCounts, jobCost, type JobRow } from "./jobStore.ts";
import type { JobRuns } from "./jobRuns.ts";

export type JobKind = {
  /** The kinds it runs: this name, or this name followed by ":" and more ("extract:shard-1-of-4"). */
  name: string;
  /** What a pause or cancel waits for, in the user's words ("the letters in flight"). */
  inFlight: string;
  /** The job as its capability sees it, over what every job shows. */
  describe(job: JobRow, base: JobSummary): JobSummary;
  errors(job: JobRow, limit: number): JobError[];
  /** Starts the job again where it stopped; resolves once it is running. */
  resume(job: JobRow): Promise<unknown>;
};

export function servesKind(kind: JobKind, jobKind: string): boolean {
  return jobKind === kind.name || jobKind.startsWith(`${kind.name}:`);
}

/** What every job shows: its state as it reads now, item counts, cost where it has any, and why it stopped (or is stopping). */
export function baseSummary(db: Db, runs: JobRuns, job: JobRow, inFlight: string): JobSummary {
  const counts = itemCounts(db, job.id);
  const cost = jobCost(db, job.id);
  const stopping = runs.stopping(job.id);
  return {
    id: job.id,
    kind: job.kind,
    state: runs.state(job) satisfies JobState,
    model: null,
    total: counts.total,
    done: counts.done,
    failed: counts.failed,
    pending: counts.pending + counts.running + counts.submitted,
    rate: null,
    etaSeconds: null,
    engine: null,
    costUsd: job.budget_usd !== null || cost > 0 ? cost : null,
    budgetUsd: job.budget_usd,
    message: stopping === "pause" ? `pausing: finishing ${inFlight}` : stopping === "cancel" ? `cancelling: finishing ${inFlight}` : job.error,
    createdAt: job.created_at,
    updatedAt: job.updated_at,
  };
}
