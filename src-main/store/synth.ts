/**
 * The synthetic studio's store (tables from migration 004_synth): jobs, their items with cost,
 * generated letters with gold and validation, and distilled QA pairs. Synthetic letters live
 * only here, never in `letters` (real letters): see src-main/synth/storedLetters.ts.
 */
import { nowIso, prepared, type Db } from "./db.ts";
import { isProcessAlive } from "./jobs.ts";

export type SynthJobKind = "generate" | "qa";
export type SynthJobState = "running" | "done" | "interrupted" | "budget-reached";
export type SynthItemState = "pending" | "submitted" | "done" | "failed";

export type SynthJobRow = {
  id: number;
  kind: SynthJobKind;
  job_key: string;
  state: SynthJobState;
  model: string;
  prompt_version: string;
  budget_usd: number | null;
  owner_pid: number | null;
  error: string | null;
  params: string;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
};

export type SynthItemRow = {
  id: number;
  job_id: number;
  idempotency_key: string;
  seq: number;
  payload: string;
  state: SynthItemState;
  batch_id: string | null;
  attempts: number;
  error: string | null;
  cost_usd: number;
};

/** Token counts as the API reports them (see anthropicClient TokenUsage). */
export type ItemUsage = { input: number; output: number; cacheWrite: number; cacheRead: number };

export type SynthLetterRow = {
  id: number;
  item_id: number;
  content: string | null;
  gold: string | null;
  raw_output: string;
  model: string;
  message_id: string | null;
  prompt_version: string;
  status: "accepted" | "flagged" | "rejected";
  reasons: string;
  created_at: string;
};

export function findSynthJob(db: Db, jobKey: string): SynthJobRow | undefined {
  return prepared(db, "SELECT * FROM synth_jobs WHERE job_key = ?").get(jobKey) as SynthJobRow | undefined;
}

export function getSynthJob(db: Db, id: number): SynthJobRow | undefined {
  return prepared(db, "SELECT * FROM synth_jobs WHERE id = ?").get(id) as SynthJobRow | undefined;
}

/** The newest job of this kind that did not finish; with `orFailed`, else the newest with failed items. */
export function unfinishedSynthJob(db: Db, kind: SynthJobKind, orFailed: boolean): SynthJobRow | undefined {
  const open = prepared(db, "SELECT * FROM synth_jobs WHERE kind = ? AND state <> 'done' ORDER BY id DESC").get(kind) as SynthJobRow | undefined;
  if (open || !orFailed) return open;
  return prepared(db, "SELECT j.* FROM synth_jobs j WHERE j.kind = ? AND EXISTS (SELECT 1 FROM synth_items i WHERE i.job_id = j.id AND i.state = 'failed') ORDER BY j.id DESC").get(
    kind,
  ) as SynthJobRow | undefined;
}

export function createSynthJob(
  db: Db,
  job: { kind: SynthJobKind; jobKey: string; model: string; promptVersion: string; budgetUsd: number | null; params: unknown },
): number {
  const now = nowIso();
  const result = prepared(
    db,
    `INSERT INTO synth_jobs (kind, job_key, state, model, prompt_version, budget_usd, owner_pid, params, created_at, updated_at)
     VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)`,
  ).run(job.kind, job.jobKey, job.model, job.promptVersion, job.budgetUsd, process.pid, JSON.stringify(job.params), now, now);
  return Number(result.lastInsertRowid);
}

/**
 * Makes this process the job's owner. Refused while another live process runs it; a budget given
 * here replaces the stored one (how a job stopped at its budget is resumed with a higher one).
 */
export function claimSynthJob(db: Db, jobId: number, budgetUsd: number | null | undefined): SynthJobRow {
  return db.transaction(() => {
    const job = getSynthJob(db, jobId);
    if (!job) throw new Error(`synth job ${jobId} does not exist`);
    if (job.state === "running" && job.owner_pid !== null && job.owner_pid !== process.pid && isProcessAlive(job.owner_pid)) {
      throw new Error(`synth job ${jobId} is being run by process ${job.owner_pid}; wait for it or stop it first`);
    }
    prepared(db, "UPDATE synth_jobs SET state = 'running', owner_pid = ?, error = NULL, budget_usd = coalesce(?, budget_usd), updated_at = ?, finished_at = NULL WHERE id = ?").run(
      process.pid,
      budgetUsd ?? null,
      nowIso(),
      jobId,
    );
    return getSynthJob(db, jobId) as SynthJobRow;
  })();
}

export function finishSynthJob(db: Db, jobId: number, state: Exclude<SynthJobState, "running">, error: string | null = null): void {
  const now = nowIso();
  prepared(db, "UPDATE synth_jobs SET state = ?, error = ?, owner_pid = NULL, updated_at = ?, finished_at = ? WHERE id = ?").run(state, error, now, now, jobId);
}

