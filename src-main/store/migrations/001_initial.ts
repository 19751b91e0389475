import type { Database } from "better-sqlite3";

/** Letters, patients, models, jobs and extractions with per-value evidence. */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE patients (
      id INTEGER PRIMARY KEY,
      external_id TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE letters (
      id INTEGER PRIMARY KEY,
      patient_id INTEGER REFERENCES patients(id),
      text TEXT NOT NULL,
      checksum TEXT NOT NULL UNIQUE,
      source_path TEXT NOT NULL,
      source_row INTEGER,
      source_format TEXT NOT NULL,
      letter_date TEXT,
      char_count INTEGER NOT NULL,
      imported_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX letters_patient ON letters(patient_id);

    CREATE TABLE models (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      path TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      fingerprint TEXT NOT NULL,
      added_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE jobs (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('running', 'done', 'interrupted', 'cancelled')),
      model_id INTEGER REFERENCES models(id),
      owner_pid INTEGER,
      params TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      finished_at TEXT
    ) STRICT;

    CREATE TABLE job_items (
      job_id INTEGER NOT NULL REFERENCES jobs(id),
      letter_id INTEGER NOT NULL REFERENCES letters(id),
      state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      error TEXT,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (job_id, letter_id)
    ) STRICT;
    CREATE INDEX job_items_state ON job_items(job_id, state);

    CREATE TABLE extractions (
      id INTEGER PRIMARY KEY,
      letter_id INTEGER NOT NULL REFERENCES letters(id),
      model_id INTEGER NOT NULL REFERENCES models(id),
      job_id INTEGER REFERENCES jobs(id),
      status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
      document TEXT,
      raw_output TEXT,
      error TEXT,
      warnings TEXT NOT NULL DEFAULT '[]',
      prompt_version TEXT NOT NULL,
      input_tokens INTEGER,
      output_tokens INTEGER,
      duration_ms INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      UNIQUE (letter_id, model_id)
    ) STRICT;

    CREATE TABLE evidence (
      id INTEGER PRIMARY KEY,
      extraction_id INTEGER NOT NULL REFERENCES extractions(id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      value TEXT NOT NULL,
      grade TEXT NOT NULL CHECK (grade IN ('exact', 'normalised', 'fuzzy', 'ungrounded')),
      start INTEGER,
      end INTEGER,
      score REAL,
      CHECK ((grade = 'ungrounded') = (start IS NULL))
    ) STRICT;
    CREATE INDEX evidence_extraction ON evidence(extraction_id);
  `);
}
