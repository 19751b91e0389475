import { batchStatus, BatchStatusError, type ShardStatus } from "./batchStatus.ts";
import type { Db } from "../store/db.ts";
import { CliError, EXIT, formatDuration, type Reporter } from "../cliKit/reporter.ts";

export async function batchStatusCommand(db: Db, dir: string, reporter: Reporter): Promise<number> {
  let status;
  try {
    status = await batchStatus(db, dir);
  } catch (error) {
    if (error instanceof BatchStatusError) throw new CliError(error.message);
    throw error;
  }
  const now = Date.now();
  for (const shard of status.shards) reporter.event({ type: "shard", ...shard }, describeShard(shard, now));
  if (status.letters === 0) reporter.progress("This store holds none of the batch's letters: import the corpus here first, so each shard's size is known.");
  reporter.event(
    { type: "summary", dir: status.dir, count: status.count, letters: status.letters, ok: status.ok, failed: status.failed },
    `All ${status.count} shard(s): ${progress(status.ok + status.failed, status.letters)}, ${status.failed} failed.`,
  );
  return EXIT.ok;
}

function describeShard(shard: ShardStatus, now: number): string {
  if (shard.file === null) return `shard ${shard.shard}: not started (no result file), ${shard.letters} letter(s)`;
  const ago = shard.lastWrite === null ? "" : `, last result ${formatDuration(Math.max(0, Math.round((now - Date.parse(shard.lastWrite)) / 1000)))} ago`;
  const notes = [
    shard.unreadable > 0 ? `${shard.unreadable} unreadable line(s)` : "",
    shard.notInStore > 0 ? `${shard.notInStore} result(s) for letters not in this store` : "",
  ].filter(Boolean);
  return `shard ${shard.shard}: ${progress(shard.ok + shard.failed, shard.letters)}, ${shard.failed} failed${ago}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
}

function progress(done: number, total: number): string {
  const percent = total > 0 ? ` (${((100 * done) / total).toFixed(1)}%)` : "";
  return `${done} of ${total} letter(s)${percent}`;
}
