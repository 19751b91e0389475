import { createHash } from "node:crypto";
import os from "node:os";
import type { Db } from "../store/db.ts";
import { canonicalJson } from "./canonicalJson.ts";

/**
 * The audit trail: who did what to the store, and when, kept so that a changed or deleted entry
 * is detected. Each entry's hash covers its fields and the previous entry's hash; SQLite triggers
 * (migration 002) refuse UPDATE and DELETE, and the audit_head row remembers the newest entry so
 * that entries cut from the end are noticed too.
 *
 * What this detects and what it cannot:
 * - an entry edited, removed from the middle, or entries reordered: always, by verifyAudit.
 * - entries removed from the end: by audit_head, unless audit_head was rewound as well (which takes
 *   dropping its triggers too).
 * - a log rewritten wholesale with recomputed hashes, by someone with write access to the file
 *   and this source code: not from the database alone. The hash is unkeyed, so the only defence is
 *   an anchor kept outside the store: record `verifyAudit(...).head` / the appended entry's hash
 *   (export manifests do) and pass it back as `verifyAudit(db, { anchor })`.
 * - who: os_user and host are what the operating system reports to this process; a record of the
 *   session, not proof of identity.
 *
 * Details are for identifiers and counts only (letter ids, extraction ids, field paths, row counts,
 * file paths, file hashes). Never letter text, extracted values (they are quotes from letters),
 * raw model output, API keys or passwords: the audit log outlives corrections and deletions and is
 * shown to whoever runs `audit list`. appendAudit enforces a size limit and refuses keys that name
 * such content; it cannot recognise letter text under an innocent key, so callers must not pass it.
 */

/** prev_hash of the first entry. */
export const GENESIS_HASH = "0".repeat(64);

/** Details larger than this (canonical JSON, UTF-8 bytes) are refused: identifiers and counts fit easily. */
export const MAX_AUDIT_DETAILS_BYTES = 4096;

/** Keys (compared lower-case without punctuation, at any depth) that would carry letter content or secrets. */
const FORBIDDEN_DETAIL_KEYS = new Set([
  "text",
  "lettertext",
  "body",
  "note",
  "notes",
  "content",
  "rawoutput",
  "document",
  "prompt",
  "value",
  "oldvalue",
  "newvalue",
  "quote",
  "apikey",
  "password",
  "passphrase",
  "secret",
  "token",
  "accesstoken",
  "authorization",
  "credentials",
]);

const MAX_SUBJECT_CHARS = 2000;
const MAX_WHO_CHARS = 256;

/** Free-form but conventional: export, correction, import, extract, ... (lower-case, `[a-z0-9_.-]`). */
export type AuditAction = "export" | "correction" | "import" | "extract" | (string & {});

export type AuditInput = {
  action: AuditAction;
  /** What was acted on, for people: "letter 12", "export csv-wide /home/a/letters.csv". */
  subject: string;
  /** Identifiers and counts only; see the module comment. Stored as canonical JSON; undefined means none. */
  details?: unknown;
};

export type AuditWho = { osUser: string; host: string };

export type AuditEntry = {
  seq: number;
  at: string;
  osUser: string;
  host: string;
  action: string;
  subject: string;
  /** Parsed from the stored JSON; null when none was given. */
  details: unknown;
  prevHash: string;
  hash: string;
};

export type AuditAnchor = { seq: number; hash: string };

export type AuditVerifyResult =
  | { ok: true; entries: number; head: string; headSeq: number }
  | { ok: false; entries: number; firstBadSeq: number; problem: string };

type AuditRow = {
  seq: number;
  at: string;
  os_user: string;
  host: string;
  action: string;
  subject: string;
  details: string | null;
  prev_hash: string;
  hash: string;
};

/**
 * The entry's hash: SHA-256, hex, over "oncotimeline-audit-v1\n" followed by the canonical JSON
 * (keys sorted, no whitespace) of the stored columns; `details` enters as its stored text, so any
 * change to it, even one that parses to the same value, changes the hash.
 */
export function auditHash(row: Omit<AuditRow, "hash">): string {
  const body = canonicalJson({
    seq: row.seq,
    at: row.at,
    os_user: row.os_user,
    host: row.host,
    action: row.action,
    subject: row.subject,
    details: row.details,
    prev_hash: row.prev_hash,
  });
  return createHash("sha256").update(`oncotimeline-audit-v1\n${body}`, "utf8").digest("hex");
}

