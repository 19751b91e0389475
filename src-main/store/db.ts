import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { shardOf } from "./letters.ts";
import { MIGRATIONS, type Migration } from "./migrations/index.ts";

export type Db = Database.Database;

export const STORE_FILE = "oncotimeline.sqlite";

/**
 * Opens (creating if needed) the store in `dir` and brings its schema up to date.
 * WAL keeps readers unblocked during a batch, and with synchronous=NORMAL a committed
 * transaction survives a process kill (only power loss can drop the last commits).
 */
export function openStore(dir: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  mkdirSync(dir, { recursive: true });
  const db = new Database(path.join(dir, STORE_FILE));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  db.function("shard_of", { deterministic: true }, (checksum, count) => shardOf(String(checksum), Number(count)));
  migrate(db, migrations);
  return db;
}

export function migrate(db: Db, migrations: readonly Migration[]): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new Error(
      `This data folder was written by a newer OncoTimeline (schema ${current}, this build knows ${newest}). Update the app.`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    if (migration.foreignKeys === "off") db.pragma("foreign_keys = OFF");
    try {
      // pragma user_version inside the transaction: a failed migration leaves no trace.
      db.transaction(() => {
        migration.up(db);
        if (migration.foreignKeys === "off") {
          const broken = db.pragma("foreign_key_check") as { table: string; rowid: number; parent: string }[];
          if (broken.length > 0) {
            const first = broken[0] as { table: string; rowid: number; parent: string };
            throw new Error(`migration ${migration.version} (${migration.name}) would leave ${broken.length} broken references, the first in ${first.table} row ${first.rowid} to ${first.parent}`);
          }
        }
        db.pragma(`user_version = ${migration.version}`);
      })();
    } finally {
      if (migration.foreignKeys === "off") db.pragma("foreign_keys = ON");
    }
  }
}

const statementCache = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * The compiled statement for `sql` on this connection, compiled once: store functions called once
 * per letter (imports, extraction, exports of millions of rows) would otherwise spend their time
 * compiling the same SQL again.
 */
export function prepared(db: Db, sql: string): Database.Statement {
  let statements = statementCache.get(db);
  if (!statements) statementCache.set(db, (statements = new Map()));
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
}

/**
 * Rows in key order, a page at a time: `page(after)` returns the next rows whose key is above
 * `after`, and an empty page ends it. A table of millions never sits in memory, and since each page
 * is a finished query, other statements may run while the rows are being used.
 */
export function* inPages<T>(page: (after: number) => T[], key: (row: T) => number): Generator<T, void, undefined> {
  for (let after = 0; ; ) {
    const rows = page(after);
    const last = rows.at(-1);
    if (last === undefined) return;
    yield* rows;
    after = key(last);
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}
