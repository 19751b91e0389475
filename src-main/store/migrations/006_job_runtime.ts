import type { Database } from "better-sqlite3";

/**
 * One job runtime (docs/architecture.md, "Jobs"): extraction jobs and the synthetic studio's jobs
 * move into one pair of tables, ready for fine-tuning and evaluation runs.
 *
 * - jobs: kind ("extract", "extract:shard-I-of-N", "synth:generate", "synth:qa"), an optional
 *   unique key (a synthetic job's hash of its items), the stored state (now also "paused",
 *   "budget-reached" and "failed"), the owning process (pid and host), the kind's own settings as
 *   JSON in params, a budget where the work costs money, and the error that stopped it.
 * - job_items: an item per unit of work, keyed within its job (an extraction item's key is its
 *   letter id, which is also its seq; a synthetic item's key is its idempotency key), with its
 *   payload, state, the provider's id while submitted (a Message Batch id), attempts, error, and
 *   what it cost.
 *
 * Extraction jobs keep their ids (extractions.job_id points at them); synthetic jobs are numbered
 * after them. Synthetic items keep their ids (synth_letters.item_id and synth_qa.item_id point at
 * them), so synth_letters and synth_qa are rebuilt only to point at job_items. Runs with foreign
 * keys off (tables referenced by others are rebuilt) and checks them before committing.
 */
export function up(db: Database): void {
  const offset = (db.prepare("SELECT coalesce(max(id), 0) AS n FROM jobs").get() as { n: number }).n;
  db.exec(`
    CREATE TABLE jobs_v6 (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL,
      job_key TEXT UNIQUE,
      state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'interrupted', 'budget-reached', 'done', 'cancelled', 'failed')),
      model_id INTEGER REFERENCES models(id),
      owner_pid INTEGER,
      owner_host TEXT,
      params TEXT NOT NULL,
      budget_usd REAL,
      error TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      finished_at TEXT
    ) STRICT;

    CREATE TABLE job_items_v6 (
      id INTEGER PRIMARY KEY,
      job_id INTEGER NOT NULL REFERENCES jobs(id),
      item_key TEXT NOT NULL,
      seq INTEGER NOT NULL,
      payload TEXT,
      state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'submitted', 'done', 'failed')),
      external_id TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      error TEXT,
      input_tokens INTEGER NOT NULL DEFAULT 0,
      output_tokens INTEGER NOT NULL DEFAULT 0,
      cache_write_tokens INTEGER NOT NULL DEFAULT 0,
      cache_read_tokens INTEGER NOT NULL DEFAULT 0,
      cost_usd REAL NOT NULL DEFAULT 0,
      updated_at TEXT NOT NULL,
      UNIQUE (job_id, item_key),
      CHECK (state <> 'submitted' OR external_id IS NOT NULL)
    ) STRICT;

    INSERT INTO jobs_v6 (id, kind, job_key, state, model_id, owner_pid, owner_host, params, budget_usd, error, created_at, updated_at, finished_at)
      SELECT id, kind, NULL, state, model_id, owner_pid, NULL, params, NULL, NULL, created_at, updated_at, finished_at FROM jobs;
    INSERT INTO jobs_v6 (id, kind, job_key, state, model_id, owner_pid, owner_host, params, budget_usd, error, created_at, updated_at, finished_at)
      SELECT id + ${offset}, 'synth:' || kind, job_key, state, NULL, owner_pid, NULL,
        json_set(params, '$.model', model, '$.promptVersion', prompt_version), budget_usd, error, created_at, updated_at, finished_at
      FROM synth_jobs;

    INSERT INTO job_items_v6 (id, job_id, item_key, seq, payload, state, external_id, attempts, error,
        input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, cost_usd, updated_at)
      SELECT id, job_id + ${offset}, idempotency_key, seq, payload, state, batch_id, attempts, error,
        input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, cost_usd, updated_at
      FROM synth_items;
    INSERT INTO job_items_v6 (job_id, item_key, seq, payload, state, attempts, error, updated_at)
      SELECT job_id, CAST(letter_id AS TEXT), letter_id, NULL, state, attempts, error, updated_at FROM job_items ORDER BY job_id, letter_id;

    CREATE TABLE synth_letters_v6 (
      id INTEGER PRIMARY KEY,
      item_id INTEGER NOT NULL UNIQUE REFERENCES job_items(id),
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
    INSERT INTO synth_letters_v6 SELECT * FROM synth_letters;

    CREATE TABLE synth_qa_v6 (
      id INTEGER PRIMARY KEY,
      letter_id INTEGER NOT NULL REFERENCES synth_letters(id),
      item_id INTEGER NOT NULL REFERENCES job_items(id),
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
    INSERT INTO synth_qa_v6 SELECT * FROM synth_qa;

    DROP TABLE synth_qa;
    DROP TABLE synth_letters;
    DROP TABLE synth_items;
    DROP TABLE synth_jobs;
    DROP TABLE job_items;
    DROP TABLE jobs;
    ALTER TABLE jobs_v6 RENAME TO jobs;
    ALTER TABLE job_items_v6 RENAME TO job_items;
    ALTER TABLE synth_letters_v6 RENAME TO synth_letters;
    ALTER TABLE synth_qa_v6 RENAME TO synth_qa;

    CREATE INDEX jobs_kind_state ON jobs(kind, state);
    CREATE INDEX job_items_state ON job_items(job_id, state, seq);
    CREATE INDEX job_items_key ON job_items(item_key);
    CREATE INDEX synth_letters_status ON synth_letters(status);
    CREATE INDEX synth_qa_letter ON synth_qa(letter_id);
  `);
}
