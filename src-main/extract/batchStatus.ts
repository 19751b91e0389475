/**
 * How far a sharded batch has got, seen from the workstation: each shard's result file (kept
 * current by `extract --out` while the shard runs; named shard-I-of-N.jsonl as the Slurm array
 * script writes them) against that shard's letters in this store, which holds the whole corpus.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { prepared, type Db } from "../store/db.ts";
import { readResultLines } from "./resultsFile.ts";

export type ShardStatus = {
  shard: string;
  /** Letters of this shard in the store. */
  letters: number;
  ok: number;
  failed: number;
  /** The shard's result file; null when there is none yet (not started). */
  file: string | null;
  /** When the file was last written (ISO time); null without a file. */
  lastWrite: string | null;
  /** Lines that are not result lines (the line being appended, or damage). */
  unreadable: number;
  /** Results for letters this store does not hold: import the corpus here to merge them. */
  notInStore: number;
};

export type BatchStatus = { dir: string; count: number; shards: ShardStatus[]; letters: number; ok: number; failed: number };

const SHARD_FILE = /^shard-(\d+)-of-(\d+)\.jsonl$/;

/** Thrown when the folder holds no shard files, or files of two different splits. */
export class BatchStatusError extends Error {}

export async function batchStatus(db: Db, dir: string): Promise<BatchStatus> {
  const files = new Map<number, string>();
  const counts = new Set<number>();
  for (const name of readdirSync(dir).sort()) {
    const match = SHARD_FILE.exec(name);
    if (!match) continue;
    counts.add(Number(match[2]));
    files.set(Number(match[1]), path.join(dir, name));
  }
  if (counts.size === 0) throw new BatchStatusError(`no shard result files (shard-I-of-N.jsonl) in ${dir}`);
  if (counts.size > 1) throw new BatchStatusError(`${dir} holds result files of different splits (of ${[...counts].join(", of ")}): one batch per folder`);
  const count = [...counts][0] as number;

  const perShard = new Map(
    (prepared(db, "SELECT shard_of(checksum, ?) AS shard, COUNT(*) AS n FROM letters GROUP BY shard").all(count) as { shard: number; n: number }[]).map((row) => [row.shard, row.n]),
  );
  const shards: ShardStatus[] = [];
  for (let index = 1; index <= count; index++) {
    const file = files.get(index) ?? null;
    const status: ShardStatus = { shard: `${index}/${count}`, letters: perShard.get(index) ?? 0, ok: 0, failed: 0, file, lastWrite: null, unreadable: 0, notInStore: 0 };
    if (file) {
      status.lastWrite = statSync(file).mtime.toISOString();
      Object.assign(status, await countResults(db, file));
    }
    shards.push(status);
  }
  const total = (key: "letters" | "ok" | "failed") => shards.reduce((sum, shard) => sum + shard[key], 0);
  return { dir, count, shards, letters: total("letters"), ok: total("ok"), failed: total("failed") };
}

/**
 * Each letter once: a file being appended to may hold a failed line and, after --retry-failed,
 * an ok line for the same letter (an ok result counts over a failed one, as the merge keeps it).
 */
async function countResults(db: Db, file: string): Promise<Pick<ShardStatus, "ok" | "failed" | "unreadable" | "notInStore">> {
  const inStore = prepared(db, "SELECT 1 FROM letters WHERE checksum = ?");
  const ok = new Set<string>();
  const failed = new Set<string>();
  let unreadable = 0;
  let notInStore = 0;
  for await (const read of readResultLines(file)) {
    if (!("line" in read)) {
      unreadable++;
      continue;
    }
    const { checksum, status } = read.line;
    if (ok.has(checksum) || failed.has(checksum)) {
      if (status === "ok" && failed.delete(checksum)) ok.add(checksum);
      continue;
    }
    if (inStore.get(checksum) === undefined) notInStore++;
    (status === "ok" ? ok : failed).add(checksum);
  }
  return { ok: ok.size, failed: failed.size, unreadable, notInStore };
}
