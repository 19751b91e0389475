/**
 * The job runtime's tables (migration 006_job_runtime): every long piece of work (an extraction
 * batch, a synthetic generation or QA run, and the fine-tuning and evaluation runs to come) is a
 * job of a kind with items keyed within it. An item's result commits with its `done` state in one
 * transaction, so a job killed at any instant resumes with nothing lost and nothing done twice.
 *
 * Stored states: running (owned by a process; if that process is gone the job reads as
 * interrupted), paused, interrupted and budget-reached (resumable), done, cancelled and failed
 * (closed). Items: pending, running (being worked on by the owner), submitted (handed to a
 * provider whose id is `external_id`, e.g. a Message Batch), done, failed.
 */
import { nowIso, prepared, type Db } from "../store/db.ts";
import { ownedElsewhere, ownerLabel, THIS_HOST } from "./owner.ts";

export type StoredJobState = "running" | "paused" | "interrupted" | "budget-reached" | "done" | "cancelled" | "failed";
export type ItemState = "pending" | "running" | "submitted" | "done" | "failed";

/** A closed job is never resumed; the other states can go on. */
export function isClosed(state: StoredJobState): boolean {
  return state === "done" || state === "cancelled" || state === "failed";
}

export type JobRow = {
  id: number;
  kind: string;
  job_key: string | null;
  state: StoredJobState;
  model_id: number | null;
  owner_pid: number | null;
  owner_host: string | null;
  params: string;
  budget_usd: number | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
};

export type ItemRow = {
  id: number;
  job_id: number;
  item_key: string;
  seq: number;
  payload: string | null;
  state: ItemState;
  external_id: string | null;
  attempts: number;
  error: string | null;
  cost_usd: number;
};

export type ItemCounts = Record<ItemState, number> & { total: number };

/** Token counts as a provider reports them (see synth/anthropicClient.ts TokenUsage). */
export type ItemUsage = { input: number; output: number; cacheWrite: number; cacheRead: number };

/** Another live process runs the job. */
export class JobBusyError extends Error {
  constructor(readonly job: JobRow) {
    super(`job ${job.id} is being run by ${ownerLabel(job)}; wait for it or stop it first`);
  }
}

export function createJob(db: Db, job: { kind: string; key?: string; modelId?: number; params: unknown; budgetUsd?: number | null }): number {
  const now = nowIso();
  const result = prepared(
    db,
    `INSERT INTO jobs (kind, job_key, state, model_id, owner_pid, owner_host, params, budget_usd, created_at, updated_at)
     VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)`,
  ).run(job.kind, job.key ?? null, job.modelId ?? null, process.pid, THIS_HOST, JSON.stringify(job.params), job.budgetUsd ?? null, now, now);
  return Number(result.lastInsertRowid);
}

/** A job with no items, as if never created (a claim that found nothing to do). */
export function deleteJobIfEmpty(db: Db, jobId: number): void {
  prepared(db, "DELETE FROM jobs WHERE id = ? AND NOT EXISTS (SELECT 1 FROM job_items WHERE job_id = ?)").run(jobId, jobId);
}

/** Replaces a job's params (the record a later process follows the job by, e.g. a fine-tune's remote state). */
export function saveJobParams(db: Db, jobId: number, params: unknown): void {
  prepared(db, "UPDATE jobs SET params = ?, updated_at = ? WHERE id = ?").run(JSON.stringify(params), nowIso(), jobId);
}

export function getJob(db: Db, id: number): JobRow | undefined {
  return prepared(db, "SELECT * FROM jobs WHERE id = ?").get(id) as JobRow | undefined;
}

export function findJobByKey(db: Db, key: string): JobRow | undefined {
  return prepared(db, "SELECT * FROM jobs WHERE job_key = ?").get(key) as JobRow | undefined;
}

/** The newest job of this kind (and model, when given) that is not closed: it is resumed before a new one starts. */
export function newestOpenJob(db: Db, kind: string, modelId?: number): JobRow | undefined {
  const model = modelId === undefined ? "" : "AND model_id = @modelId";
  return prepared(db, `SELECT * FROM jobs WHERE kind = @kind ${model} AND state IN ('running', 'paused', 'interrupted', 'budget-reached') ORDER BY id DESC`).get({
    kind,
    ...(modelId === undefined ? {} : { modelId }),
  }) as JobRow | undefined;
}

