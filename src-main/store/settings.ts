import { nowIso, prepared, type Db } from "./db.ts";

/** A stored setting, or undefined when never set (callers apply their defaults). */
export function getSetting(db: Db, key: string): unknown {
  const row = prepared(db, "SELECT value FROM settings WHERE key = ?").get(key) as { value: string } | undefined;
  return row === undefined ? undefined : (JSON.parse(row.value) as unknown);
}

export function setSetting(db: Db, key: string, value: unknown): void {
  prepared(db, "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at").run(
    key,
    JSON.stringify(value),
    nowIso(),
  );
}
