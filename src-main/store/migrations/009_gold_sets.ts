import type { Database } from "better-sqlite3";

/**
 * Gold sets (src-main/evaluate/gold/): what models are scored against, kept in the store so a
 * paper's table names a set that cannot drift. One row per set; its items hold the letter (or
 * note) text beside the gold, and the letter's SHA-256 that leakage into training sets is
 * checked by. `folder` is the set written out as the file-based scorers read it.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE gold_sets (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      kind TEXT NOT NULL CHECK (kind IN ('timeline', 'qa', 'cohort')),
      source TEXT NOT NULL,
      origin TEXT NOT NULL,
      folder TEXT NOT NULL,
      notes TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE gold_items (
      id INTEGER PRIMARY KEY,
      gold_set_id INTEGER NOT NULL REFERENCES gold_sets(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      note TEXT,
      letter TEXT,
      letter_sha256 TEXT,
      gold TEXT NOT NULL,
      UNIQUE (gold_set_id, name)
    ) STRICT;
    CREATE INDEX gold_items_letter ON gold_items(letter_sha256);
  `);
}
