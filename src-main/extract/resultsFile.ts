/**
 * Result files: what a shard's extraction on a cluster node brings back to the workstation.
 * One JSON object per line per letter, identified by the letter's checksum (the same letter has
 * the same checksum in every store) and the model's fingerprint. `importResults` merges them
 * into a store that holds the same letters; importing a file again changes nothing.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from "node:fs";
import readline from "node:readline";
import { z } from "zod";
import { EVIDENCE_GRADES, type GroundedValue } from "../../src-shared/evidence.ts";
import { TimelineDocumentSchema } from "../../src-shared/timeline.ts";
import { writeFileAtomically } from "../base/atomicFile.ts";
import { inPages, prepared, type Db } from "../store/db.ts";
import { evidenceFor, getStoredExtraction, saveExtraction } from "../store/extractions.ts";
import { sourceLabel } from "../store/letters.ts";
import { registerModelRecord, type ModelRow } from "../store/models.ts";
import type { Shard } from "./shards.ts";

const EvidenceLineSchema = z.strictObject({
  path: z.string(),
  value: z.string(),
  grade: z.enum(EVIDENCE_GRADES),
  start: z.number().int().nullable(),
  end: z.number().int().nullable(),
  score: z.number().nullable(),
});

export const ResultLineSchema = z.strictObject({
  format: z.literal("oncotimeline-result"),
  version: z.literal(1),
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
  source: z.string(),
  // adapter_path: only for a fine-tune (a base GGUF plus a LoRA adapter); its fingerprint covers both.
  model: z.strictObject({ name: z.string(), path: z.string(), bytes: z.number().int(), fingerprint: z.string(), adapter_path: z.string().optional() }),
  promptVersion: z.string(),
  status: z.enum(["ok", "failed"]),
  document: TimelineDocumentSchema.nullable(),
  rawOutput: z.string().nullable(),
  error: z.string().nullable(),
  warnings: z.array(z.string()),
  evidence: z.array(EvidenceLineSchema),
  inputTokens: z.number().int().nullable(),
  outputTokens: z.number().int().nullable(),
  durationMs: z.number(),
});
export type ResultLine = z.infer<typeof ResultLineSchema>;

type ProcessedLetter = { id: number; checksum: string; source_path: string; source_row: number | null };

/** Letters with a result of this model (of the shard), in id order, a page at a time: a node's share of a corpus never sits in memory. */
function processedLetters(db: Db, modelId: number, shard: Shard | undefined): Generator<ProcessedLetter, void, undefined> {
  const page = prepared(
    db,
    `SELECT l.id, l.checksum, l.source_path, l.source_row FROM letters l JOIN extractions e ON e.letter_id = l.id AND e.model_id = @modelId
     WHERE l.id > @after ${shard ? "AND shard_of(l.checksum, @count) = @index" : ""} ORDER BY l.id LIMIT 1000`,
  );
  return inPages(
    (after) => page.all({ modelId, after, ...(shard ? { index: shard.index, count: shard.count } : {}) }) as ProcessedLetter[],
    (letter) => letter.id,
  );
}

/** The result line of one letter as this model left it in the store; undefined when it has none. */
function resultLineFor(db: Db, model: ModelRow, letter: ProcessedLetter): ResultLine | undefined {
  const stored = getStoredExtraction(db, letter.id, model.id);
  if (!stored) return undefined;
  return {
    format: "oncotimeline-result",
    version: 1,
    checksum: letter.checksum,
    source: sourceLabel(letter.source_path, letter.source_row),
    model: { name: model.name, path: model.path, bytes: model.bytes, fingerprint: model.fingerprint, ...(model.adapter_path === null ? {} : { adapter_path: model.adapter_path }) },
    promptVersion: stored.prompt_version,
    status: stored.status,
    document: stored.document === null ? null : (JSON.parse(stored.document) as ResultLine["document"]),
    rawOutput: stored.raw_output,
    error: stored.error,
    warnings: JSON.parse(stored.warnings) as string[],
    evidence: evidenceFor(db, stored.id).map(({ path: p, value, grade, start, end, score }) => ({ path: p, value, grade, start, end, score })),
    inputTokens: stored.input_tokens,
    outputTokens: stored.output_tokens,
    durationMs: stored.duration_ms,
  };
}

/** The result line of the letter with this id; undefined when the letter or its result is missing. */
export function resultLineOf(db: Db, model: ModelRow, letterId: number): ResultLine | undefined {
  const letter = prepared(db, "SELECT id, checksum, source_path, source_row FROM letters WHERE id = ?").get(letterId) as ProcessedLetter | undefined;
  return letter && resultLineFor(db, model, letter);
}

/** Writes the results of every letter of the shard that this model has processed. */
export function writeResultsFile(db: Db, model: ModelRow, shard: Shard | undefined, out: string): { path: string; lines: number } {
  let lines = 0;
  const path = writeFileAtomically(out, (write) => {
    for (const letter of processedLetters(db, model.id, shard)) {
      const line = resultLineFor(db, model, letter);
      if (!line) continue;
      write(`${JSON.stringify(line)}\n`);
      lines++;
    }
  });
  return { path, lines };
}

