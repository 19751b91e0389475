import type { Db } from "../store/db.ts";
import { saveExtraction, lettersNeedingExtraction } from "../store/extractions.ts";
import {
  addJobItems,
  adoptJob,
  createJob,
  findUnfinishedJob,
  finishJob,
  isProcessAlive,
  jobCounts,
  markItemFinished,
  markItemRunning,
  pendingItems,
} from "../store/jobs.ts";
import { getLetter } from "../store/letters.ts";
import type { ModelRow } from "../store/models.ts";
import { EngineError, type Engine } from "./engine.ts";
import { groundDocument } from "./grounding.ts";
import { parseModelOutput } from "./output.ts";
import type { SystemPrompt } from "./prompt.ts";
import type { TimelineDocument } from "../../src-shared/timeline.ts";

export type ExtractionEvent =
  | { type: "start"; jobId: number | null; resumed: boolean; total: number; alreadyDone: number; engine: string }
  | {
      type: "letter";
      letterId: number;
      source: string;
      status: "ok" | "failed";
      error: string | null;
      durationMs: number;
      values: number;
      ungrounded: number;
      done: number;
      failed: number;
      total: number;
      etaSeconds: number | null;
    };

export type ExtractionSummary = { jobId: number | null; state: "done" | "interrupted"; done: number; failed: number; total: number };

export type ExtractionDeps = {
  db: Db;
  engine: Engine;
  model: ModelRow;
  prompt: SystemPrompt;
  onEvent?: (event: ExtractionEvent) => void;
  /** Aborting stops after the letter in flight; the job is left resumable. */
  signal?: AbortSignal;
};

export class ExtractionBusyError extends Error {}

/**
 * Extracts every letter that has no result for this model yet (and, with retryFailed, those
 * that failed). A job killed part-way is adopted and continued by the next run.
 */
export async function runExtraction(deps: ExtractionDeps, options: { retryFailed: boolean }): Promise<ExtractionSummary> {
  const { db, engine, model, prompt } = deps;
  const claimed = claimJob(db, model, options);
  if (!claimed) {
    deps.onEvent?.({ type: "start", jobId: null, resumed: false, total: 0, alreadyDone: 0, engine: engine.description });
    return { jobId: null, state: "done", done: 0, failed: 0, total: 0 };
  }
  const { jobId, resumed } = claimed;
  const queue = pendingItems(db, jobId);
  const counts = jobCounts(db, jobId);
  deps.onEvent?.({ type: "start", jobId, resumed, total: counts.total, alreadyDone: counts.done + counts.failed, engine: engine.description });

  let done = counts.done;
  let failed = counts.failed;
  let spentMs = 0;
  let processed = 0;
  for (const letterId of queue) {
    if (deps.signal?.aborted) {
      finishJob(db, jobId, "interrupted");
      return { jobId, state: "interrupted", done, failed, total: counts.total };
    }
    const letter = getLetter(db, letterId);
    if (!letter) continue;
    markItemRunning(db, jobId, letterId);
    const started = performance.now();
    const outcome = await extractOne(engine, letter.text);
    const durationMs = performance.now() - started;
    const evidence = outcome.ok ? groundDocument(letter.text, outcome.document) : [];
    db.transaction(() => {
      saveExtraction(db, {
        letterId,
        modelId: model.id,
        jobId,
        status: outcome.ok ? "ok" : "failed",
        document: outcome.ok ? outcome.document : null,
        rawOutput: outcome.raw,
        error: outcome.ok ? null : outcome.error,
        warnings: outcome.ok ? outcome.warnings : [],
        promptVersion: prompt.version,
        inputTokens: outcome.inputTokens,
        outputTokens: outcome.outputTokens,
        durationMs,
        evidence,
      });
      markItemFinished(db, jobId, letterId, outcome.ok ? "done" : "failed", outcome.ok ? null : outcome.error);
    })();
    if (outcome.ok) done++;
    else failed++;
    processed++;
    spentMs += durationMs;
    const remaining = queue.length - processed;
    deps.onEvent?.({
      type: "letter",
      letterId,
      source: letter.source_row === null ? letter.source_path : `${letter.source_path}:${letter.source_row}`,
      status: outcome.ok ? "ok" : "failed",
      error: outcome.ok ? null : outcome.error,
      durationMs,
      values: evidence.length,
      ungrounded: evidence.filter((item) => item.grade === "ungrounded").length,
      done,
      failed,
      total: counts.total,
      etaSeconds: remaining > 0 ? Math.round((spentMs / processed / 1000) * remaining) : 0,
    });
  }
  finishJob(db, jobId, "done");
  return { jobId, state: "done", done, failed, total: counts.total };
}

/** Adopts an unfinished job (adding letters imported since) or starts one; null when there is nothing to do. */
function claimJob(db: Db, model: ModelRow, options: { retryFailed: boolean }): { jobId: number; resumed: boolean } | null {
  return db.transaction(() => {
    const needed = lettersNeedingExtraction(db, model.id, options);
    const unfinished = findUnfinishedJob(db, "extract", model.id);
    if (unfinished) {
      const owner = unfinished.owner_pid;
      if (owner !== null && owner !== process.pid && unfinished.state === "running" && isProcessAlive(owner)) {
        throw new ExtractionBusyError(
          `another extraction with model "${model.name}" is running on this data folder (process ${owner}); wait for it or stop it first`,
        );
      }
      adoptJob(db, unfinished.id);
      addJobItems(db, unfinished.id, needed);
      return { jobId: unfinished.id, resumed: true };
    }
    if (needed.length === 0) return null;
    const jobId = createJob(db, "extract", model.id, options);
    addJobItems(db, jobId, needed);
    return { jobId, resumed: false };
  }).immediate();
}

type Outcome =
  | { ok: true; document: TimelineDocument; warnings: string[]; raw: string; inputTokens: number | null; outputTokens: number | null }
  | { ok: false; error: string; raw: string | null; inputTokens: number | null; outputTokens: number | null };

async function extractOne(engine: Engine, text: string): Promise<Outcome> {
  try {
    const completion = await engine.complete(text);
    const parsed = parseModelOutput(completion.text);
    const tokens = { inputTokens: completion.inputTokens, outputTokens: completion.outputTokens };
    if (!parsed.ok) return { ok: false, error: `invalid output: ${parsed.error}`, raw: completion.text, ...tokens };
    return { ok: true, document: parsed.document, warnings: parsed.warnings, raw: completion.text, ...tokens };
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    return { ok: false, error: `${error.kind}: ${error.message}`, raw: null, inputTokens: null, outputTokens: null };
  }
}