/**
 * Adds items by idempotency key; a key already in the store (in this job or another) is left as
 * it is, so the same grid row is never generated twice. Returns how many were new.
 */
export function addSynthItems(db: Db, jobId: number, items: readonly { key: string; payload: unknown }[]): number {
  const insert = prepared(db, "INSERT INTO synth_items (job_id, idempotency_key, seq, payload, state, updated_at) VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT (idempotency_key) DO NOTHING");
  const now = nowIso();
  return db.transaction(() => items.reduce((added, item, seq) => added + insert.run(jobId, item.key, seq, JSON.stringify(item.payload), now).changes, 0))();
}

export function synthItems(db: Db, jobId: number, state: SynthItemState): SynthItemRow[] {
  return prepared(db, "SELECT * FROM synth_items WHERE job_id = ? AND state = ? ORDER BY seq").all(jobId, state) as SynthItemRow[];
}

export function synthItemCounts(db: Db, jobId: number): Record<SynthItemState, number> & { total: number } {
  const counts = { pending: 0, submitted: 0, done: 0, failed: 0, total: 0 };
  for (const row of prepared(db, "SELECT state, count(*) AS n FROM synth_items WHERE job_id = ? GROUP BY state").all(jobId) as { state: SynthItemState; n: number }[]) {
    counts[row.state] = row.n;
    counts.total += row.n;
  }
  return counts;
}

/** --retry-failed: failed items back to pending; nothing else changes. Returns how many. */
export function retryFailedSynthItems(db: Db, jobId: number): number {
  return prepared(db, "UPDATE synth_items SET state = 'pending', updated_at = ? WHERE job_id = ? AND state = 'failed'").run(nowIso(), jobId).changes;
}

/** Recorded before the batch is polled, so a killed process finds its batch again instead of paying twice. */
export function markSynthItemsSubmitted(db: Db, itemIds: readonly number[], batchId: string): void {
  const update = prepared(db, "UPDATE synth_items SET state = 'submitted', batch_id = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'pending'");
  const now = nowIso();
  db.transaction(() => {
    for (const id of itemIds) update.run(batchId, now, id);
  })();
}

export function countSynthAttempt(db: Db, itemId: number): void {
  prepared(db, "UPDATE synth_items SET attempts = attempts + 1, updated_at = ? WHERE id = ?").run(nowIso(), itemId);
}

/** A submitted item whose batch did not process it (canceled, expired) waits for the next run. */
export function returnSynthItemToPending(db: Db, itemId: number, error: string): void {
  prepared(db, "UPDATE synth_items SET state = 'pending', batch_id = NULL, error = ?, updated_at = ? WHERE id = ? AND state = 'submitted'").run(error, nowIso(), itemId);
}

/**
 * Commits an item's outcome, its cost and whatever `write` stores (the letter, the QA pairs) in
 * one transaction, and only if the item is still open: a result that arrives twice (a batch
 * collected again after a kill) is stored once. Returns false when the item was already closed.
 */
export function commitSynthItem(
  db: Db,
  itemId: number,
  outcome: { state: "done" | "failed"; error: string | null; usage: ItemUsage | null; costUsd: number },
  write: () => void = () => undefined,
): boolean {
  return db.transaction(() => {
    const usage = outcome.usage ?? { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 };
    const changed = prepared(
      db,
      `UPDATE synth_items SET state = ?, error = ?, batch_id = NULL, input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,
         cache_write_tokens = cache_write_tokens + ?, cache_read_tokens = cache_read_tokens + ?, cost_usd = cost_usd + ?, updated_at = ?
       WHERE id = ? AND state IN ('pending', 'submitted')`,
    ).run(outcome.state, outcome.error, usage.input, usage.output, usage.cacheWrite, usage.cacheRead, outcome.costUsd, nowIso(), itemId).changes;
    if (changed === 0) return false;
    write();
    return true;
  })();
}

export function synthJobCost(db: Db, jobId: number): number {
  return (prepared(db, "SELECT coalesce(sum(cost_usd), 0) AS c FROM synth_items WHERE job_id = ?").get(jobId) as { c: number }).c;
}

