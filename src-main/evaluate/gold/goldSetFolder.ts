/**
 * A stored gold set written out as the file-based scorers and `eval run` read gold: timelines
 * as gold/X.json with letters/X.txt, QA as gold.jsonl with letters/NOTE.txt, cohorts as
 * gold/X.xml. Only those two parts are replaced: whatever else is in the set's folder (a model's
 * predictions/ written to score against it) stays. Each part is written in a staging folder and
 * renamed into place, so a reader sees the old part or the new one; a crash between the two
 * leaves a part missing, which the next use writes again from the store.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { GoldItem, GoldSetKind } from "./goldItem.ts";

export type GoldSetPaths = { goldPath: string; lettersDir: string };

export function goldSetPaths(folder: string, kind: GoldSetKind): GoldSetPaths {
  return { goldPath: path.join(folder, kind === "qa" ? "gold.jsonl" : "gold"), lettersDir: path.join(folder, "letters") };
}

export function writeGoldSetFolder(folder: string, kind: GoldSetKind, items: readonly GoldItem[]): GoldSetPaths {
  const staging = path.join(folder, `.writing-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const staged = goldSetPaths(staging, kind);
  mkdirSync(staged.lettersDir, { recursive: true });
  if (kind === "qa") {
    writeFileSync(staged.goldPath, items.map((item) => `${JSON.stringify(item.gold)}\n`).join(""));
    const notes = new Map(items.flatMap((item) => (item.note !== null && item.letter !== null ? [[item.note, item.letter] as const] : [])));
    for (const [note, letter] of notes) writeFileSync(path.join(staged.lettersDir, `${safeFileName(note)}.txt`), letter);
  } else {
    mkdirSync(staged.goldPath);
    for (const item of items) {
      const stem = safeFileName(item.name);
      writeFileSync(path.join(staged.goldPath, `${stem}.${kind === "cohort" ? "xml" : "json"}`), kind === "cohort" ? String(item.gold) : `${JSON.stringify(item.gold, null, 2)}\n`);
      if (item.letter !== null) writeFileSync(path.join(staged.lettersDir, `${stem}.txt`), item.letter);
    }
  }
  const paths = goldSetPaths(folder, kind);
  for (const [from, to] of [[staged.goldPath, paths.goldPath], [staged.lettersDir, paths.lettersDir]] as const) {
    rmSync(to, { recursive: true, force: true });
    renameSync(from, to);
  }
  rmSync(staging, { recursive: true, force: true });
  return paths;
}

/** Names come from files, ids and the studio: never a path separator or a leading dot in a file name. */
function safeFileName(name: string): string {
  return name.replace(/[/\\\0]/g, "_").replace(/^\.+/, "_");
}
