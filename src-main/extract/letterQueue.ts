/**
 * An extraction job's queue in the job runtime's tables: one item per letter, keyed by the
 * letter's id, which is also its seq, so the queue is read in letter order.
 */
import { nowIso, prepared, type Db } from "../store/db.ts";

/**
 * Queues in the job every letter with no result for this model yet; with retryFailed, also those
 * whose result failed; with a shard, only that shard's letters. A letter that failed in this job
 * goes back to pending (a retry). One statement: no list of letters passes through JavaScript,
 * so a store of millions of letters starts its job in seconds and in little memory. Returns how
 * many items it queued.
 */
export function queueLettersNeedingExtraction(
  db: Db,
  jobId: number,
  modelId: number,
  options: { retryFailed: boolean; shard?: { index: number; count: number } },
): number {
  const failed = options.retryFailed ? "OR e.status = 'failed'" : "";
  const shard = options.shard ? "AND shard_of(l.checksum, @count) = @index" : "";
  // The WHERE before ON CONFLICT is required: SQLite would otherwise read ON as a join's.
  return prepared(
    db,
    `INSERT INTO job_items (job_id, item_key, seq, state, updated_at)
     SELECT @jobId, CAST(l.id AS TEXT), l.id, 'pending', @now FROM letters l LEFT JOIN extractions e ON e.letter_id = l.id AND e.model_id = @modelId
     WHERE (e.id IS NULL ${failed}) ${shard}
     ON CONFLICT (job_id, item_key) DO UPDATE SET state = 'pending' WHERE job_items.state = 'failed'`,
  ).run({ jobId, modelId, now: nowIso(), ...(options.shard ? { index: options.shard.index, count: options.shard.count } : {}) }).changes;
}

/** The failed letters of a job with where they came from, in letter order, at most `limit`. */
export function failedLetters(db: Db, jobId: number, limit: number): { letter_id: number; error: string | null; attempts: number; source_path: string; source_row: number | null }[] {
  return prepared(
    db,
    `SELECT i.seq AS letter_id, i.error, i.attempts, l.source_path, l.source_row FROM job_items i JOIN letters l ON l.id = i.seq
     WHERE i.job_id = ? AND i.state = 'failed' ORDER BY i.seq LIMIT ?`,
  ).all(jobId, limit) as { letter_id: number; error: string | null; attempts: number; source_path: string; source_row: number | null }[];
}
