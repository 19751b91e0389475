/**
 * Extraction jobs run inside the app (the desktop app's main process, or `serve`): start, pause,
 * resume, cancel, and progress for the UI. The work itself is runExtraction's: the job and its
 * items live in SQLite, so a paused, interrupted or crashed job resumes where it stopped.
 *
 * Pause and cancel stop taking letters at once and let the letters in flight finish (their
 * results are kept); a paused job is resumed by starting the same model again, a cancelled one
 * is closed for good (its unprocessed letters go to the next job).
 */
import { diskFullMessage } from "../store/diskFull.ts";
import { ApiFailure, type JobDetail, type JobState, type JobSummary } from "../../src-shared/api.ts";
import type { Db } from "../store/db.ts";
import { finishJob, getJob, isProcessAlive, jobCounts, type JobRow } from "../store/jobs.ts";
import { sourceLabel } from "../store/letters.ts";
import { getModelById, type ModelRow } from "../store/models.ts";
import type { Engine } from "./engine.ts";
import type { SystemPrompt } from "./prompt.ts";
import { runExtraction } from "./queue.ts";

export type StartableEngine = Engine & { start?(): Promise<void>; readonly reductions?: readonly string[] };

export type JobControlDeps = {
  db: Db;
  /** Loads the model's engine (its errors reach the user as the reason the job did not start). */
  openEngine: (model: ModelRow) => Promise<StartableEngine>;
  prompt: () => SystemPrompt;
  log?: (error: unknown) => void;
  /** Named in the message when the disk holding it fills up. */
  dataDir: string;
};

type Run = {
  jobId: number;
  abort: AbortController;
  stopping: "pause" | "cancel" | null;
  engine: string;
  message: string | null;
  startedAt: number;
  processed: number;
  etaSeconds: number | null;
  finished: Promise<void>;
};

export class ExtractionJobs {
  private run: Run | undefined;
  private starting = false;
  private readonly paused = new Set<number>();
  /** Why a job stopped on its own (a full disk, a store error), shown until it runs again. */
  private readonly stoppedBecause = new Map<number, string>();

  constructor(private readonly deps: JobControlDeps) {}

