import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { migrate, openStore } from "../../src-main/store/db.ts";
import { insertLetter, listLetters } from "../../src-main/store/letters.ts";
import { MIGRATIONS } from "../../src-main/store/migrations/index.ts";
import { registerModel } from "../../src-main/store/models.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const letter = (text: string, patient: string | null = "P1") => ({
  text,
  sourcePath: "/letters/a.txt",
  sourceRow: null,
  sourceFormat: "txt",
  patientExternalId: patient,
  letterDate: "2024-03-01",
});

describe("store", () => {
  it("the migrations create STRICT tables in WAL mode and record the schema version", () => {
    const db = openStore(tempDir());
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all() as { name: string; sql: string }[];
    expect(tables.map((t) => t.name).sort()).toEqual([
      "audit_head", "audit_log", "corrections", "datasets", "evidence", "extractions", "gold_items", "gold_sets", "job_items", "jobs", "letters", "models",
      "patients", "review_evidence", "reviews", "settings", "synth_letters", "synth_qa",
    ]);
    for (const table of tables) expect(table.sql, table.name).toMatch(/\) STRICT$/);
    expect(() =>
      db.prepare("INSERT INTO models (name, path, bytes, fingerprint, added_at) VALUES ('m', '/m', 'big', 'f', 'now')").run(),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
    db.close();
  });

  it("a failing migration rolls back completely", () => {
    const db = new Database(":memory:");
    const broken = [
      ...MIGRATIONS,
      {
        version: 99,
        name: "broken",
        up: (d: Database.Database) => {
          d.exec("CREATE TABLE half_done (x INTEGER) STRICT");
          throw new Error("boom");
        },
      },
    ];
    expect(() => migrate(db, broken)).toThrow("boom");
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
  });

  it("refuses a store written by a newer version", () => {
    const dir = tempDir();
    openStore(dir).close();
    const raw = new Database(path.join(dir, "oncotimeline.sqlite"));
    raw.pragma("user_version = 999");
    raw.close();
    expect(() => openStore(dir)).toThrow(/newer OncoTimeline \(schema 999/);
  });

  it("imports the same letter twice as a no-op and links patients", () => {
    const db = openStore(tempDir());
    const first = insertLetter(db, letter("Right breast cancer."));
    const again = insertLetter(db, { ...letter("Right breast cancer."), sourcePath: "/elsewhere/copy.txt" });
    expect(first.status).toBe("imported");
    expect(again).toEqual({ status: "duplicate", letterId: first.letterId });
    insertLetter(db, letter("Second letter.", "P1"));
    insertLetter(db, letter("No patient.", null));
    expect(listLetters(db).map((l) => [l.patient, l.text])).toEqual([
      ["P1", "Right breast cancer."],
      ["P1", "Second letter."],
      [null, "No patient."],
    ]);
    expect(listLetters(db, { patient: "P1" })).toHaveLength(2);
    db.close();
  });

  it("registers a model file once, by content fingerprint", () => {
    const dir = tempDir();
    const db = openStore(dir);
    const file = path.join(dir, "model-a.gguf");
    writeFileSync(file, Buffer.alloc(1024, 7));
    const a = registerModel(db, file);
    expect(a.name).toBe("model-a");
    expect(registerModel(db, file).id).toBe(a.id);
    const other = path.join(dir, "model-a.GGUF");
    writeFileSync(other, Buffer.alloc(1024, 8));
    expect(registerModel(db, other).name).toBe("model-a-2");
    db.close();
  });

  it("migration 8 keeps every model as a base alone, and a base with an adapter is a model of its own", () => {
    const dir = tempDir();
    const base = path.join(dir, "base.gguf");
    writeFileSync(base, Buffer.alloc(1024, 7));
    const old = openStore(dir, MIGRATIONS.slice(0, 7));
    old.prepare("INSERT INTO models (name, path, bytes, fingerprint, added_at) VALUES ('base', ?, 1024, 'fp', '2026-01-01T00:00:00Z')").run(base);
    old.close();
    const db = openStore(dir);
    expect(db.prepare("SELECT name, adapter_path, lineage FROM models").all()).toEqual([{ name: "base", adapter_path: null, lineage: null }]);
    const adapter = path.join(dir, "fine-tune.gguf");
    writeFileSync(adapter, Buffer.alloc(512, 9));
    const tuned = registerModel(db, base, { adapter });
    expect(tuned).toMatchObject({ name: "fine-tune", path: base, adapter_path: adapter, bytes: 1536 });
    expect(registerModel(db, base).id).not.toBe(tuned.id);
    db.close();
  });
});
