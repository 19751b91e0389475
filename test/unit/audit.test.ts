import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  GENESIS_HASH,
  MAX_AUDIT_DETAILS_BYTES,
  appendAudit,
  auditHash,
  auditHead,
  currentWho,
  listAudit,
  verifyAudit,
  type AuditInput,
} from "../../src-main/audit/auditLog.ts";
import { canonicalJson } from "../../src-main/audit/canonicalJson.ts";
import { STORE_FILE, openStore, type Db } from "../../src-main/store/db.ts";
import { insertLetter, listLetters } from "../../src-main/store/letters.ts";
import { MIGRATIONS } from "../../src-main/store/migrations/index.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const who = { osUser: "rsmith", host: "onc-ws-07" };

/** A clock that ticks one second per call, from a fixed start. */
function ticking(start = Date.parse("2026-03-01T09:00:00.000Z")): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

const ENTRIES: AuditInput[] = [
  { action: "import", subject: "import /letters", details: { imported: 16, duplicates: 0, failed: 1 } },
  { action: "extract", subject: "extract llama-3.1-8b-onco", details: { jobId: 1, done: 15, failed: 1 } },
  { action: "correction", subject: "letter 12", details: { letterId: 12, extractionId: 7, path: "events[2].date" } },
  { action: "export", subject: "export csv-wide /home/rsmith/letters.csv", details: { rows: 16, sha256: "ab".repeat(32) } },
  { action: "export", subject: "export csv /home/rsmith/values.csv" },
];

function storeWithChain(count = ENTRIES.length): Db {
  const db = openStore(tempDir());
  const clock = ticking();
  for (const entry of ENTRIES.slice(0, count)) appendAudit(db, entry, who, clock);
  return db;
}