  /** Resolves once the model is loaded and the job is claimed; the letters run in the background. */
  async start(modelId: number, retryFailed: boolean): Promise<JobSummary> {
    if (this.run || this.starting) throw new ApiFailure("conflict", "an extraction is already running: pause or cancel it first");
    const model = getModelById(this.deps.db, modelId);
    if (!model) throw new ApiFailure("not-found", `no model ${modelId}`);
    this.starting = true;
    let engine: StartableEngine;
    try {
      engine = await this.deps.openEngine(model);
      await engine.start?.();
    } catch (error) {
      this.starting = false;
      throw new ApiFailure("failed", `could not load model "${model.name}": ${(error as Error).message}`);
    }
    const abort = new AbortController();
    const claimed = deferred<number | null>();
    let run: Run | undefined;
    const finished = runExtraction(
      {
        db: this.deps.db,
        engine,
        model,
        prompt: this.deps.prompt(),
        signal: abort.signal,
        onEvent: (event) => {
          if (event.type === "start") {
            if (event.jobId === null) return;
            run = {
              jobId: event.jobId,
              abort,
              stopping: null,
              engine: engine.description,
              message: engine.reductions?.length ? `reduced to fit memory: ${engine.reductions.join("; ")}` : null,
              startedAt: performance.now(),
              processed: 0,
              etaSeconds: null,
              finished: Promise.resolve(),
            };
            this.run = run;
            this.paused.delete(event.jobId);
            this.stoppedBecause.delete(event.jobId);
            claimed.resolve(event.jobId);
          } else if (event.type === "letter" && run) {
            run.processed++;
            run.etaSeconds = event.etaSeconds;
          }
        },
      },
      { retryFailed },
    )
      .then((summary) => {
        if (summary.jobId === null) claimed.resolve(null);
      })
      .catch((error: unknown) => {
        this.deps.log?.(error);
        if (run) this.stoppedBecause.set(run.jobId, `stopped: ${diskFullMessage(error, this.deps.dataDir, "resume the job") ?? (error as Error).message}`);
        claimed.reject(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(async () => {
        const stopped = this.run;
        this.run = undefined;
        this.starting = false;
        if (stopped?.stopping === "cancel") finishJob(this.deps.db, stopped.jobId, "cancelled");
        if (stopped?.stopping === "pause") this.paused.add(stopped.jobId);
        await engine.close().catch((error: unknown) => this.deps.log?.(error));
      });
    let jobId: number | null;
    try {
      jobId = await claimed.promise;
    } catch (error) {
      throw new ApiFailure("failed", (error as Error).message);
    } finally {
      this.starting = false;
    }
    if (jobId === null) throw new ApiFailure("conflict", `every letter already has a result from "${model.name}"${retryFailed ? "" : " (retry failed letters to run the failed ones again)"}`);
    if (run) run.finished = finished;
    return this.summary(jobId);
  }

  pause(jobId: number): JobSummary {
    this.stop(jobId, "pause");
    return this.summary(jobId);
  }

  async resume(jobId: number): Promise<JobSummary> {
    const job = this.job(jobId);
    if (job.state !== "interrupted" && job.state !== "running") throw new ApiFailure("conflict", `job ${jobId} is ${job.state}: nothing to resume`);
    if (this.run?.jobId === jobId) throw new ApiFailure("conflict", `job ${jobId} is running`);
    if (job.model_id === null) throw new ApiFailure("conflict", `job ${jobId} has no model`);
    const params = JSON.parse(job.params) as { retryFailed?: boolean };
    return this.start(job.model_id, params.retryFailed ?? false);
  }

  cancel(jobId: number): JobSummary {
    if (this.run?.jobId === jobId) {
      this.stop(jobId, "cancel");
      return this.summary(jobId);
    }
    const job = this.job(jobId);
    if (job.state === "done" || job.state === "cancelled") throw new ApiFailure("conflict", `job ${jobId} is already ${job.state}`);
    if (job.state === "running" && job.owner_pid !== null && job.owner_pid !== process.pid && isProcessAlive(job.owner_pid)) {
      throw new ApiFailure("conflict", `job ${jobId} is running in another process (${job.owner_pid}); stop it there`);
    }
    finishJob(this.deps.db, jobId, "cancelled");
    this.paused.delete(jobId);
    return this.summary(jobId);
  }

  /** Waits for the running job (if any) to stop taking letters and finish those in flight. */
  async idle(): Promise<void> {
    await this.run?.finished;
  }

  async close(): Promise<void> {
    if (this.run) this.stop(this.run.jobId, "pause");
    await this.idle();
  }

  list(limit: number): JobSummary[] {
    const rows = this.deps.db.prepare("SELECT id FROM jobs WHERE kind LIKE 'extract%' ORDER BY id DESC LIMIT ?").all(limit) as { id: number }[];
    return rows.map((row) => this.summary(row.id));
  }

  detail(jobId: number): JobDetail {
    const errors = this.deps.db
      .prepare(
        `SELECT i.letter_id, i.error, i.attempts, l.source_path, l.source_row FROM job_items i JOIN letters l ON l.id = i.letter_id
         WHERE i.job_id = ? AND i.state = 'failed' ORDER BY i.letter_id LIMIT 1000`,
      )
      .all(jobId) as { letter_id: number; error: string | null; attempts: number; source_path: string; source_row: number | null }[];
    return {
      ...this.summary(jobId),
      errors: errors.map((row) => ({ letterId: row.letter_id, source: sourceLabel(row.source_path, row.source_row), error: row.error ?? "failed", attempts: row.attempts })),
    };
  }

  summary(jobId: number): JobSummary {
    const job = this.job(jobId);
    const counts = jobCounts(this.deps.db, jobId);
    const run = this.run?.jobId === jobId ? this.run : undefined;
    const minutes = run ? (performance.now() - run.startedAt) / 60_000 : 0;
    const model = job.model_id === null ? undefined : getModelById(this.deps.db, job.model_id);
    return {
      id: job.id,
      kind: job.kind,
      state: this.state(job, run),
      model: model?.name ?? null,
      total: counts.total,
      done: counts.done,
      failed: counts.failed,
      pending: counts.pending + counts.running,
      rate: run && run.processed > 0 && minutes > 0 ? run.processed / minutes : null,
      etaSeconds: run?.etaSeconds ?? null,
      engine: run?.engine ?? null,
      message: run?.stopping === "pause" ? "pausing: finishing the letters in flight" : run?.stopping === "cancel" ? "cancelling: finishing the letters in flight" : (run?.message ?? this.stoppedBecause.get(jobId) ?? null),
      createdAt: job.created_at,
      updatedAt: job.updated_at,
    };
  }

  private state(job: JobRow, run: Run | undefined): JobState {
    if (run) return "running";
    if (job.state === "running") {
      // Claimed by a process that is gone (killed, crashed): resumable like a paused job.
      const alive = job.owner_pid !== null && job.owner_pid !== process.pid && isProcessAlive(job.owner_pid);
      return alive ? "running" : "interrupted";
    }
    if (job.state === "interrupted" && this.paused.has(job.id)) return "paused";
    return job.state;
  }

  private stop(jobId: number, how: "pause" | "cancel"): void {
    const run = this.run;
    if (run?.jobId !== jobId) throw new ApiFailure("conflict", `job ${jobId} is not running`);
    run.stopping = how;
    run.abort.abort();
  }

  private job(jobId: number): JobRow {
    const job = getJob(this.deps.db, jobId);
    if (!job) throw new ApiFailure("not-found", `no job ${jobId}`);
    return job;
  }
}

/** Promise.withResolvers arrived in Node 22. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}
