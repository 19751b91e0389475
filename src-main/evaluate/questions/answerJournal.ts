/**
 * A JSON Lines file of a model's answers, one object per line keyed by `id`, written as each
 * answer arrives (synced to disk before the next) so that a run killed at any moment loses at most
 * the line it was writing. Reopened, it gives back what is there: a half-written last line is cut
 * off (that question is asked again), and with `dropFailed` the lines of failed answers are
 * removed so they can be asked again without an id appearing twice.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync } from "node:fs";
import { writeAllSync, writeFileAtomically } from "../../base/atomicFile.ts";

export type JournalLine = { id: string; error?: string } & Record<string, unknown>;

export type AnswerJournal = {
  /** The lines kept from an earlier run, by id. */
  readonly earlier: ReadonlyMap<string, JournalLine>;
  /** What reopening cut: a half-written last line, the failed answers dropped for another try. */
  readonly cut: { incompleteLine: boolean; failedDropped: number };
  append(line: JournalLine): void;
  close(): void;
};

export function openAnswerJournal(file: string, options: { dropFailed?: boolean } = {}): AnswerJournal {
  const earlier = new Map<string, JournalLine>();
  const cut = { incompleteLine: false, failedDropped: 0 };
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8");
    const lines = text.split("\n");
    // The segment after the last newline: empty unless a crash cut a line short.
    const last = lines.length - 1;
    let rewrite = text !== "" && !text.endsWith("\n");
    lines.forEach((raw, index) => {
      if (raw.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        // Only the last line can be cut short by a crash; anything else is a damaged file, not ours to repair.
        if (index === last) {
          cut.incompleteLine = true;
          return;
        }
        throw new Error(`${file}: line ${index + 1} is not JSON (${(error as Error).message}); move the file away to start again`);
      }
      const line = value as JournalLine;
      if (typeof line?.id !== "string") throw new Error(`${file}: line ${index + 1} has no id; move the file away to start again`);
      if (options.dropFailed && typeof line.error === "string") cut.failedDropped++;
      else earlier.set(line.id, line);
    });
    rewrite ||= cut.failedDropped > 0;
    if (rewrite) {
      writeFileAtomically(file, (write) => {
        for (const line of earlier.values()) write(`${JSON.stringify(line)}\n`);
      });
    }
  }
  const fd = openSync(file, "a");
  let open = true;
  return {
    earlier,
    cut,
    append(line) {
      writeAllSync(fd, `${JSON.stringify(line)}\n`);
      fsyncSync(fd);
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
