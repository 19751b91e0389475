/**
 * The jobs this process is running now, whatever their kind: how they are paused and cancelled,
 * and how a stored job reads to the user. Pause and cancel stop a job taking new items and let
 * the items in flight finish and commit; the run then ends as `paused` (resumable, also after a
 * restart) or `cancelled` (closed for good). A job stored as running whose owner is gone (killed,
 * crashed) reads as interrupted and resumes like a paused one.
 */
import { finishJob, getJob, isClosed, type JobRow, type StoredJobState } from "./jobStore.ts";
import { ownedElsewhere, ownerLabel } from "./owner.ts";
import type { Db } from "../store/db.ts";
import { ApiFailure } from "../../src-shared/api.ts";

export type StopRequest = "pause" | "cancel";

/** How a job reads: its stored state, except that a running job whose owner is gone is interrupted. */
export type PresentedJobState = Exclude<StoredJobState, "running"> | "running";

type Run = { abort: AbortController; stopping: StopRequest | null; finished: Promise<void> };

export class JobRuns {
  private readonly runs = new Map<number, Run>();

  constructor(private readonly db: Db) {}

  /**
   * Follows a run of job `jobId` that stops when `abort` fires. When `work` settles after a pause
   * or cancel, the job is stored as paused or cancelled (the runner itself left it interrupted).
   */
  track(jobId: number, abort: AbortController, work: Promise<unknown>): Promise<void> {
    const run: Run = { abort, stopping: null, finished: Promise.resolve() };
    run.finished = work.then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      this.runs.delete(jobId);
      const job = getJob(this.db, jobId);
      if (!job || run.stopping === null) return;
      if (run.stopping === "cancel" && job.state !== "done") finishJob(this.db, jobId, "cancelled");
      else if (run.stopping === "pause" && (job.state === "interrupted" || job.state === "running")) finishJob(this.db, jobId, "paused");
    });
    this.runs.set(jobId, run);
    return run.finished;
  }

  isRunningHere(jobId: number): boolean {
    return this.runs.has(jobId);
  }

  stopping(jobId: number): StopRequest | null {
    return this.runs.get(jobId)?.stopping ?? null;
  }

  /** Pauses or cancels a job running here; refused for one that is not. */
  stop(jobId: number, how: StopRequest): void {
    const run = this.runs.get(jobId);
    if (!run) throw new ApiFailure("conflict", `job ${jobId} is not running`);
    run.stopping = how;
    run.abort.abort();
  }

  /** Cancels a job that is not running here (paused, interrupted): refused while another process runs it or when it is closed. */
  cancelStored(jobId: number): void {
    if (this.runs.has(jobId)) return this.stop(jobId, "cancel");
    const job = this.job(jobId);
    if (isClosed(job.state)) throw new ApiFailure("conflict", `job ${jobId} is already ${job.state}`);
    if (job.state === "running" && ownedElsewhere(job)) throw new ApiFailure("conflict", `job ${jobId} is running in another process (${ownerLabel(job)}); stop it there`);
    finishJob(this.db, jobId, "cancelled");
  }

  /** Refuses to resume a job that is closed or running (here or elsewhere). */
  checkResumable(jobId: number): JobRow {
    const job = this.job(jobId);
    if (this.runs.has(jobId)) throw new ApiFailure("conflict", `job ${jobId} is running`);
    const state = this.state(job);
    if (state === "running") throw new ApiFailure("conflict", `job ${jobId} is running in another process (${ownerLabel(job)}); stop it there`);
    if (isClosed(state)) throw new ApiFailure("conflict", `job ${jobId} is ${state}: nothing to resume`);
    return job;
  }

  state(job: JobRow): PresentedJobState {
    if (this.runs.has(job.id)) return "running";
    if (job.state === "running") return ownedElsewhere(job) ? "running" : "interrupted";
    return job.state;
  }

  /** Waits for every run here to stop taking items and finish those in flight. */
  async idle(): Promise<void> {
    await Promise.all([...this.runs.values()].map((run) => run.finished));
  }

  /** Pauses every run here and waits for them (the app is closing). */
  async close(): Promise<void> {
    for (const [jobId, run] of this.runs) if (run.stopping === null) this.stop(jobId, "pause");
    await this.idle();
  }

  private job(jobId: number): JobRow {
    const job = getJob(this.db, jobId);
    if (!job) throw new ApiFailure("not-found", `no job ${jobId}`);
    return job;
  }
}