/** The OS account and machine this process runs as; `os.userInfo()` throws when the uid has no passwd entry. */
export function currentWho(): AuditWho {
  let osUser: string;
  try {
    osUser = os.userInfo().username;
  } catch {
    osUser = process.env.USER ?? process.env.USERNAME ?? `uid ${process.getuid?.() ?? "unknown"}`;
  }
  return { osUser: osUser || "unknown", host: os.hostname() || "unknown" };
}

/**
 * Appends one entry and returns it. Runs in an IMMEDIATE transaction, so two processes appending
 * at once queue on SQLite's write lock instead of both linking to the same head. Called inside the
 * caller's transaction (the edit and its audit entry should commit together; start that one with
 * `.immediate()`), it becomes a savepoint of it and commits or rolls back with the edit.
 *
 * Throws on an invalid action or subject, and on details that are too large, not representable as
 * JSON, or carry a key such as `text`, `value` or `apiKey` (see the module comment).
 */
export function appendAudit(
  db: Db,
  entry: AuditInput,
  who: AuditWho = currentWho(),
  clock: () => Date = () => new Date(),
): AuditEntry {
  checkAction(entry.action);
  checkText("subject", entry.subject, MAX_SUBJECT_CHARS);
  checkText("OS user", who.osUser, MAX_WHO_CHARS);
  checkText("host", who.host, MAX_WHO_CHARS);
  const details = entry.details === undefined ? null : serialiseDetails(entry.details);
  const at = clock().toISOString();

  const append = db.transaction((): AuditEntry => {
    const head = db.prepare("SELECT seq, hash FROM audit_head WHERE id = 1").get() as AuditAnchor | undefined;
    if (!head) throw new Error("The audit trail has no head record: it was tampered with. Run `audit verify`.");
    const row: Omit<AuditRow, "hash"> = {
      seq: head.seq + 1,
      at,
      os_user: who.osUser,
      host: who.host,
      action: entry.action,
      subject: entry.subject,
      details,
      prev_hash: head.hash,
    };
    const hash = auditHash(row);
    db.prepare(
      `INSERT INTO audit_log (seq, at, os_user, host, action, subject, details, prev_hash, hash)
       VALUES (@seq, @at, @os_user, @host, @action, @subject, @details, @prev_hash, @hash)`,
    ).run({ ...row, hash });
    return toEntry({ ...row, hash });
  });
  return append.immediate();
}

/**
 * Checks the whole chain, oldest first, and reports the first problem: a gap in seq (deleted
 * entries), a hash that does not match the entry (changed, or moved to another seq), a prev_hash
 * that does not match the entry before (rewritten with a recomputed hash, or reordered), entries
 * missing from the end (per audit_head), and, when `anchor` is given (a seq and hash recorded
 * outside the store, e.g. in an export manifest), that entry's presence and hash.
 * On success `head` is the newest entry's hash (GENESIS_HASH for an empty log) and `headSeq` its seq.
 */