/** The newest job of this kind with failed items (what a retry of failed items goes back to). */
export function newestJobWithFailedItems(db: Db, kind: string): JobRow | undefined {
  return prepared(db, "SELECT j.* FROM jobs j WHERE j.kind = ? AND EXISTS (SELECT 1 FROM job_items i WHERE i.job_id = j.id AND i.state = 'failed') ORDER BY j.id DESC").get(kind) as
    | JobRow
    | undefined;
}

export function jobsOfKinds(db: Db, kindPrefixes: readonly string[], limit: number): JobRow[] {
  const where = kindPrefixes.map((_, index) => `kind = @k${index} OR kind LIKE @k${index} || ':%'`).join(" OR ");
  const params = Object.fromEntries(kindPrefixes.map((prefix, index) => [`k${index}`, prefix]));
  return prepared(db, `SELECT * FROM jobs WHERE ${where} ORDER BY id DESC LIMIT @limit`).all({ ...params, limit }) as JobRow[];
}

/**
 * Makes this process the job's owner (refused with JobBusyError while another live process runs
 * it). Items the previous owner was working on go back to pending: their results never committed.
 * A budget given here replaces the stored one (how a job stopped at its budget goes on).
 */
export function claimJob(db: Db, jobId: number, options: { budgetUsd?: number | null } = {}): JobRow {
  return db.transaction(() => {
    const job = getJob(db, jobId);
    if (!job) throw new Error(`job ${jobId} does not exist`);
    if (job.state === "running" && ownedElsewhere(job)) throw new JobBusyError(job);
    const now = nowIso();
    prepared(db, "UPDATE job_items SET state = 'pending', updated_at = ? WHERE job_id = ? AND state = 'running'").run(now, jobId);
    prepared(
      db,
      "UPDATE jobs SET state = 'running', owner_pid = ?, owner_host = ?, error = NULL, budget_usd = coalesce(?, budget_usd), updated_at = ?, finished_at = NULL WHERE id = ?",
    ).run(process.pid, THIS_HOST, options.budgetUsd ?? null, now, jobId);
    return getJob(db, jobId) as JobRow;
  }).immediate();
}

/** Ends this run of the job: closed (done, cancelled, failed) or resumable (paused, interrupted, budget-reached). */
export function finishJob(db: Db, jobId: number, state: Exclude<StoredJobState, "running">, error: string | null = null): void {
  const now = nowIso();
  const closed = isClosed(state);
  prepared(db, "UPDATE jobs SET state = ?, error = ?, owner_pid = NULL, owner_host = NULL, updated_at = ?, finished_at = ? WHERE id = ?").run(
    state,
    error,
    now,
    closed ? now : null,
    jobId,
  );
}

/**
 * Adds items by key; a key already in the job, or with `uniqueInKind` in any job of that kind,
 * is left as it is (the same grid row is never generated twice). Items take their `seq` in the
 * order given, after the job's last. Returns how many were new.
 */
export function addItems(db: Db, jobId: number, items: readonly { key: string; payload: unknown }[], options: { uniqueInKind?: string } = {}): number {
  const elsewhere = options.uniqueInKind
    ? "AND NOT EXISTS (SELECT 1 FROM job_items o JOIN jobs j ON j.id = o.job_id WHERE o.item_key = @key AND j.kind = @kind)"
    : "";
  const insert = prepared(
    db,
    `INSERT INTO job_items (job_id, item_key, seq, payload, state, updated_at) SELECT @jobId, @key, @seq, @payload, 'pending', @now
     WHERE 1 ${elsewhere} ON CONFLICT (job_id, item_key) DO NOTHING`,
  );
  return db.transaction(() => {
    const last = (prepared(db, "SELECT coalesce(max(seq), -1) AS n FROM job_items WHERE job_id = ?").get(jobId) as { n: number }).n;
    const now = nowIso();
    let added = 0;
    for (const item of items) {
      const params = { jobId, key: item.key, seq: last + 1 + added, payload: JSON.stringify(item.payload), now, ...(options.uniqueInKind ? { kind: options.uniqueInKind } : {}) };
      added += insert.run(params).changes;
    }
    return added;
  })();
}

/** The job's items in seq order: all of them, or those in one state, at most `limit`. */
export function itemsOfJob(db: Db, jobId: number, state?: ItemState, limit = -1): ItemRow[] {
  if (state === undefined) return prepared(db, "SELECT * FROM job_items WHERE job_id = ? ORDER BY seq LIMIT ?").all(jobId, limit) as ItemRow[];
  return prepared(db, "SELECT * FROM job_items WHERE job_id = ? AND state = ? ORDER BY seq LIMIT ?").all(jobId, state, limit) as ItemRow[];
}

