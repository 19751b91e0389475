import { nowIso, prepared, type Db } from "./db.ts";

export type JobState = "running" | "done" | "interrupted" | "cancelled";
export type JobItemState = "pending" | "running" | "done" | "failed";
export type JobRow = {
  id: number;
  kind: string;
  state: JobState;
  model_id: number | null;
  owner_pid: number | null;
  params: string;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
};
export type JobCounts = Record<JobItemState, number> & { total: number };

export function createJob(db: Db, kind: string, modelId: number | null, params: unknown): number {
  const now = nowIso();
  const result = prepared(db, 
      "INSERT INTO jobs (kind, state, model_id, owner_pid, params, created_at, updated_at) VALUES (?, 'running', ?, ?, ?, ?, ?)",
    )
    .run(kind, modelId, process.pid, JSON.stringify(params), now, now);
  return Number(result.lastInsertRowid);
}

/** A job with no items, as if never created (a claim that found nothing to do). */
export function deleteJob(db: Db, jobId: number): void {
  prepared(db, "DELETE FROM jobs WHERE id = ? AND NOT EXISTS (SELECT 1 FROM job_items WHERE job_id = ?)").run(jobId, jobId);
}

export function getJob(db: Db, id: number): JobRow | undefined {
  return prepared(db, "SELECT * FROM jobs WHERE id = ?").get(id) as JobRow | undefined;
}

/** The newest job of this kind and model that did not finish (killed, crashed or still running). */
export function findUnfinishedJob(db: Db, kind: string, modelId: number): JobRow | undefined {
  return prepared(db, "SELECT * FROM jobs WHERE kind = ? AND model_id = ? AND state IN ('running', 'interrupted') ORDER BY id DESC")
    .get(kind, modelId) as JobRow | undefined;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes over a job left by a dead process: items it was working on go back to pending, since
 * their results were never committed (a result and its item's state commit together).
 */
export function adoptJob(db: Db, jobId: number): void {
  db.transaction(() => {
    prepared(db, "UPDATE job_items SET state = 'pending', updated_at = ? WHERE job_id = ? AND state = 'running'").run(
      nowIso(),
      jobId,
    );
    prepared(db, "UPDATE jobs SET state = 'running', owner_pid = ?, updated_at = ? WHERE id = ?").run(
      process.pid,
      nowIso(),
      jobId,
    );
  })();
}

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
    `INSERT INTO job_items (job_id, letter_id, state, updated_at)
     SELECT @jobId, l.id, 'pending', @now FROM letters l LEFT JOIN extractions e ON e.letter_id = l.id AND e.model_id = @modelId
     WHERE (e.id IS NULL ${failed}) ${shard}
     ON CONFLICT (job_id, letter_id) DO UPDATE SET state = 'pending' WHERE job_items.state = 'failed'`,
  ).run({ jobId, modelId, now: nowIso(), ...(options.shard ? { index: options.shard.index, count: options.shard.count } : {}) }).changes;
}

/** The job's pending letters after `afterLetterId`, in id order, at most `limit`: a page of its queue. */
export function pendingItemsAfter(db: Db, jobId: number, afterLetterId: number, limit: number): number[] {
  return (
    prepared(db, "SELECT letter_id FROM job_items WHERE job_id = ? AND state = 'pending' AND letter_id > ? ORDER BY letter_id LIMIT ?").all(
      jobId,
      afterLetterId,
      limit,
    ) as { letter_id: number }[]
  ).map((row) => row.letter_id);
}

export function markItemRunning(db: Db, jobId: number, letterId: number): void {
  prepared(db, 
    "UPDATE job_items SET state = 'running', attempts = attempts + 1, updated_at = ? WHERE job_id = ? AND letter_id = ?",
  ).run(nowIso(), jobId, letterId);
}

export function markItemFinished(db: Db, jobId: number, letterId: number, state: "done" | "failed", error: string | null): void {
  prepared(db, "UPDATE job_items SET state = ?, error = ?, updated_at = ? WHERE job_id = ? AND letter_id = ?").run(
    state,
    error,
    nowIso(),
    jobId,
    letterId,
  );
}

export function finishJob(db: Db, jobId: number, state: Exclude<JobState, "running">): void {
  const now = nowIso();
  prepared(db, "UPDATE jobs SET state = ?, updated_at = ?, finished_at = ? WHERE id = ?").run(state, now, now, jobId);
}

export function jobCounts(db: Db, jobId: number): JobCounts {
  const counts: JobCounts = { pending: 0, running: 0, done: 0, failed: 0, total: 0 };
  const rows = prepared(db, "SELECT state, count(*) AS n FROM job_items WHERE job_id = ? GROUP BY state").all(jobId) as {
    state: JobItemState;
    n: number;
  }[];
  for (const row of rows) {
    counts[row.state] = row.n;
    counts.total += row.n;
  }
  return counts;
}
