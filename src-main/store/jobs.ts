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

/** Queues letters; a letter that failed in this job goes back to pending (a retry). */
export function addJobItems(db: Db, jobId: number, letterIds: readonly number[]): void {
  const insert = prepared(db, 
    `INSERT INTO job_items (job_id, letter_id, state, updated_at) VALUES (?, ?, 'pending', ?)
     ON CONFLICT (job_id, letter_id) DO UPDATE SET state = 'pending' WHERE job_items.state = 'failed'`,
  );
  const now = nowIso();
  db.transaction(() => {
    for (const id of letterIds) insert.run(jobId, id, now);
  })();
}

export function pendingItems(db: Db, jobId: number): number[] {
  return (
    prepared(db, "SELECT letter_id FROM job_items WHERE job_id = ? AND state = 'pending' ORDER BY letter_id").all(jobId) as {
      letter_id: number;
    }[]
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
