import type { Database } from "better-sqlite3";

/**
 * Settings: the one "app" blob becomes a row per capability (settings.review, settings.extraction,
 * settings.export), each read field by field over its defaults, so adding a field no longer makes
 * the whole blob fail to parse and every user's settings fall back to the defaults.
 *
 * Values are copied as they were stored, valid or not: reading reports what it cannot use. Fields
 * at the blob's top other than extraction and export (the reviewer) go to settings.review. A blob
 * that is not a JSON object held nothing usable (the old reader ignored it) and is dropped.
 */
export function up(db: Database): void {
  const row = db.prepare("SELECT value, updated_at FROM settings WHERE key = 'app'").get() as { value: string; updated_at: string } | undefined;
  if (!row) return;
  db.prepare("DELETE FROM settings WHERE key = 'app'").run();
  const blob = parseObject(row.value);
  if (!blob) return;
  const { extraction, export: exporting, ...review } = blob;
  const insert = db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)");
  if (Object.keys(review).length > 0) insert.run("settings.review", JSON.stringify(review), row.updated_at);
  if (extraction !== undefined) insert.run("settings.extraction", JSON.stringify(extraction), row.updated_at);
  if (exporting !== undefined) insert.run("settings.export", JSON.stringify(exporting), row.updated_at);
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
