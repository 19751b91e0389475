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
import { ApiFailure, type JobSummary } from "../../src-shared/api.ts";
import type { Db } from "../store/db.ts";
import { getJob, type JobRow } from "../jobs/jobStore.ts";
import { baseSummary, type JobKind } from "../jobs/jobKinds.ts";
import type { JobRuns } from "../jobs/jobRuns.ts";
import { sourceLabel } from "../store/letters.ts";
import { failedLetters } from "./letterQueue.ts";
import { getModelById, type ModelRow } from "../store/models.ts";
import type { Engine } from "./engine.ts";
import type { SystemPrompt } from "./prompt.ts";
import { runExtraction } from "./queue.ts";

export type StartableEngine = Engine & { start?(): Promise<void>; readonly reductions?: readonly string[] };

export type JobControlDeps = {
  db: Db;
  /** The process's running jobs of every kind: pause, cancel and how a job reads. */
  runs: JobRuns;
  /** Loads the model's engine (its errors reach the user as the reason the job did not start). */
  openEngine: (model: ModelRow) => Promise<StartableEngine>;
  prompt: () => SystemPrompt;
  log?: (error: unknown) => void;
  /** Named in the message when the disk holding it fills up. */
  dataDir: string;
};

/** What the extraction running here shows beside its stored counts. */
type Run = {
  jobId: number;
  engine: string;
  message: string | null;
  startedAt: number;
  processed: number;
  etaSeconds: number | null;
};

const LETTERS_IN_FLIGHT = "the letters in flight";

export class ExtractionJobs {
  private run: Run | undefined;
  private starting = false;
  private tracked: Promise<void> = Promise.resolve();
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
              engine: engine.description,
              message: engine.reductions?.length ? `reduced to fit memory: ${engine.reductions.join("; ")}` : null,
              startedAt: performance.now(),
              processed: 0,
              etaSeconds: null,
            };
            this.run = run;
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
        this.run = undefined;
        this.starting = false;
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
    this.tracked = this.deps.runs.track(jobId, abort, finished);
    return this.summary(jobId);
  }

  /** How the job runtime reads, lists and resumes extraction jobs (pause and cancel are the runtime's own). */
  kind(): JobKind {
    return {
      name: "extract",
      inFlight: LETTERS_IN_FLIGHT,
      describe: (job, base) => this.describe(job, base),
      errors: (job, limit) =>
        failedLetters(this.deps.db, job.id, limit).map((row) => ({
          key: String(row.letter_id),
          letterId: row.letter_id,
          source: sourceLabel(row.source_path, row.source_row),
          error: row.error ?? "failed",
          attempts: row.attempts,
        })),
      resume: (job) => {
        if (job.model_id === null) throw new ApiFailure("conflict", `job ${job.id} has no model`);
        const params = JSON.parse(job.params) as { retryFailed?: boolean };
        return this.start(job.model_id, params.retryFailed ?? false);
      },
    };
  }

  /** Waits for the extraction running here (if any) to stop taking letters and finish those in flight. */
  async idle(): Promise<void> {
    await this.tracked;
  }

  summary(jobId: number): JobSummary {
    const job = getJob(this.deps.db, jobId);
    if (!job) throw new ApiFailure("not-found", `no job ${jobId}`);
    return this.describe(job, baseSummary(this.deps.db, this.deps.runs, job, LETTERS_IN_FLIGHT));
  }

  private describe(job: JobRow, base: JobSummary): JobSummary {
    const run = this.run?.jobId === job.id ? this.run : undefined;
    const minutes = run ? (performance.now() - run.startedAt) / 60_000 : 0;
    const model = job.model_id === null ? undefined : getModelById(this.deps.db, job.model_id);
    return {
      ...base,
      // Running from the moment the job is claimed, before the runtime tracks it.
      state: run ? "running" : base.state,
      model: model?.name ?? null,
      rate: run && run.processed > 0 && minutes > 0 ? run.processed / minutes : null,
      etaSeconds: run?.etaSeconds ?? null,
      engine: run?.engine ?? null,
      message: base.message ?? run?.message ?? this.stoppedBecause.get(job.id) ?? null,
    };
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
