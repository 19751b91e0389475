import type { Database } from "better-sqlite3";

/**
 * The audit trail: an append-only, hash-chained log of edits and exports (src-main/audit/).
 *
 * SQLite enforces what it can so that tampering takes deliberate work (dropping a trigger), and
 * the hash chain, checked by verifyAudit, detects what was done after that:
 * - audit_log rows cannot be updated or deleted, and a new row must take the next seq and link to
 *   the current head (so INSERT OR REPLACE cannot overwrite an old entry either).
 * - audit_head holds the newest entry's seq and hash, moved only by the insert trigger and only
 *   forward; it is what reveals entries deleted from the end of the log.
 * The hash itself (SHA-256) is computed in TypeScript; SQLite has no built-in to check it.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE audit_log (
      seq INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      os_user TEXT NOT NULL,
      host TEXT NOT NULL,
      action TEXT NOT NULL,
      subject TEXT NOT NULL,
      details TEXT,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL UNIQUE
    ) STRICT;
    CREATE INDEX audit_log_action ON audit_log(action, seq);

    CREATE TABLE audit_head (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      seq INTEGER NOT NULL,
      hash TEXT NOT NULL
    ) STRICT;
    INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${"0".repeat(64)}');

    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN
      SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
    END;

    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN
      SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted');
    END;

    CREATE TRIGGER audit_log_append_only BEFORE INSERT ON audit_log
    WHEN NEW.seq IS NOT (SELECT seq + 1 FROM audit_head WHERE id = 1)
      OR NEW.prev_hash IS NOT (SELECT hash FROM audit_head WHERE id = 1)
    BEGIN
      SELECT RAISE(ABORT, 'audit_log is append-only: a new entry must take the next seq and link to the current head');
    END;

    CREATE TRIGGER audit_log_move_head AFTER INSERT ON audit_log
    BEGIN
      UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
    END;

    CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
    WHEN NEW.id IS NOT OLD.id
      OR NEW.seq IS NOT OLD.seq + 1
      OR NEW.hash IS NOT (SELECT hash FROM audit_log WHERE seq = NEW.seq)
    BEGIN
      SELECT RAISE(ABORT, 'audit_head only moves forward, to the newest audit_log entry');
    END;

    CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    BEGIN
      SELECT RAISE(ABORT, 'audit_head cannot be deleted');
    END;

    CREATE TRIGGER audit_head_single_row BEFORE INSERT ON audit_head
    WHEN (SELECT count(*) FROM audit_head) > 0
    BEGIN
      SELECT RAISE(ABORT, 'audit_head has exactly one row');
    END;
  `);
}