type ReadLine = { where: string } & ({ line: ResultLine } | { problem: string } | { incomplete: true });

/**
 * Each line of a result file, checked, with where it is (FILE:LINE); blank lines are skipped. A
 * last line that is cut short (no newline, not a whole line) is `incomplete`, not a problem: the
 * file of a shard still running is being appended to.
 */
export async function* readResultLines(file: string): AsyncGenerator<ReadLine> {
  const complete = endsWithNewline(file);
  let lineNumber = 0;
  // A bad line is held until the next one shows it was not the last.
  let held: { where: string; problem: string } | undefined;
  const lines = readline.createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  for await (const text of lines) {
    lineNumber++;
    if (!text.trim()) continue;
    if (held) yield held;
    held = undefined;
    const where = `${file}:${lineNumber}`;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      held = { where, problem: `not valid JSON: ${(error as Error).message}` };
      continue;
    }
    const parsed = ResultLineSchema.safeParse(json);
    if (!parsed.success) {
      held = { where, problem: `not a result line: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(line)"}: ${i.message}`).join("; ")}` };
      continue;
    }
    yield { where, line: parsed.data };
  }
  if (held) yield complete ? held : { where: held.where, incomplete: true };
}

/** True for an empty file too: nothing is cut short. */
export function endsWithNewline(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    return size === 0 || (readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a);
  } finally {
    closeSync(fd);
  }
}

export type ImportResultsEvent =
  | { type: "result"; source: string; outcome: MergeOutcome }
  | { type: "problem"; source: string; message: string }
  | { type: "incomplete"; source: string };
/** `incomplete`: files whose last line was cut short (still being written); that letter comes with a later merge. */
export type ImportResultsSummary = { imported: number; unchanged: number; keptExisting: number; incomplete: number; problems: number };

export async function importResults(db: Db, files: string[], onEvent: (event: ImportResultsEvent) => void = () => {}): Promise<ImportResultsSummary> {
  const summary: ImportResultsSummary = { imported: 0, unchanged: 0, keptExisting: 0, incomplete: 0, problems: 0 };
  const problem = (source: string, message: string) => {
    summary.problems++;
    onEvent({ type: "problem", source, message });
  };
  for (const file of files) {
    try {
      for await (const read of readResultLines(file)) {
        if ("problem" in read) {
          problem(read.where, read.problem);
          continue;
        }
        if ("incomplete" in read) {
          summary.incomplete++;
          onEvent({ type: "incomplete", source: read.where });
          continue;
        }
        const merged = mergeResultLine(db, read.line);
        if (!merged.ok) {
          problem(read.where, merged.message);
          continue;
        }
        if (merged.outcome === "imported") summary.imported++;
        else if (merged.outcome === "unchanged") summary.unchanged++;
        else summary.keptExisting++;
        onEvent({ type: "result", source: read.line.source, outcome: merged.outcome });
      }
    } catch (error) {
      problem(file, `could not read: ${(error as Error).message}`);
    }
  }
  return summary;
}

/** A better result is never replaced by a worse one: an ok result stays when a failed one arrives. */
export type MergeOutcome = "imported" | "unchanged" | "kept-existing-ok";

export function mergeResultLine(db: Db, line: ResultLine): { ok: true; outcome: MergeOutcome } | { ok: false; message: string } {
  const letter = prepared(db, "SELECT id FROM letters WHERE checksum = ?").get(line.checksum) as { id: number } | undefined;
  if (!letter) return { ok: false, message: `letter not in this store (${line.source}): import the letters first, then their results` };
  const outcome = db.transaction((): MergeOutcome => {
    const model = registerModelRecord(db, line.model);
    const existing = getStoredExtraction(db, letter.id, model.id);
    const document = line.document === null ? null : JSON.stringify(line.document);
    if (existing && existing.status === line.status && existing.document === document && existing.error === line.error) return "unchanged";
    if (existing?.status === "ok" && line.status === "failed") return "kept-existing-ok";
    saveExtraction(db, {
      letterId: letter.id,
      modelId: model.id,
      jobId: null,
      status: line.status,
      document: line.document,
      rawOutput: line.rawOutput,
      error: line.error,
      warnings: line.warnings,
      promptVersion: line.promptVersion,
      inputTokens: line.inputTokens,
      outputTokens: line.outputTokens,
      durationMs: line.durationMs,
      evidence: line.evidence.map((row): GroundedValue => ({
        path: row.path,
        value: row.value,
        grade: row.grade,
        span: row.grade === "ungrounded" || row.start === null || row.end === null ? null : { start: row.start, end: row.end, grade: row.grade, score: row.score ?? 1 },
      })),
    });
    return "imported";
  })();
  return { ok: true, outcome };
}
