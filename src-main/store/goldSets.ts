import type { GoldItem, GoldSetKind } from "../evaluate/gold/goldItem.ts";
import { letterSha256 } from "../evaluate/gold/goldItem.ts";
import { prepared, type Db } from "./db.ts";

export type GoldSetRow = { id: number; name: string; kind: GoldSetKind; source: string; origin: string; folder: string; notes: string[]; created_at: string; items: number; with_letter: number };
export type StoredGoldItem = GoldItem & { letter_sha256: string | null };

type RawSet = Omit<GoldSetRow, "notes"> & { notes: string };
const SET_COLUMNS = `s.id, s.name, s.kind, s.source, s.origin, s.folder, s.notes, s.created_at,
  (SELECT count(*) FROM gold_items i WHERE i.gold_set_id = s.id) AS items,
  (SELECT count(*) FROM gold_items i WHERE i.gold_set_id = s.id AND i.letter IS NOT NULL) AS with_letter`;
const asRow = (raw: RawSet): GoldSetRow => ({ ...raw, notes: JSON.parse(raw.notes) as string[] });

/** One transaction: a set is stored whole or not at all. */
export function insertGoldSet(db: Db, set: { name: string; kind: GoldSetKind; source: string; origin: string; folder: string; notes: string[] }, items: readonly GoldItem[]): GoldSetRow {
  const insertItem = prepared(db, "INSERT INTO gold_items (gold_set_id, name, note, letter, letter_sha256, gold) VALUES (?, ?, ?, ?, ?, ?)");
  const id = db.transaction(() => {
    const { lastInsertRowid } = prepared(db, "INSERT INTO gold_sets (name, kind, source, origin, folder, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)").run(set.name, set.kind, set.source, set.origin, set.folder, JSON.stringify(set.notes), new Date().toISOString());
    for (const item of items) insertItem.run(lastInsertRowid, item.name, item.note, item.letter, item.letter === null ? null : letterSha256(item.letter), JSON.stringify(item.gold));
    return Number(lastInsertRowid);
  })();
  return getGoldSet(db, id) as GoldSetRow;
}

export function getGoldSet(db: Db, id: number): GoldSetRow | undefined {
  const raw = prepared(db, `SELECT ${SET_COLUMNS} FROM gold_sets s WHERE s.id = ?`).get(id) as RawSet | undefined;
  return raw && asRow(raw);
}

export function findGoldSet(db: Db, name: string): GoldSetRow | undefined {
  const raw = prepared(db, `SELECT ${SET_COLUMNS} FROM gold_sets s WHERE s.name = ?`).get(name) as RawSet | undefined;
  return raw && asRow(raw);
}

export function listGoldSets(db: Db): GoldSetRow[] {
  return (prepared(db, `SELECT ${SET_COLUMNS} FROM gold_sets s ORDER BY s.id`).all() as RawSet[]).map(asRow);
}

export function goldSetItems(db: Db, setId: number): StoredGoldItem[] {
  return (prepared(db, "SELECT name, note, letter, letter_sha256, gold FROM gold_items WHERE gold_set_id = ? ORDER BY id").all(setId) as (Omit<StoredGoldItem, "gold"> & { gold: string })[]).map((row) => ({ ...row, gold: JSON.parse(row.gold) as unknown }));
}

/** Each item's name, note and letter fingerprint (null: no letter), without the letters and gold themselves. */
export function goldItemIndex(db: Db, setId: number): { name: string; note: string | null; letter_sha256: string | null }[] {
  return prepared(db, "SELECT name, note, letter_sha256 FROM gold_items WHERE gold_set_id = ? ORDER BY id").all(setId) as { name: string; note: string | null; letter_sha256: string | null }[];
}
