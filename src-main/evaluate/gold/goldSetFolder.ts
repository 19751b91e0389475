/**
 * A stored gold set written out as the file-based scorers and `eval run` read gold: timelines
 * as gold/X.json with letters/X.txt, QA as gold.jsonl with letters/NOTE.txt, cohorts as
 * gold/X.xml. Written to a fresh folder and renamed into place, so a crash leaves the old folder
 * or the new one, never half of one.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { GoldItem, GoldSetKind } from "./goldItem.ts";

export type GoldSetPaths = { goldPath: string; lettersDir: string };

export function goldSetPaths(folder: string, kind: GoldSetKind): GoldSetPaths {
  return { goldPath: path.join(folder, kind === "qa" ? "gold.jsonl" : "gold"), lettersDir: path.join(folder, "letters") };
}

export function writeGoldSetFolder(folder: string, kind: GoldSetKind, items: readonly GoldItem[]): GoldSetPaths {
  const staging = `${folder}.writing-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const paths = goldSetPaths(staging, kind);
  mkdirSync(paths.lettersDir, { recursive: true });
  if (kind === "qa") {
    writeFileSync(paths.goldPath, items.map((item) => `${JSON.stringify(item.gold)}\n`).join(""));
    const notes = new Map(items.flatMap((item) => (item.note !== null && item.letter !== null ? [[item.note, item.letter] as const] : [])));
    for (const [note, letter] of notes) writeFileSync(path.join(paths.lettersDir, `${safeFileName(note)}.txt`), letter);
  } else {
    mkdirSync(paths.goldPath);
    for (const item of items) {
      const stem = safeFileName(item.name);
      writeFileSync(path.join(paths.goldPath, `${stem}.${kind === "cohort" ? "xml" : "json"}`), kind === "cohort" ? String(item.gold) : `${JSON.stringify(item.gold, null, 2)}\n`);
      if (item.letter !== null) writeFileSync(path.join(paths.lettersDir, `${stem}.txt`), item.letter);
    }
  }
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(path.dirname(folder), { recursive: true });
  renameSync(staging, folder);
  return goldSetPaths(folder, kind);
}

/** Names come from files, ids and the studio: never a path separator or a leading dot in a file name. */
function safeFileName(name: string): string {
  return name.replace(/[/\\\0]/g, "_").replace(/^\.+/, "_");
}