/** The job's pending items after `afterSeq`, in seq order, at most `limit`: a page of its queue. */
export function pendingItemsAfter(db: Db, jobId: number, afterSeq: number, limit: number): ItemRow[] {
  return prepared(db, "SELECT * FROM job_items WHERE job_id = ? AND state = 'pending' AND seq > ? ORDER BY seq LIMIT ?").all(jobId, afterSeq, limit) as ItemRow[];
}

export function itemCounts(db: Db, jobId: number): ItemCounts {
  const counts: ItemCounts = { pending: 0, running: 0, submitted: 0, done: 0, failed: 0, total: 0 };
  for (const row of prepared(db, "SELECT state, count(*) AS n FROM job_items WHERE job_id = ? GROUP BY state").all(jobId) as { state: ItemState; n: number }[]) {
    counts[row.state] = row.n;
    counts.total += row.n;
  }
  return counts;
}

/** The owner takes the item (an attempt is counted); a dead owner's running items go back to pending on the next claim. */
export function startItem(db: Db, itemId: number): void {
  prepared(db, "UPDATE job_items SET state = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ?").run(nowIso(), itemId);
}

/** An attempt that leaves the item pending until it commits (a request whose answer commits the item). */
export function countAttempt(db: Db, itemId: number): void {
  prepared(db, "UPDATE job_items SET attempts = attempts + 1, updated_at = ? WHERE id = ?").run(nowIso(), itemId);
}

/** Failed items back to pending; nothing else changes. Returns how many. */
export function retryFailedItems(db: Db, jobId: number): number {
  return prepared(db, "UPDATE job_items SET state = 'pending', updated_at = ? WHERE job_id = ? AND state = 'failed'").run(nowIso(), jobId).changes;
}

/** Recorded before the provider is polled, so a killed process finds its batch again instead of paying twice. */
export function markItemsSubmitted(db: Db, itemIds: readonly number[], externalId: string): void {
  const update = prepared(db, "UPDATE job_items SET state = 'submitted', external_id = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'pending'");
  const now = nowIso();
  db.transaction(() => {
    for (const id of itemIds) update.run(externalId, now, id);
  })();
}

/** A submitted item the provider did not process (cancelled, expired) waits for the next run. */
export function returnItemToPending(db: Db, itemId: number, error: string): void {
  prepared(db, "UPDATE job_items SET state = 'pending', external_id = NULL, error = ?, updated_at = ? WHERE id = ? AND state = 'submitted'").run(error, nowIso(), itemId);
}

/**
 * Commits an item's outcome, its cost and whatever `write` stores (an extraction, a letter, QA
 * pairs) in one transaction, and only while the item is open: a result that arrives twice (a batch
 * collected again after a kill) is stored once. The job is touched too: its owner's sign of life.
 * Returns false when the item was already closed.
 */
export function commitItem(
  db: Db,
  itemId: number,
  outcome: { state: "done" | "failed"; error: string | null; usage?: ItemUsage | null; costUsd?: number },
  write: () => void = () => undefined,
): boolean {
  return db.transaction(() => {
    const usage = outcome.usage ?? { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 };
    const now = nowIso();
    const changed = prepared(
      db,
      `UPDATE job_items SET state = ?, error = ?, external_id = NULL, input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,
         cache_write_tokens = cache_write_tokens + ?, cache_read_tokens = cache_read_tokens + ?, cost_usd = cost_usd + ?, updated_at = ?
       WHERE id = ? AND state IN ('pending', 'running', 'submitted')`,
    ).run(outcome.state, outcome.error, usage.input, usage.output, usage.cacheWrite, usage.cacheRead, outcome.costUsd ?? 0, now, itemId).changes;
    if (changed === 0) return false;
    prepared(db, "UPDATE jobs SET updated_at = ? WHERE id = (SELECT job_id FROM job_items WHERE id = ?)").run(now, itemId);
    write();
    return true;
  })();
}

export function jobCost(db: Db, jobId: number): number {
  return (prepared(db, "SELECT coalesce(sum(cost_usd), 0) AS c FROM job_items WHERE job_id = ?").get(jobId) as { c: number }).c;
}
