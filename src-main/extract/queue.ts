import { inPages, type Db } from "../store/db.ts";
import { saveExtraction } from "../store/extractions.ts";
import { claimJob, commitItem, countAttempt, createJob, deleteJobIfEmpty, finishJob, itemCounts, JobBusyError, newestOpenJob, pendingItemsAfter, startItem, type ItemRow } from "../jobs/jobStore.ts";
import { ownerLabel } from "../jobs/owner.ts";
import { queueLettersNeedingExtraction } from "./letterQueue.ts";
import { getLetter, sourceLabel } from "../store/letters.ts";
import type { ModelRow } from "../store/models.ts";
import { EngineError, type Engine, type EngineFailureKind } from "./engine.ts";
import { groundDocument } from "../grounding/index.ts";
import { parseModelOutput } from "./output.ts";
import type { SystemPrompt } from "./prompt.ts";
import { shardLabel, type Shard } from "./shards.ts";
import { mergePartDocuments, splitLetter } from "./longLetters.ts";
import type { TimelineDocument } from "../../src-shared/timeline.ts";

export type ExtractionEvent =
  | { type: "start"; jobId: number | null; resumed: boolean; total: number; alreadyDone: number; engine: string }
  | { type: "retry"; letterId: number; source: string; error: string }
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

export type ExtractionOptions = { retryFailed: boolean; shard?: Shard };

/** Letters read from the job's queue at a time. */
const QUEUE_PAGE = 500;

/**
 * Extracts every letter that has no result for this model yet (and, with retryFailed, those
 * that failed; with a shard, only its letters). A job killed part-way is adopted and continued
 * by the next run.
 */
export async function runExtraction(deps: ExtractionDeps, options: ExtractionOptions): Promise<ExtractionSummary> {
  const { db, engine, model, prompt } = deps;
  const claimed = claimExtractionJob(db, model, options);
  if (!claimed) {
    deps.onEvent?.({ type: "start", jobId: null, resumed: false, total: 0, alreadyDone: 0, engine: engine.description });
    return { jobId: null, state: "done", done: 0, failed: 0, total: 0 };
  }
  const { jobId, resumed } = claimed;
  const counts = itemCounts(db, jobId);
  const queued = counts.pending;
  // The queue is read a page at a time, in letter order, as the lanes take from it.
  const pending = inPages((after) => pendingItemsAfter(db, jobId, after, QUEUE_PAGE), (item) => item.seq);
  deps.onEvent?.({ type: "start", jobId, resumed, total: counts.total, alreadyDone: counts.done + counts.failed, engine: engine.description });

  let done = counts.done;
  let failed = counts.failed;
  let processed = 0;
  const wallStart = performance.now();

  const processLetter = async (item: ItemRow): Promise<void> => {
    // An extraction item's seq is its letter's id (letterQueue.ts).
    const letterId = item.seq;
    const letter = getLetter(db, letterId);
    if (!letter) return;
    const source = sourceLabel(letter.source_path, letter.source_row);
    startItem(db, item.id);
    const started = performance.now();
    const outcome = await extractWithOneRetry(engine, letter.text, (error) => {
      countAttempt(db, item.id);
      deps.onEvent?.({ type: "retry", letterId, source, error });
    });
    const durationMs = performance.now() - started;
    const evidence = outcome.ok ? groundDocument(letter.text, outcome.document) : [];
    commitItem(db, item.id, { state: outcome.ok ? "done" : "failed", error: outcome.ok ? null : outcome.error }, () => {
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
    });
    if (outcome.ok) done++;
    else failed++;
    processed++;
    const remaining = queued - processed;
    // Wall-clock rate: with several letters in flight, per-letter durations overlap.
    const secondsPerLetter = (performance.now() - wallStart) / 1000 / processed;
    deps.onEvent?.({
      type: "letter",
      letterId,
      source,
      status: outcome.ok ? "ok" : "failed",
      error: outcome.ok ? null : outcome.error,
      durationMs,
      values: evidence.length,
      ungrounded: evidence.filter((item) => item.grade === "ungrounded").length,
      done,
      failed,
      total: counts.total,
      etaSeconds: remaining > 0 ? Math.round(secondsPerLetter * remaining) : 0,
    });
  };

  // As many letters in flight as the engine has slots; each lane takes the next pending letter.
  // An error that is not the letter's (the store cannot be written: a full disk) stops every lane
  // from taking more, and is thrown once the letters in flight are done; the job stays resumable.
  let fatal: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    try {
      for (let next = pending.next(); !next.done && !deps.signal?.aborted && !fatal; next = pending.next()) await processLetter(next.value);
    } catch (error) {
      fatal ??= { error };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, engine.capacity ?? 1) }, lane));
  if (fatal) throw fatal.error;
  if (deps.signal?.aborted && itemCounts(db, jobId).pending > 0) {
    finishJob(db, jobId, "interrupted");
    return { jobId, state: "interrupted", done, failed, total: counts.total };
  }
  finishJob(db, jobId, "done");
  return { jobId, state: "done", done, failed, total: counts.total };
}

