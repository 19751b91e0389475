import type { Database } from "better-sqlite3";

/**
 * Training sets (src-main/datasets/): one row per built set, naming its folder (train.jsonl,
 * test.jsonl, card.json) and holding its card. `origin` says whether any real letter is in it:
 * a set with one can never be handed to a cloud provider (docs/domain.md §7).
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE datasets (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      origin TEXT NOT NULL CHECK (origin IN ('synthetic', 'contains-real')),
      folder TEXT NOT NULL,
      card TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) STRICT;
  `);
}
