/**
 * Leakage: a gold letter that was also a training row scores a model on what it memorised.
 * Every built training set's train.jsonl is read and each row's letter fingerprinted (a QA row's
 * letter is its user message before the question), so a gold item can be flagged with the sets
 * it leaked into, whatever its source: the same letter as a studio letter, a reviewed letter
 * or a file.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { listDatasets } from "../../datasets/buildDataset.ts";
import type { TrainingRow } from "../../datasets/trainingRow.ts";
import type { Db } from "../../store/db.ts";
import { letterSha256 } from "./goldItem.ts";
import { splitQaUserMessage } from "../../extract/questionPrompt.ts";

/** Letter fingerprint → the names of the training sets whose train split holds that letter. */
export function trainingLetters(db: Db): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const set of listDatasets(db)) {
    const file = path.join(set.folder, "train.jsonl");
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      const user = (JSON.parse(line) as TrainingRow).messages[1].content;
      const letter = set.card.source === "qa" ? (splitQaUserMessage(user)?.letter ?? user) : user;
      const sha = letterSha256(letter);
      const sets = found.get(sha) ?? [];
      if (!sets.includes(set.name)) found.set(sha, [...sets, set.name]);
    }
  }
  return found;
}