export function verifyAudit(db: Db, options: { anchor?: AuditAnchor } = {}): AuditVerifyResult {
  return db.transaction((): AuditVerifyResult => {
    const { anchor } = options;
    let entries = 0;
    let prevSeq = 0;
    let prevHash = GENESIS_HASH;
    let anchorHash: string | undefined = anchor?.seq === 0 ? GENESIS_HASH : undefined;
    const fail = (firstBadSeq: number, problem: string): AuditVerifyResult => ({ ok: false, entries, firstBadSeq, problem });

    for (const row of db.prepare("SELECT * FROM audit_log ORDER BY seq").iterate() as IterableIterator<AuditRow>) {
      entries += 1;
      if (row.seq !== prevSeq + 1) {
        const from = prevSeq + 1;
        const to = row.seq - 1;
        const what = from === to ? `entry ${from} is missing` : `entries ${from}–${to} are missing`;
        return fail(from, `${what} (seq gap ${prevSeq} → ${row.seq})`);
      }
      const { hash, ...fields } = row;
      if (auditHash(fields) !== hash) return fail(row.seq, `entry ${row.seq} was changed (hash mismatch)`);
      if (row.prev_hash !== prevHash) {
        return fail(
          row.seq,
          row.seq === 1
            ? "entry 1's prev_hash is not the genesis hash"
            : `entry ${row.seq}'s prev_hash does not match entry ${prevSeq} (an entry was rewritten or entries were reordered)`,
        );
      }
      if (anchor && row.seq === anchor.seq) anchorHash = hash;
      prevSeq = row.seq;
      prevHash = hash;
    }

    let head: AuditAnchor | undefined;
    try {
      head = db.prepare("SELECT seq, hash FROM audit_head WHERE id = 1").get() as AuditAnchor | undefined;
    } catch {
      head = undefined; // the table itself was dropped
    }
    if (!head) return fail(prevSeq + 1, "the audit head record is missing, so entries cut from the end cannot be ruled out");
    if (head.seq > prevSeq) {
      const what = head.seq === prevSeq + 1 ? `entry ${head.seq} is missing` : `entries ${prevSeq + 1}–${head.seq} are missing`;
      return fail(prevSeq + 1, `${what} from the end (the head records entry ${head.seq}, the log ends at ${prevSeq})`);
    }
    if (head.seq < prevSeq) {
      return fail(head.seq + 1, `entries after ${head.seq} were added behind the head's back (the head records entry ${head.seq}, the log ends at ${prevSeq})`);
    }
    if (head.hash !== prevHash) return fail(prevSeq, `entry ${prevSeq} does not match the head record's hash`);

    if (anchor) {
      if (anchor.seq > prevSeq) {
        return fail(prevSeq + 1, `entry ${anchor.seq}, recorded outside the store, is missing (the log ends at ${prevSeq})`);
      }
      if (anchorHash !== anchor.hash) {
        return fail(anchor.seq, `entry ${anchor.seq} does not match the hash recorded outside the store (the log was rewritten)`);
      }
    }
    return { ok: true, entries, head: prevHash, headSeq: prevSeq };
  })();
}

/** Entries newest first; `limit` defaults to 100, `action` filters to one action. */
export function listAudit(db: Db, options: { limit?: number; action?: string } = {}): AuditEntry[] {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const rows = (
    options.action === undefined
      ? db.prepare("SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?").all(limit)
      : db.prepare("SELECT * FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT ?").all(options.action, limit)
  ) as AuditRow[];
  return rows.map(toEntry);
}

/**
 * The head as the store records it (seq 0 and GENESIS_HASH before the first entry): what an export
 * manifest should carry. It is only as trustworthy as the store; verifyAudit checks it.
 */
export function auditHead(db: Db): AuditAnchor {
  const head = db.prepare("SELECT seq, hash FROM audit_head WHERE id = 1").get() as AuditAnchor | undefined;
  if (!head) throw new Error("The audit trail has no head record: it was tampered with. Run `audit verify`.");
  return { seq: head.seq, hash: head.hash };
}

function toEntry(row: AuditRow): AuditEntry {
  let details: unknown = null;
  if (row.details !== null) {
    try {
      details = JSON.parse(row.details);
    } catch {
      details = row.details; // tampered by hand; verifyAudit reports it, listing still shows it
    }
  }
  return {
    seq: row.seq,
    at: row.at,
    osUser: row.os_user,
    host: row.host,
    action: row.action,
    subject: row.subject,
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function checkAction(action: string): void {
  if (!/^[a-z][a-z0-9_.-]{0,39}$/.test(action)) {
    throw new Error(`Audit action must be a short lower-case word like "export", got ${JSON.stringify(action)}`);
  }
}

function checkText(what: string, value: string, max: number): void {
  if (typeof value !== "string" || value.trim() === "") throw new Error(`Audit ${what} must not be empty`);
  if (value.length > max) throw new Error(`Audit ${what} is ${value.length} characters, more than ${max}`);
  // Control characters (newlines included) would let one entry pass itself off as two in a listing.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`Audit ${what} must not contain control characters`);
}

function serialiseDetails(details: unknown): string {
  checkKeys(details, "details");
  const json = canonicalJson(details);
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes > MAX_AUDIT_DETAILS_BYTES) {
    throw new Error(
      `Audit details are ${bytes} bytes, more than ${MAX_AUDIT_DETAILS_BYTES}: record identifiers and counts, not content`,
    );
  }
  return json;
}

function checkKeys(value: unknown, at: string): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkKeys(item, `${at}[${index}]`));
  } else if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      if (FORBIDDEN_DETAIL_KEYS.has(key.toLowerCase().replace(/[^a-z0-9]/g, ""))) {
        throw new Error(
          `Audit ${at}.${key} is refused: the audit log records identifiers and counts, never letter text, values or secrets`,
        );
      }
      checkKeys(item, `${at}.${key}`);
    }
  }
}
