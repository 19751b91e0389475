import type { Database } from "better-sqlite3";

/**
 * The synthetic studio's own tables (docs/domain.md §3, §4). Synthetic letters never go into `letters`:
 * that table holds real letters, and keeping the two apart is what lets the cloud client be sure
 * that what it sends from here was written by the teacher model (docs/domain.md §7).
 *
 * - synth_jobs: one generation or QA job; `job_key` is derived from its items, so running the
 *   same command again finds and resumes the same job. Budget and state live here.
 * - synth_items: one request each (a grid row, or one letter's QA). `idempotency_key` is unique
 *   across the store, so a row is never generated twice; an item's result and its `done` state
 *   commit in one transaction. `batch_id` names the Message Batch holding it while `submitted`.
 * - synth_letters: one per generation item (UNIQUE item_id: a result cannot be stored twice),
 *   with its gold, validation status and the reasons, and its MinHash signature.
 * - synth_qa: the question/answer pairs distilled from a letter, the rejected ones with a reason.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE synth_jobs (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('generate', 'qa')),
      job_key TEXT NOT NULL UNIQUE,
      state TEXT NOT NULL CHECK (state IN ('running', 'done', 'interrupted', 'budget-reached')),
      model TEXT NOT NULL,
      prompt_version TEXT NOT NULL,
      budget_usd REAL,
      owner_pid INTEGER,
      error TEXT,
      params TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      finished_at TEXT
    ) STRICT;

    CREATE TABLE synth_items (
      id INTEGER PRIMARY KEY,
      job_id INTEGER NOT NULL REFERENCES synth_jobs(id),
      idempotency_key TEXT NOT NULL UNIQUE,
      seq INTEGER NOT NULL,
      payload TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'submitted', 'done', 'failed')),
      batch_id TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      error TEXT,
      input_tokens INTEGER NOT NULL DEFAULT 0,
      output_tokens INTEGER NOT NULL DEFAULT 0,
      cache_write_tokens INTEGER NOT NULL DEFAULT 0,
      cache_read_tokens INTEGER NOT NULL DEFAULT 0,
      cost_usd REAL NOT NULL DEFAULT 0,
      updated_at TEXT NOT NULL,
      CHECK ((state = 'submitted') = (batch_id IS NOT NULL))
    ) STRICT;
    CREATE INDEX synth_items_job_state ON synth_items(job_id, state, seq);

    CREATE TABLE synth_letters (
      id INTEGER PRIMARY KEY,
      item_id INTEGER NOT NULL UNIQUE REFERENCES synth_items(id),
      content TEXT,
      gold TEXT,
      raw_output TEXT NOT NULL,
      model TEXT NOT NULL,
      message_id TEXT,
      prompt_version TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('accepted', 'flagged', 'rejected')),
      reasons TEXT NOT NULL DEFAULT '[]',
      minhash BLOB,
      created_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX synth_letters_status ON synth_letters(status);

    CREATE TABLE synth_qa (
      id INTEGER PRIMARY KEY,
      letter_id INTEGER NOT NULL REFERENCES synth_letters(id),
      item_id INTEGER NOT NULL REFERENCES synth_items(id),
      idx INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
      reason TEXT,
      kind TEXT,
      pair TEXT NOT NULL,
      prompt_version TEXT NOT NULL,
      created_at TEXT NOT NULL,
      UNIQUE (item_id, idx),
      CHECK ((status = 'rejected') = (reason IS NOT NULL))
    ) STRICT;
    CREATE INDEX synth_qa_letter ON synth_qa(letter_id);
  `);
}
