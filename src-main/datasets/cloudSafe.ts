/**
 * The only way to hand a training set to a cloud provider (docs/domain.md §7). A `CloudSafeDataset`
 * can be made only here, and only for a set whose recorded origin is synthetic and whose train and
 * test files still hold no row of a real letter (checked again at hand-off, so a file swapped on
 * disk is caught too): a provider client that takes this type can never be given real letters.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { prepared, type Db } from "../store/db.ts";

declare const cloudSafe: unique symbol;

export type CloudSafeDataset = { readonly name: string; readonly files: readonly string[]; readonly [cloudSafe]: true };

export class RealLettersError extends Error {}

export function cloudSafeDataset(db: Db, name: string): CloudSafeDataset {
  const row = prepared(db, "SELECT origin, folder FROM datasets WHERE name = ?").get(name) as { origin: string; folder: string } | undefined;
  if (!row) throw new Error(`no training set named "${name}"`);
  if (row.origin !== "synthetic") throw new RealLettersError(`training set "${name}" holds real letters: it can be used on this hospital's cluster only, never sent to a cloud provider`);
  const files = ["train.jsonl", "test.jsonl"].map((file) => path.join(row.folder, file));
  for (const file of files) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      const id = (JSON.parse(line) as { metadata?: { id?: string } }).metadata?.id ?? "";
      if (!id.startsWith("synthetic-")) throw new RealLettersError(`training set "${name}": ${path.basename(file)} holds a row that is not from a synthetic letter (${id || "no id"}): it is not sent`);
    }
  }
  return { name, files } as unknown as CloudSafeDataset;
}
