import { createHash } from "node:crypto";
import { nowIso, prepared, type Db } from "./db.ts";

export type NewLetter = {
  text: string;
  sourcePath: string;
  sourceRow: number | null;
  sourceFormat: string;
  patientExternalId: string | null;
  letterDate: string | null;
};

export type InsertOutcome = { status: "imported"; letterId: number } | { status: "duplicate"; letterId: number };

export type LetterRow = {
  id: number;
  patient_id: number | null;
  patient: string | null;
  text: string;
  source_path: string;
  source_row: number | null;
  source_format: string;
  letter_date: string | null;
  char_count: number;
};

/** How a letter's origin is shown everywhere: the file, and `:row` for a row of a CSV/JSONL file. */
export function sourceLabel(path: string, row: number | null): string {
  return row === null ? path : `${path}:${row}`;
}

/** The identity of a letter is its text: the same letter found in two files is imported once. */
export function letterChecksum(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * Which of `count` shards (1..count) a letter belongs to, from its checksum: every cluster node
 * computes the same split, whatever it imported and in what order. Also the store's SQL function
 * shard_of(checksum, count).
 */
export function shardOf(checksum: string, count: number): number {
  return (Number.parseInt(checksum.slice(0, 12), 16) % count) + 1;
}

/** `checksum` is the text's letterChecksum, passed where the caller has already computed it. */
export function insertLetter(db: Db, letter: NewLetter, checksum = letterChecksum(letter.text)): InsertOutcome {
  const existing = prepared(db, "SELECT id FROM letters WHERE checksum = ?").get(checksum) as { id: number } | undefined;
  if (existing) return { status: "duplicate", letterId: existing.id };
  const patientId = letter.patientExternalId === null ? null : upsertPatient(db, letter.patientExternalId);
  const result = prepared(db, 
      `INSERT INTO letters (patient_id, text, checksum, source_path, source_row, source_format, letter_date, char_count, imported_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      patientId,
      letter.text,
      checksum,
      letter.sourcePath,
      letter.sourceRow,
      letter.sourceFormat,
      letter.letterDate,
      letter.text.length,
      nowIso(),
    );
  return { status: "imported", letterId: Number(result.lastInsertRowid) };
}

export function upsertPatient(db: Db, externalId: string): number {
  prepared(db, "INSERT INTO patients (external_id, created_at) VALUES (?, ?) ON CONFLICT(external_id) DO NOTHING").run(
    externalId,
    nowIso(),
  );
  return (prepared(db, "SELECT id FROM patients WHERE external_id = ?").get(externalId) as { id: number }).id;
}

const LETTER_COLUMNS = `l.id, l.patient_id, p.external_id AS patient, l.text, l.source_path, l.source_row,
  l.source_format, l.letter_date, l.char_count`;

export function getLetter(db: Db, id: number): LetterRow | undefined {
  return prepared(db, `SELECT ${LETTER_COLUMNS} FROM letters l LEFT JOIN patients p ON p.id = l.patient_id WHERE l.id = ?`)
    .get(id) as LetterRow | undefined;
}

/** All letters in a stable order (patient, date, id), optionally for one patient. */
export function listLetters(db: Db, filter: { patient?: string } = {}): LetterRow[] {
  const where = filter.patient === undefined ? "" : "WHERE p.external_id = @patient";
  return prepared(db, 
      `SELECT ${LETTER_COLUMNS} FROM letters l LEFT JOIN patients p ON p.id = l.patient_id ${where}
       ORDER BY p.external_id IS NULL, p.external_id, l.letter_date, l.id`,
    )
    .all(filter) as LetterRow[];
}

export function countLetters(db: Db): number {
  return (prepared(db, "SELECT count(*) AS n FROM letters").get() as { n: number }).n;
}
