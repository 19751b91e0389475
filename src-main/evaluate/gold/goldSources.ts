/**
 * Where a gold set comes from (issue 18 item 1): the studio's synthetic letters with their gold
 * timelines or their accepted question/answer pairs; real letters whose review is finished (the
 * reviewer's corrected timeline is the gold); a built training set's test split; or files (a
 * folder of timeline documents with the letters beside, a QA file with its notes, or a folder of
 * n2c2 cohort files, which hold their notes). Every item a reader cannot take is named with why.
 */
import { existsSync, readFileSync } from "node:fs";
import type { z } from "zod";
import type { GoldSourceSchema } from "../../../src-shared/api/goldSets.ts";
import path from "node:path";
import { letterExamples, qaExamples, reviewedLetterExamples } from "../../datasets/examples.ts";
import { listDatasets } from "../../datasets/buildDataset.ts";
import type { TrainingRow } from "../../datasets/trainingRow.ts";
import type { Db } from "../../store/db.ts";
import { readN2c2File } from "../cohort/n2c2.ts";
import { filesEndingWith, goldKind, isFolder } from "../goldFiles.ts";
import { readQaGoldRecords } from "../qaFiles.ts";
import { ScoringInputError } from "../scoringInputError.ts";
import { readTimelineFile } from "../timeline/timelineFile.ts";
import type { GoldItem, GoldSetKind } from "./goldItem.ts";
import { qaRowGold, timelineRowGold } from "./trainingRowGold.ts";

export type GoldSource = z.input<typeof GoldSourceSchema>;

export type CollectedGold = { kind: GoldSetKind; origin: string; items: GoldItem[]; notes: string[] };

/** The letters a gold folder's files pair with: X.txt beside X.json (or a QA note's id). */
const LETTER_EXTENSION = ".txt";

export function collectGold(db: Db, source: GoldSource): CollectedGold {
  switch (source.from) {
    case "synthetic": {
      const { examples, skipped } = letterExamples(db, "", { includeFlagged: source.includeFlagged ?? false });
      return { kind: "timeline", origin: "the studio's synthetic letters", items: examples.map((example) => timelineRowGold(example.id, example.row)), notes: skipped.map((item) => `${item.id}: ${item.reason}`) };
    }
    case "synthetic-qa": {
      const examples = qaExamples(db, "", { includeFlagged: source.includeFlagged ?? false, minDifficulty: 1 });
      return { kind: "qa", origin: "the studio's question/answer pairs", items: examples.map((example) => qaRowGold(example.id, example.group, example.qaKind ?? "", example.row)), notes: [] };
    }
    case "reviewed": {
      const { examples, skipped } = reviewedLetterExamples(db, "");
      return { kind: "timeline", origin: "real letters whose review is finished (the corrected timelines)", items: examples.map((example) => timelineRowGold(example.id, example.row)), notes: skipped.map((item) => `${item.id}: ${item.reason}`) };
    }
    case "dataset":
      return datasetTestSplit(db, source.dataset);
    case "files":
      return fromFiles(source.gold, source.letters);
  }
}

function datasetTestSplit(db: Db, name: string): CollectedGold {
  const set = listDatasets(db).find((candidate) => candidate.name === name);
  if (!set) throw new ScoringInputError(`no training set named "${name}" (oncotimeline dataset list)`);
  const file = path.join(set.folder, "test.jsonl");
  if (!existsSync(file)) throw new ScoringInputError(`${file}: the training set's test split is missing`);
  const items: GoldItem[] = [];
  const notes: string[] = [];
  for (const [index, line] of readFileSync(file, "utf8").split("\n").entries()) {
    if (line.trim() === "") continue;
    try {
      const { messages, metadata } = JSON.parse(line) as TrainingRow & { metadata: { id: string; qa_kind?: string } };
      const row = { messages };
      if (set.card.source === "qa") items.push(qaRowGold(metadata.id, null, metadata.qa_kind ?? "", row));
      else items.push(timelineRowGold(metadata.id, row));
    } catch (error) {
      notes.push(`${file} line ${index + 1}: not a training row (${(error as Error).message})`);
    }
  }
  if (items.length === 0) throw new ScoringInputError(`${file}: the test split holds no rows (the set was built with --test-fraction 0?)`);
  return { kind: set.card.source === "qa" ? "qa" : "timeline", origin: `the test split of training set ${name}`, items, notes };
}

function fromFiles(goldPath: string, lettersDir: string | undefined): CollectedGold {
  if (!existsSync(goldPath)) throw new ScoringInputError(`${goldPath}: no such file or folder`);
  if (lettersDir !== undefined && !isFolder(lettersDir)) throw new ScoringInputError(`${lettersDir}: the letters folder does not exist`);
  const letterOf = (stem: string, notes: string[]): string | null => {
    if (lettersDir === undefined) return null;
    const file = path.join(lettersDir, `${stem}${LETTER_EXTENSION}`);
    if (existsSync(file)) return readFileSync(file, "utf8");
    notes.push(`${stem}: no letter ${file}`);
    return null;
  };
  const kind = goldKind(goldPath);
  const notes: string[] = [];
  const items: GoldItem[] = [];
  if (kind === "cohort") {
    for (const name of filesEndingWith(goldPath, ".xml", "gold")) {
      const file = path.join(goldPath, name);
      const read = readN2c2File(file);
      if ("error" in read) throw new ScoringInputError(`${file}: ${read.error}`);
      items.push({ name: name.replace(/\.xml$/i, ""), note: null, letter: read.patient.text, gold: readFileSync(file, "utf8") });
    }
  } else if (kind === "timeline") {
    const problems: string[] = [];
    for (const name of filesEndingWith(goldPath, ".json", "gold")) {
      const read = readTimelineFile(path.join(goldPath, name));
      if (read.document === null) problems.push(`${name}: ${read.error}`);
      else {
        const stem = name.replace(/\.json$/i, "");
        notes.push(...read.notes.map((note) => `${stem}: ${note}`));
        items.push({ name: stem, note: null, letter: letterOf(stem, notes), gold: JSON.parse(readFileSync(path.join(goldPath, name), "utf8")) as unknown });
      }
    }
    if (problems.length > 0) throw new ScoringInputError(`${goldPath}: ${problems.length} gold file(s) cannot be read:\n  ${problems.join("\n  ")}`);
  } else {
    const letters = new Map<string, string | null>();
    for (const { item, record } of readQaGoldRecords(goldPath)) {
      if (!letters.has(item.noteId)) letters.set(item.noteId, letterOf(item.noteId, notes));
      items.push({ name: item.id, note: item.noteId, letter: letters.get(item.noteId) ?? null, gold: { ...record, id: item.id, note_id: item.noteId } });
    }
  }
  if (items.length === 0) throw new ScoringInputError(`${goldPath}: no gold items`);
  return { kind, origin: `files: ${path.resolve(goldPath)}${lettersDir === undefined ? "" : ` with letters ${path.resolve(lettersDir)}`}`, items, notes };
}