export function insertSynthLetter(
  db: Db,
  letter: {
    itemId: number;
    content: string | null;
    gold: unknown;
    rawOutput: string;
    model: string;
    messageId: string | null;
    promptVersion: string;
    status: SynthLetterRow["status"];
    reasons: unknown[];
    minhash: Buffer | null;
  },
): number {
  const result = prepared(
    db,
    `INSERT INTO synth_letters (item_id, content, gold, raw_output, model, message_id, prompt_version, status, reasons, minhash, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    letter.itemId,
    letter.content,
    letter.gold === null ? null : JSON.stringify(letter.gold),
    letter.rawOutput,
    letter.model,
    letter.messageId,
    letter.promptVersion,
    letter.status,
    JSON.stringify(letter.reasons),
    letter.minhash,
    nowIso(),
  );
  return Number(result.lastInsertRowid);
}

/** Signatures of the letters that count for near-duplicate checks (accepted or flagged). */
export function keptLetterSignatures(db: Db): { id: number; minhash: Buffer }[] {
  return prepared(db, "SELECT id, minhash FROM synth_letters WHERE status IN ('accepted', 'flagged') AND minhash IS NOT NULL ORDER BY id").all() as { id: number; minhash: Buffer }[];
}

export function getSynthLetter(db: Db, id: number): SynthLetterRow | undefined {
  return prepared(db, "SELECT * FROM synth_letters WHERE id = ?").get(id) as SynthLetterRow | undefined;
}

/** Accepted letters (oldest first) with no QA item yet for this prompt version. */
export function lettersWithoutQa(db: Db, qaKeyPrefix: string, limit: number): number[] {
  return (
    prepared(
      db,
      `SELECT l.id FROM synth_letters l WHERE l.status = 'accepted'
         AND NOT EXISTS (SELECT 1 FROM synth_items i WHERE i.idempotency_key = ? || l.id) ORDER BY l.id LIMIT ?`,
    ).all(qaKeyPrefix, limit) as { id: number }[]
  ).map((row) => row.id);
}

export function insertQaPair(
  db: Db,
  pair: { letterId: number; itemId: number; index: number; status: "accepted" | "rejected"; reason: string | null; kind: string | null; pair: unknown; promptVersion: string },
): void {
  prepared(db, "INSERT INTO synth_qa (letter_id, item_id, idx, status, reason, kind, pair, prompt_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)").run(
    pair.letterId,
    pair.itemId,
    pair.index,
    pair.status,
    pair.reason,
    pair.kind,
    JSON.stringify(pair.pair),
    pair.promptVersion,
    nowIso(),
  );
}

export type SynthStatus = {
  jobs: { id: number; kind: SynthJobKind; state: SynthJobState; model: string; budgetUsd: number | null; costUsd: number; items: Record<string, number>; error: string | null }[];
  letters: Record<"accepted" | "flagged" | "rejected", number>;
  reasons: Record<string, number>;
  qa: { accepted: number; rejected: number; byKind: Record<string, number>; rejectReasons: Record<string, number> };
  costUsd: number;
};

export function synthStatus(db: Db): SynthStatus {
  const jobs = (prepared(db, "SELECT * FROM synth_jobs ORDER BY id").all() as SynthJobRow[]).map((job) => {
    const counts = synthItemCounts(db, job.id);
    return { id: job.id, kind: job.kind, state: job.state, model: job.model, budgetUsd: job.budget_usd, costUsd: synthJobCost(db, job.id), items: counts, error: job.error };
  });
  const letters = { accepted: 0, flagged: 0, rejected: 0 };
  for (const row of prepared(db, "SELECT status, count(*) AS n FROM synth_letters GROUP BY status").all() as { status: keyof typeof letters; n: number }[]) letters[row.status] = row.n;
  const reasons: Record<string, number> = {};
  for (const row of prepared(db, "SELECT reasons FROM synth_letters WHERE reasons <> '[]'").iterate() as Iterable<{ reasons: string }>) {
    for (const reason of JSON.parse(row.reasons) as { code: string }[]) reasons[reason.code] = (reasons[reason.code] ?? 0) + 1;
  }
  const qa = { accepted: 0, rejected: 0, byKind: {} as Record<string, number>, rejectReasons: {} as Record<string, number> };
  for (const row of prepared(db, "SELECT status, kind, reason FROM synth_qa").iterate() as Iterable<{ status: "accepted" | "rejected"; kind: string | null; reason: string | null }>) {
    qa[row.status] += 1;
    if (row.status === "accepted" && row.kind) qa.byKind[row.kind] = (qa.byKind[row.kind] ?? 0) + 1;
    if (row.reason) {
      const code = row.reason.split(":")[0] as string;
      qa.rejectReasons[code] = (qa.rejectReasons[code] ?? 0) + 1;
    }
  }
  const costUsd = (prepared(db, "SELECT coalesce(sum(cost_usd), 0) AS c FROM synth_items").get() as { c: number }).c;
  return { jobs, letters, reasons, qa, costUsd };
}

/** Letters for export with their accepted QA pairs, oldest first. */
export function* exportableSynthLetters(db: Db, includeFlagged: boolean): Generator<SynthLetterRow & { idempotency_key: string; qa: string }> {
  yield* prepared(
    db,
    `SELECT l.*, i.idempotency_key,
       (SELECT json_group_array(json(q.pair)) FROM synth_qa q WHERE q.letter_id = l.id AND q.status = 'accepted') AS qa
     FROM synth_letters l JOIN synth_items i ON i.id = l.item_id
     WHERE l.status = 'accepted' OR (? AND l.status = 'flagged') ORDER BY l.id`,
  ).iterate(includeFlagged ? 1 : 0) as Generator<SynthLetterRow & { idempotency_key: string; qa: string }>;
}
