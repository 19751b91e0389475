import type { Db } from "../store/db.ts";
import { inShard, type Shard } from "../extract/shards.ts";
import { insertLetter, letterChecksum, sourceLabel } from "../store/letters.ts";
import { readLetters } from "./index.ts";
import type { IngestOptions } from "./types.ts";

export type ImportEvent =
  | { type: "imported"; letterId: number; source: string; patient: string | null; letterDate: string | null }
  | { type: "duplicate"; letterId: number; source: string }
  | { type: "problem"; source: string; message: string }
  | { type: "skipped"; source: string; reason: string };

/** `inOtherShards`: letters read but left to the other nodes of a sharded import. */
export type ImportSummary = { imported: number; duplicates: number; problems: number; skipped: number; inOtherShards: number };

export type ImportOptions = IngestOptions & {
  /**
   * Keep only this shard's letters (the split extract --shard uses, by content): a cluster node
   * stores its share of a corpus, not all of it. Every file is still read, to learn its letters'
   * content; problems in files are reported by every node.
   */
  shard?: Shard;
  /**
   * After each letter, problem or skipped file: how many items have been read so far, and the
   * summary as it stands (letters still waiting for their batch to commit are not in it yet).
   */
  onProgress?: (read: number, summary: Readonly<ImportSummary>) => void;
};

/** Letters commit in batches: a kill loses at most the batch in flight, which a re-run imports. */
const BATCH = 200;

export async function importPaths(
  db: Db,
  paths: string[],
  options: ImportOptions = {},
  onEvent: (event: ImportEvent) => void = () => {},
): Promise<ImportSummary> {
  const summary: ImportSummary = { imported: 0, duplicates: 0, problems: 0, skipped: 0, inOtherShards: 0 };
  const { shard, onProgress, ...ingestOptions } = options;
  let read = 0;
  let pendingWrites: (() => ImportEvent)[] = [];
  const flush = () => {
    const events = db.transaction(() => pendingWrites.map((write) => write()))();
    pendingWrites = [];
    for (const event of events) onEvent(event);
  };
  for await (const item of readLetters(paths, ingestOptions)) {
    onProgress?.(++read, summary);
    if (item.kind === "skipped") {
      summary.skipped++;
      flush();
      onEvent({ type: "skipped", source: item.sourcePath, reason: item.reason });
      continue;
    }
    if (item.kind === "problem") {
      summary.problems++;
      const { sourcePath, sourceRow, message } = item.problem;
      flush();
      onEvent({ type: "problem", source: sourceLabel(sourcePath, sourceRow), message });
      continue;
    }
    const letter = item.letter;
    const checksum = letterChecksum(letter.text);
    if (shard && !inShard(checksum, shard)) {
      summary.inOtherShards++;
      continue;
    }
    const source = sourceLabel(letter.sourcePath, letter.sourceRow);
    pendingWrites.push(() => {
      const outcome = insertLetter(db, {
        text: letter.text,
        sourcePath: letter.sourcePath,
        sourceRow: letter.sourceRow,
        sourceFormat: letter.format,
        patientExternalId: letter.patientId,
        letterDate: letter.letterDate,
      }, checksum);
      if (outcome.status === "duplicate") {
        summary.duplicates++;
        return { type: "duplicate", letterId: outcome.letterId, source };
      }
      summary.imported++;
      return { type: "imported", letterId: outcome.letterId, source, patient: letter.patientId, letterDate: letter.letterDate };
    });
    if (pendingWrites.length >= BATCH) flush();
  }
  flush();
  return summary;
}