/** Adopts an unfinished job (adding letters imported since) or starts one; null when there is nothing to do. */
function claimExtractionJob(db: Db, model: ModelRow, options: ExtractionOptions): { jobId: number; resumed: boolean } | null {
  const { shard } = options;
  // Each shard is its own job, so shards run on one store resume independently.
  const kind = shard ? `extract:${shardLabel(shard)}` : "extract";
  const queue = (jobId: number) => queueLettersNeedingExtraction(db, jobId, model.id, { retryFailed: options.retryFailed, ...(shard ? { shard } : {}) });
  return db.transaction(() => {
    const open = newestOpenJob(db, kind, model.id);
    if (open) {
      try {
        claimJob(db, open.id);
      } catch (error) {
        // The job runtime's refusal, said of this model.
        if (!(error instanceof JobBusyError)) throw error;
        throw new ExtractionBusyError(`another extraction with model "${model.name}" is running on this data folder (${ownerLabel(error.job)}); wait for it or stop it first`);
      }
      queue(open.id);
      return { jobId: open.id, resumed: true };
    }
    const jobId = createJob(db, { kind, modelId: model.id, params: options });
    if (queue(jobId) > 0) return { jobId, resumed: false };
    // Nothing to do: no job is left behind.
    deleteJobIfEmpty(db, jobId);
    return null;
  }).immediate();
}

type Outcome =
  | { ok: true; document: TimelineDocument; warnings: string[]; raw: string; inputTokens: number | null; outputTokens: number | null }
  | { ok: false; error: string; retryable: boolean; raw: string | null; inputTokens: number | null; outputTokens: number | null };

/**
 * Failures of the model process rather than of the letter's output: the letter gets one more
 * try in a fresh process. A letter that brings the process down twice is failed, so one poison
 * letter cannot stall a months-long batch. Invalid output is not retried: the same input would
 * most likely fail the same way.
 */
const RETRYABLE: ReadonlySet<EngineFailureKind> = new Set(["crashed", "out-of-memory", "timeout"]);

async function extractWithOneRetry(engine: Engine, text: string, onRetry: (error: string) => void): Promise<Outcome> {
  const first = await extractOne(engine, text);
  if (first.ok || !first.retryable) return first;
  onRetry(first.error);
  const second = await extractOne(engine, text);
  if (second.ok) return second;
  return { ...second, error: `${second.error} (on the retry; first attempt: ${first.error})` };
}

async function extractOne(engine: Engine, text: string): Promise<Outcome> {
  try {
    const measured = engine.measure ? await engine.measure(text) : undefined;
    if (measured && measured.tokens > measured.budget) return await extractInParts(engine, text, measured);
    const completion = await engine.complete(text);
    const parsed = parseModelOutput(completion.text);
    const tokens = { inputTokens: completion.inputTokens, outputTokens: completion.outputTokens };
    if (!parsed.ok) return { ok: false, error: `invalid output: ${parsed.error}`, retryable: false, raw: completion.text, ...tokens };
    return { ok: true, document: parsed.document, warnings: parsed.warnings, raw: completion.text, ...tokens };
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    return { ok: false, error: `${error.kind}: ${error.message}`, retryable: RETRYABLE.has(error.kind), raw: null, inputTokens: null, outputTokens: null };
  }
}

/** The smallest letter budget worth splitting for; below it the settings leave no room for letters. */
const MIN_PART_TOKENS = 200;

/**
 * A letter longer than the context allows: extracted in overlapping parts, sized from the
 * measured tokens-per-character with a 10% margin, and merged (see longLetters.ts).
 */
async function extractInParts(engine: Engine, text: string, measured: { tokens: number; budget: number }): Promise<Outcome> {
  const tokens = { inputTokens: 0, outputTokens: 0 };
  if (measured.budget < MIN_PART_TOKENS) {
    return { ok: false, error: `letter-too-long: the context leaves ${measured.budget} tokens for a letter (raise --context or lower --max-tokens)`, retryable: false, raw: null, ...tokens };
  }
  const maxChars = Math.floor(((text.length * measured.budget) / measured.tokens) * 0.9);
  const parts = splitLetter(text, maxChars, Math.min(1000, Math.floor(maxChars / 10)));
  const documents: TimelineDocument[] = [];
  const warnings = [`split into ${parts.length} parts: the letter is ${measured.tokens} tokens, ${measured.budget} fit in the context`];
  const raws: string[] = [];
  for (const [i, part] of parts.entries()) {
    const completion = await engine.complete(part.text);
    tokens.inputTokens += completion.inputTokens ?? 0;
    tokens.outputTokens += completion.outputTokens ?? 0;
    raws.push(completion.text);
    const parsed = parseModelOutput(completion.text);
    const where = `part ${i + 1} of ${parts.length} (characters ${part.start}-${part.end})`;
    if (!parsed.ok) return { ok: false, error: `invalid output in ${where}: ${parsed.error}`, retryable: false, raw: raws.join("\n"), ...tokens };
    documents.push(parsed.document);
    warnings.push(...parsed.warnings.map((warning) => `${where}: ${warning}`));
  }
  const merged = mergePartDocuments(documents);
  return { ok: true, document: merged.document, warnings: [...warnings, ...merged.warnings], raw: raws.join("\n"), ...tokens };
}
