import type { Database } from "better-sqlite3";

/**
 * Review: a reviewer's corrections of a model's timeline, and app settings.
 *
 * reviews holds the corrected document of one letter for one model (the model's own document in
 * extractions is never changed) with its grounding, the accepted paths and the review state.
 * It is keyed by letter and model, not by extraction row, so a re-imported result never deletes
 * a reviewer's work. corrections is the edit log, oldest first, each with the value before and
 * after, so every correction can be shown, undone and audited.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE reviews (
      letter_id INTEGER NOT NULL REFERENCES letters(id),
      model_id INTEGER NOT NULL REFERENCES models(id),
      document TEXT NOT NULL,
      accepted TEXT NOT NULL DEFAULT '[]',
      state TEXT NOT NULL CHECK (state IN ('unreviewed', 'in_review', 'reviewed')),
      edits INTEGER NOT NULL DEFAULT 0,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (letter_id, model_id)
    ) STRICT;

    CREATE TABLE review_evidence (
      letter_id INTEGER NOT NULL,
      model_id INTEGER NOT NULL,
      path TEXT NOT NULL,
      value TEXT NOT NULL,
      grade TEXT NOT NULL CHECK (grade IN ('exact', 'normalised', 'fuzzy', 'ungrounded')),
      start INTEGER,
      end INTEGER,
      score REAL,
      FOREIGN KEY (letter_id, model_id) REFERENCES reviews(letter_id, model_id) ON DELETE CASCADE,
      CHECK ((grade = 'ungrounded') = (start IS NULL))
    ) STRICT;
    CREATE INDEX review_evidence_review ON review_evidence(letter_id, model_id);

    CREATE TABLE corrections (
      id INTEGER PRIMARY KEY,
      letter_id INTEGER NOT NULL,
      model_id INTEGER NOT NULL,
      op TEXT NOT NULL CHECK (op IN ('set', 'remove', 'insert', 'accept', 'unaccept')),
      path TEXT NOT NULL,
      before TEXT,
      after TEXT,
      user TEXT NOT NULL,
      created_at TEXT NOT NULL,
      FOREIGN KEY (letter_id, model_id) REFERENCES reviews(letter_id, model_id)
    ) STRICT;
    CREATE INDEX corrections_review ON corrections(letter_id, model_id, id);

    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
  `);
}