describe("audit trail", () => {
  it("migration 2 applies on a store that has only migration 1, keeps its data, and creates STRICT tables", () => {
    const dir = tempDir();
    const v1 = openStore(dir, MIGRATIONS.slice(0, 1));
    expect(v1.pragma("user_version", { simple: true })).toBe(1);
    insertLetter(v1, {
      text: "Right breast cancer.",
      sourcePath: "/letters/a.txt",
      sourceRow: null,
      sourceFormat: "txt",
      patientExternalId: "P1",
      letterDate: "2024-03-01",
    });
    v1.close();

    const db = openStore(dir, MIGRATIONS.slice(0, 2));
    expect(db.pragma("user_version", { simple: true })).toBe(2);
    expect(listLetters(db).map((l) => l.text)).toEqual(["Right breast cancer."]);
    const tables = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name LIKE 'audit%' ORDER BY name")
      .all() as { name: string; sql: string }[];
    expect(tables.map((t) => t.name)).toEqual(["audit_head", "audit_log"]);
    for (const table of tables) expect(table.sql, table.name).toMatch(/\) STRICT$/);
    const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").pluck().all();
    expect(triggers).toEqual([
      "audit_head_forward_only",
      "audit_head_no_delete",
      "audit_head_single_row",
      "audit_log_append_only",
      "audit_log_move_head",
      "audit_log_no_delete",
      "audit_log_no_update",
    ]);
    expect(auditHead(db)).toEqual({ seq: 0, hash: GENESIS_HASH });
    expect(verifyAudit(db)).toEqual({ ok: true, entries: 0, head: GENESIS_HASH, headSeq: 0 });
    db.close();
  });

  it("a chain of entries verifies; each links to the one before and its hash is reproducible", () => {
    const db = storeWithChain();
    const all = listAudit(db).reverse();
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all[0]).toMatchObject({
      seq: 1,
      at: "2026-03-01T09:00:01.000Z",
      osUser: "rsmith",
      host: "onc-ws-07",
      action: "import",
      subject: "import /letters",
      details: { imported: 16, duplicates: 0, failed: 1 },
      prevHash: GENESIS_HASH,
    });
    expect(all[4]?.details).toBeNull();
    for (let i = 1; i < all.length; i++) expect(all[i]?.prevHash).toBe(all[i - 1]?.hash);

    // The documented hash input, computed independently of auditHash.
    const first = all[0]!;
    const body =
      '{"action":"import","at":"2026-03-01T09:00:01.000Z","details":"{\\"duplicates\\":0,\\"failed\\":1,\\"imported\\":16}",' +
      `"host":"onc-ws-07","os_user":"rsmith","prev_hash":"${GENESIS_HASH}","seq":1,"subject":"import /letters"}`;
    expect(first.hash).toBe(createHash("sha256").update(`oncotimeline-audit-v1\n${body}`).digest("hex"));

    const head = all[4]!;
    expect(verifyAudit(db)).toEqual({ ok: true, entries: 5, head: head.hash, headSeq: 5 });
    expect(auditHead(db)).toEqual({ seq: 5, hash: head.hash });
    expect(verifyAudit(db, { anchor: { seq: 3, hash: all[2]!.hash } }).ok).toBe(true);
    db.close();
  });

  it("stores details as canonical JSON: key order does not matter, the hash is stable", () => {
    const a = storeWithChain(0);
    const b = storeWithChain(0);
    const clockA = ticking();
    const clockB = ticking();
    const x = appendAudit(a, { action: "export", subject: "s", details: { b: 1, a: { d: [1, 2], c: "x" } } }, who, clockA);
    const y = appendAudit(b, { action: "export", subject: "s", details: { a: { c: "x", d: [1, 2] }, b: 1 } }, who, clockB);
    expect(x.hash).toBe(y.hash);
    expect(a.prepare("SELECT details FROM audit_log").pluck().get()).toBe('{"a":{"c":"x","d":[1,2]},"b":1}');
    expect(canonicalJson({ z: undefined, when: new Date(0) })).toBe('{"when":"1970-01-01T00:00:00.000Z"}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/\$\.n is NaN/);
    expect(() => canonicalJson([1n])).toThrow(/bigint/);
    a.close();
    b.close();
  });

  it("SQLite refuses UPDATE and DELETE of entries, out-of-order inserts, and moving the head by hand", () => {
    const db = storeWithChain();
    expect(() => db.prepare("UPDATE audit_log SET subject = 'letter 13' WHERE seq = 3").run()).toThrow(
      /append-only: entries cannot be changed/,
    );
    expect(() => db.prepare("DELETE FROM audit_log WHERE seq = 5").run()).toThrow(/append-only: entries cannot be deleted/);
    expect(() => db.prepare("DELETE FROM audit_log").run()).toThrow(/append-only/);
    const row = db.prepare("SELECT * FROM audit_log WHERE seq = 2").get() as Record<string, unknown>;
    expect(() =>
      db
        .prepare(
          "INSERT OR REPLACE INTO audit_log (seq, at, os_user, host, action, subject, details, prev_hash, hash) VALUES (@seq, @at, @os_user, @host, @action, 'forged', @details, @prev_hash, 'x')",
        )
        .run(row),
    ).toThrow(/must take the next seq/);
    expect(() => db.prepare("UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3)").run()).toThrow(
      /only moves forward/,
    );
    expect(() => db.prepare("DELETE FROM audit_head").run()).toThrow(/cannot be deleted/);
    expect(() => db.prepare(`REPLACE INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}')`).run()).toThrow(
      /exactly one row/,
    );
    expect(verifyAudit(db).ok).toBe(true);
    db.close();
  });

  it("detects a changed entry once the update trigger is dropped", () => {
    const db = storeWithChain();
    db.exec("DROP TRIGGER audit_log_no_update");
    db.prepare("UPDATE audit_log SET subject = 'letter 13' WHERE seq = 3").run();
    expect(verifyAudit(db)).toEqual({
      ok: false,
      entries: 3,
      firstBadSeq: 3,
      problem: "entry 3 was changed (hash mismatch)",
    });
    db.close();
  });

  it("detects an entry rewritten with a recomputed hash, at the entry after it", () => {
    const db = storeWithChain();
    db.exec("DROP TRIGGER audit_log_no_update");
    const row = db.prepare("SELECT * FROM audit_log WHERE seq = 2").get() as Parameters<typeof auditHash>[0] & { hash: string };
    const forged = { ...row, subject: "extract other-model" };
    db.prepare("UPDATE audit_log SET subject = ?, hash = ? WHERE seq = 2").run(forged.subject, auditHash(forged));
    const result = verifyAudit(db);
    expect(result).toMatchObject({ ok: false, firstBadSeq: 3 });
    expect(result.ok || result.problem).toMatch(/^entry 3's prev_hash does not match entry 2/);
    db.close();
  });

  it("detects an entry deleted from the middle as a seq gap", () => {
    const db = storeWithChain();
    db.exec("DROP TRIGGER audit_log_no_delete");
    db.prepare("DELETE FROM audit_log WHERE seq = 3").run();
    expect(verifyAudit(db)).toEqual({ ok: false, entries: 3, firstBadSeq: 3, problem: "entry 3 is missing (seq gap 2 → 4)" });
    db.prepare("DELETE FROM audit_log WHERE seq = 1").run();
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBadSeq: 1, problem: "entry 1 is missing (seq gap 0 → 2)" });
    db.close();
  });

  it("detects entries deleted from the end through the head record", () => {
    const db = storeWithChain();
    db.exec("DROP TRIGGER audit_log_no_delete");
    db.prepare("DELETE FROM audit_log WHERE seq >= 4").run();
    expect(verifyAudit(db)).toEqual({
      ok: false,
      entries: 3,
      firstBadSeq: 4,
      problem: "entries 4–5 are missing from the end (the head records entry 5, the log ends at 3)",
    });
    db.close();
  });

  it("a truncation that also rewinds the head is caught only by an anchor kept outside the store", () => {
    const db = storeWithChain();
    const manifest = verifyAudit(db);
    if (!manifest.ok) throw new Error("expected a clean chain");
    db.exec("DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_head_forward_only");
    db.prepare("DELETE FROM audit_log WHERE seq = 5").run();
    db.prepare("UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4)").run();
    // The honest limit: the store alone is consistent again.
    expect(verifyAudit(db).ok).toBe(true);
    expect(verifyAudit(db, { anchor: { seq: manifest.headSeq, hash: manifest.head } })).toEqual({
      ok: false,
      entries: 4,
      firstBadSeq: 5,
      problem: "entry 5, recorded outside the store, is missing (the log ends at 4)",
    });
    db.close();
  });

  it("a wholesale rewrite with recomputed hashes is caught by an anchor's hash", () => {
    const db = storeWithChain(3);
    const anchor = auditHead(db);
    db.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_head_forward_only");
    let prev = GENESIS_HASH;
    for (const row of db.prepare("SELECT * FROM audit_log ORDER BY seq").all() as (Parameters<typeof auditHash>[0] & { hash: string })[]) {
      const forged = { ...row, os_user: "someone-else", prev_hash: prev };
      prev = auditHash(forged);
      db.prepare("UPDATE audit_log SET os_user = ?, prev_hash = ?, hash = ? WHERE seq = ?").run(forged.os_user, forged.prev_hash, prev, row.seq);
    }
    db.prepare("UPDATE audit_head SET hash = ? WHERE id = 1").run(prev);
    expect(verifyAudit(db).ok).toBe(true);
    expect(verifyAudit(db, { anchor })).toMatchObject({ ok: false, firstBadSeq: 3, problem: expect.stringMatching(/^entry 3 does not match the hash recorded outside/) });
    db.close();
  });

  it("detects reordered entries", () => {
    const db = storeWithChain();
    db.exec("DROP TRIGGER audit_log_no_update");
    // Swap the contents of entries 2 and 3, keeping seq in place (via a temporary seq).
    db.exec(`
      UPDATE audit_log SET seq = 100 WHERE seq = 2;
      UPDATE audit_log SET seq = 2 WHERE seq = 3;
      UPDATE audit_log SET seq = 3 WHERE seq = 100;
    `);
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBadSeq: 2, problem: "entry 2 was changed (hash mismatch)" });
    db.close();
  });

  it("detects entries inserted behind the head's back and a dropped head table", () => {
    const db = storeWithChain(2);
    db.exec("DROP TRIGGER audit_log_append_only; DROP TRIGGER audit_log_move_head");
    const head = auditHead(db);
    const row = { seq: 3, at: "2026-03-01T10:00:00.000Z", os_user: "x", host: "h", action: "export", subject: "s", details: null, prev_hash: head.hash };
    db.prepare(
      "INSERT INTO audit_log (seq, at, os_user, host, action, subject, details, prev_hash, hash) VALUES (@seq, @at, @os_user, @host, @action, @subject, @details, @prev_hash, @hash)",
    ).run({ ...row, hash: auditHash(row) });
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBadSeq: 3, problem: expect.stringMatching(/added behind the head's back/) });
    db.exec("DROP TABLE audit_head");
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBadSeq: 4, problem: expect.stringMatching(/head record is missing/) });
    expect(() => appendAudit(db, { action: "export", subject: "s" }, who)).toThrow();
    db.close();
  });

  it("refuses details that are large or carry letter text, values or secrets, and bad actions or subjects", () => {
    const db = storeWithChain(0);
    const big = { ids: Array.from({ length: MAX_AUDIT_DETAILS_BYTES }, (_, i) => i) };
    expect(() => appendAudit(db, { action: "export", subject: "s", details: big }, who)).toThrow(/more than 4096: record identifiers and counts/);
    expect(() => appendAudit(db, { action: "correction", subject: "letter 1", details: { letterId: 1, text: "Dear Dr" } }, who)).toThrow(
      /details\.text is refused/,
    );
    expect(() =>
      appendAudit(db, { action: "correction", subject: "letter 1", details: { changes: [{ path: "p", old_value: "T2" }] } }, who),
    ).toThrow(/details\.changes\[0\]\.old_value is refused/);
    expect(() => appendAudit(db, { action: "extract", subject: "s", details: { server: { apiKey: "sk-1" } } }, who)).toThrow(/apiKey is refused/);
    expect(() => appendAudit(db, { action: "Export!", subject: "s" }, who)).toThrow(/short lower-case word/);
    expect(() => appendAudit(db, { action: "export", subject: "" }, who)).toThrow(/subject must not be empty/);
    expect(() => appendAudit(db, { action: "export", subject: "a\nseq 9 export" }, who)).toThrow(/control characters/);
    expect(() => appendAudit(db, { action: "export", subject: "s" }, { osUser: "", host: "h" })).toThrow(/OS user must not be empty/);
    expect(verifyAudit(db)).toEqual({ ok: true, entries: 0, head: GENESIS_HASH, headSeq: 0 });
    db.close();
  });

  it("lists newest first, filtered by action and limited; defaults who to this OS user and host", () => {
    const db = storeWithChain();
    expect(listAudit(db, { limit: 2 }).map((e) => e.seq)).toEqual([5, 4]);
    expect(listAudit(db, { action: "export" }).map((e) => e.subject)).toEqual([
      "export csv /home/rsmith/values.csv",
      "export csv-wide /home/rsmith/letters.csv",
    ]);
    expect(() => listAudit(db, { limit: 0 })).toThrow(RangeError);
    const mine = appendAudit(db, { action: "export", subject: "export fhir /tmp/out" });
    expect(mine).toMatchObject({ seq: 6, ...currentWho() });
    expect(mine.osUser).not.toBe("");
    expect(Date.now() - Date.parse(mine.at)).toBeLessThan(60_000);
    expect(verifyAudit(db).ok).toBe(true);
    db.close();
  });

  it("an entry appended inside the caller's transaction rolls back with it", () => {
    const db = storeWithChain(2);
    expect(() =>
      db.transaction(() => {
        appendAudit(db, { action: "correction", subject: "letter 3", details: { letterId: 3 } }, who);
        throw new Error("correction failed");
      }).immediate(),
    ).toThrow("correction failed");
    expect(auditHead(db).seq).toBe(2);
    expect(verifyAudit(db)).toMatchObject({ ok: true, entries: 2 });
    db.close();
  });

  it("two connections appending in turn keep one chain", () => {
    const dir = tempDir();
    const a = openStore(dir);
    const b = new Database(path.join(dir, STORE_FILE));
    b.pragma("busy_timeout = 5000");
    const clock = ticking();
    for (let i = 0; i < 6; i++) appendAudit(i % 2 === 0 ? a : b, { action: "export", subject: `export ${i}` }, who, clock);
    expect(verifyAudit(b)).toMatchObject({ ok: true, entries: 6, headSeq: 6 });
    a.close();
    b.close();
  });
});
