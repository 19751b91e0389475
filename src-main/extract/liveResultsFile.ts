/**
 * The result file of `extract --out`, kept current while the shard runs: each letter's line is
 * appended as it finishes, and a run that finds the file already there takes its results into
 * the store before it starts. A cluster task killed at its time limit, or requeued onto another
 * node whose local store is empty, so goes on from the shared file instead of from the start of
 * its shard. At the end the file is rewritten whole (resultsFile.ts), in letter order, once per
 * letter.
 */
import { appendFileSync, closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync } from "node:fs";
import { writeAllSync } from "../base/atomicFile.ts";
import type { Db } from "../store/db.ts";
import type { ModelRow } from "../store/models.ts";
import { endsWithNewline, mergeResultLine, readResultLines, resultLineOf } from "./resultsFile.ts";
import { inShard, shardLabel, type Shard } from "./shards.ts";

/** A result file that cannot be this run's: another model's, or another shard's. */
export class ForeignResultsFileError extends Error {}

export type RestoredResults = {
  file: string;
  /** Results the store did not have (a fresh node), now taken from the file. */
  restored: number;
  /** Results the store already had (the same node going on). */
  unchanged: number;
  /** Bad lines, or letters this store does not hold: named through onProblem, then skipped. */
  problems: number;
  /** A last line cut short by a kill mid-write, removed before appending. */
  droppedIncompleteLine: boolean;
};

/**
 * Takes the results in `file` (when it exists) into the store, so the extraction that follows
 * skips those letters. Refuses a file of another model or another shard rather than mixing runs.
 */
export async function restoreFromResultsFile(
  db: Db,
  model: ModelRow,
  shard: Shard | undefined,
  file: string,
  onProblem: (where: string, message: string) => void,
): Promise<RestoredResults> {
  const summary: RestoredResults = { file, restored: 0, unchanged: 0, problems: 0, droppedIncompleteLine: false };
  if (!existsSync(file)) return summary;
  for await (const read of readResultLines(file)) {
    if ("incomplete" in read) {
      summary.droppedIncompleteLine = true;
      continue;
    }
    if ("problem" in read) {
      summary.problems++;
      onProblem(read.where, read.problem);
      continue;
    }
    const { line } = read;
    if (line.model.fingerprint !== model.fingerprint) {
      throw new ForeignResultsFileError(
        `${read.where}: ${file} holds results of model "${line.model.name}" (${line.model.path}), not of "${model.name}": give --out another file, or extract with that model`,
      );
    }
    if (shard && !inShard(line.checksum, shard)) {
      throw new ForeignResultsFileError(`${read.where}: ${file} holds a letter of another shard (${line.source}), not of shard ${shardLabel(shard)}: is it this shard's result file?`);
    }
    const merged = mergeResultLine(db, line);
    if (!merged.ok) {
      summary.problems++;
      onProblem(read.where, merged.message);
    } else if (merged.outcome === "imported") summary.restored++;
    else summary.unchanged++;
  }
  endWithWholeLine(file, summary.droppedIncompleteLine);
  return summary;
}

/**
 * Before appending: a kill in the middle of an append left a last line without its newline. An
 * incomplete one (`cut`, as readResultLines judged it) is cut off, and its letter is extracted
 * again; a whole one gets its newline.
 */
function endWithWholeLine(file: string, cut: boolean): void {
  if (!cut) {
    if (!endsWithNewline(file)) appendFileSync(file, "\n");
    return;
  }
  const fd = openSync(file, "r+");
  try {
    const size = fstatSync(fd).size;
    // A result line is a few kilobytes; the tail read grows until it holds the last newline.
    for (let window = 64 * 1024; ; window *= 4) {
      const start = Math.max(0, size - window);
      const tail = Buffer.alloc(size - start);
      readSync(fd, tail, 0, tail.length, start);
      const lastNewline = tail.lastIndexOf(0x0a);
      if (lastNewline === -1 && start > 0) continue;
      ftruncateSync(fd, start + lastNewline + 1);
      return;
    }
  } finally {
    closeSync(fd);
  }
}

/** Lines are synced to disk at least this often (a shared cluster filesystem makes each sync dear). */
const SYNC_EVERY_LINES = 50;
const SYNC_EVERY_MS = 10_000;

export type ResultsAppender = {
  /** Appends the letter's result as the store now holds it. */
  letterFinished(letterId: number): void;
  /** Syncs and closes; call before the file is rewritten whole. */
  close(): void;
};

export function appendResults(db: Db, model: ModelRow, file: string): ResultsAppender {
  const fd = openSync(file, "a");
  let unsynced = 0;
  let syncedAt = Date.now();
  let open = true;
  const sync = () => {
    fsyncSync(fd);
    unsynced = 0;
    syncedAt = Date.now();
  };
  return {
    letterFinished(letterId) {
      const line = resultLineOf(db, model, letterId);
      if (!line) return;
      // A line at a time: a kill leaves at most the last line incomplete.
      writeAllSync(fd, `${JSON.stringify(line)}\n`);
      if (++unsynced >= SYNC_EVERY_LINES || Date.now() - syncedAt >= SYNC_EVERY_MS) sync();
    },
    close() {
      if (!open) return;
      open = false;
      try {
        sync();
      } finally {
        closeSync(fd);
      }
    },
  };
}
