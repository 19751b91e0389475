/**
 * The synthetic studio's store (tables from migrations 004_synth and 006_job_runtime): generated
 * letters with gold and validation, and distilled QA pairs; its jobs and their items (with cost)
 * are the job runtime's (src-main/jobs/jobStore.ts). Synthetic letters live
 * only here, never in `letters` (real letters): see src-main/synth/storedLetters.ts.
 */
import { nowIso, prepared, type Db } from "./db.ts";
import { itemCounts, jobCost, type JobRow } from "../jobs/jobStore.ts";

/** The studio's job kinds in the job runtime: "synth:generate" and "synth:qa". */
export type SynthJobKind = "generate" | "qa";
export const synthKind = (kind: SynthJobKind): string => `synth:${kind}`;

/** What a synthetic job keeps in its params besides its own counts. */
export type SynthJobParams = { model: string; promptVersion: string; mode?: "messages" | "batch" };

export function synthJobParams(job: JobRow): SynthJobParams {
  return JSON.parse(job.params) as SynthJobParams;
}

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
         AND NOT EXISTS (SELECT 1 FROM job_items i WHERE i.item_key = ? || l.id) ORDER BY l.id LIMIT ?`,
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
  jobs: { id: number; kind: SynthJobKind; state: string; model: string; budgetUsd: number | null; costUsd: number; items: Record<string, number>; error: string | null }[];
  letters: Record<"accepted" | "flagged" | "rejected", number>;
  reasons: Record<string, number>;
  qa: { accepted: number; rejected: number; byKind: Record<string, number>; rejectReasons: Record<string, number> };
  costUsd: number;
};

export function synthStatus(db: Db): SynthStatus {
  const jobs = (prepared(db, "SELECT * FROM jobs WHERE kind LIKE 'synth:%' ORDER BY id").all() as JobRow[]).map((job) => {
    const counts = itemCounts(db, job.id);
    const kind = job.kind.slice("synth:".length) as SynthJobKind;
    return { id: job.id, kind, state: job.state, model: synthJobParams(job).model, budgetUsd: job.budget_usd, costUsd: jobCost(db, job.id), items: counts, error: job.error };
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
  const costUsd = (prepared(db, "SELECT coalesce(sum(i.cost_usd), 0) AS c FROM job_items i JOIN jobs j ON j.id = i.job_id WHERE j.kind LIKE 'synth:%'").get() as { c: number }).c;
  return { jobs, letters, reasons, qa, costUsd };
}

/** Letters for export with their accepted QA pairs, oldest first. */
export function* exportableSynthLetters(db: Db, includeFlagged: boolean): Generator<SynthLetterRow & { idempotency_key: string; qa: string }> {
  yield* prepared(
    db,
    `SELECT l.*, i.item_key AS idempotency_key,
       (SELECT json_group_array(json(q.pair)) FROM synth_qa q WHERE q.letter_id = l.id AND q.status = 'accepted') AS qa
     FROM synth_letters l JOIN job_items i ON i.id = l.item_id
     WHERE l.status = 'accepted' OR (? AND l.status = 'flagged') ORDER BY l.id`,
  ).iterate(includeFlagged ? 1 : 0) as Generator<SynthLetterRow & { idempotency_key: string; qa: string }>;
}
